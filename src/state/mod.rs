//! The state every handler can reach.

pub mod cache;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::PgPool;

use crate::config::Config;
use crate::identity::hashing::Hasher;
use crate::web::csrf::CookieKey;
use cache::ReferenceCache;

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

/// Set once a shutdown began (`SIGTERM`, Ctrl-C): requests still in flight finish, but
/// readiness says no, so a proxy that checks it sends the next ones elsewhere.
#[derive(Clone, Default)]
pub struct Stopping(Arc<AtomicBool>);

impl Stopping {
    pub fn begin(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
