//! The state every handler can reach.

use std::sync::Arc;

use sqlx::PgPool;

use crate::auth::password::Hasher;
use crate::config::Config;
use crate::reference::ReferenceCache;
use crate::site::Stopping;
use crate::web::csrf::CookieKey;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub hasher: Hasher,
    /// Signs the CSRF cookie of anonymous visitors.
    pub csrf_key: CookieKey,
    /// Periods, coverage and other reference data by version (`reference`).
    pub reference: ReferenceCache,
    /// Whether this instance is shutting down (readiness says no meanwhile).
    pub stopping: Stopping,
}

impl AppState {
    pub fn new(db: PgPool, config: Config) -> Self {
        Self {
            db,
            config: Arc::new(config),
            hasher: Hasher::default(),
            csrf_key: CookieKey::default(),
            reference: ReferenceCache::default(),
            stopping: Stopping::default(),
        }
    }
}
