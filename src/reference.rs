//! Reference data in memory: the policy periods, the coverage of a period, the map, the
//! municipality lists. They change a few times a year, yet most pages need some of them, so
//! reading them from PostgreSQL on every request was most of what several pages cost.
//!
//! Correct with several instances on one database: every change to the tables they come from
//! bumps `reference_version` in the same transaction (triggers, migration 20261203000001), and
//! every request reads that version, for free with its session (`auth::session_store`) or else
//! with one small query. An entry is used only for the version it was loaded at, so a request
//! never sees data older than its version, on whichever instance it lands.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::NaiveDate;
use sqlx::PgPool;
use tower_sessions::Session;

use crate::auth::REFERENCE_VERSION;
use crate::error::{AppError, Result};
use crate::periods::{self, Period};
use crate::state::AppState;
use crate::state::cache::ReferenceCache;
use crate::web::format::today;

/// The reference data as this request may see it: an extractor that costs no statement on a
/// signed-in request and one tiny one on an anonymous request.
#[derive(Clone)]
pub struct Reference {
    version: i64,
    /// Today in Belgium, as the cached data was computed for.
    day: NaiveDate,
    cache: ReferenceCache,
}

impl Reference {
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The value under `key` for this request's version, loaded with `load` when it is not
    /// there. Two requests that miss together both load: rare, and cheaper than a lock held
    /// across a query.
    pub async fn get_or_load<T, F, Fut>(&self, key: impl Into<String>, load: F) -> Result<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let key = key.into();
        let at = (self.version, self.day);
        if let Some(Ok(value)) = self
            .cache
            .lookup(at, &key)?
            .map(|entry| entry.downcast::<T>())
        {
            return Ok(value);
        }
        let value = Arc::new(load().await?);
        self.cache.store(at, key, value.clone())?;
        Ok(value)
    }

    /// All policy periods, oldest first ([`periods::list`]).
    pub async fn periods(&self, db: &PgPool) -> Result<Arc<Vec<Period>>> {
        self.get_or_load("periods", || periods::list(db)).await
    }
}

/// The version in the database now.
async fn current_version(db: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar!("select version from reference_version")
        .fetch_one(db)
        .await?)
}

impl FromRequestParts<AppState> for Reference {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let from_session = match parts.extensions.get::<Session>() {
            Some(session) => session.get::<i64>(REFERENCE_VERSION).await?,
            None => None,
        };
        let version = match from_session {
            Some(version) => version,
            None => current_version(&state.db).await?,
        };
        Ok(Self {
            version,
            day: today(),
            cache: state.reference.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn at(cache: &ReferenceCache, version: i64) -> Reference {
        on(cache, version, day(2))
    }

    fn on(cache: &ReferenceCache, version: i64, day: NaiveDate) -> Reference {
        Reference {
            version,
            day,
            cache: cache.clone(),
        }
    }

    #[tokio::test]
    async fn an_entry_serves_its_own_version_only() {
        let cache = ReferenceCache::default();
        let loads = std::sync::atomic::AtomicUsize::new(0);
        let load = |value: i64| {
            loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { Ok(value) }
        };
        assert_eq!(
            *at(&cache, 1).get_or_load("k", || load(10)).await.unwrap(),
            10
        );
        assert_eq!(
            *at(&cache, 1).get_or_load("k", || load(11)).await.unwrap(),
            10
        );
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1);
        // A newer version loads again and replaces everything.
        assert_eq!(
            *at(&cache, 2).get_or_load("k", || load(20)).await.unwrap(),
            20
        );
        assert_eq!(
            *at(&cache, 2).get_or_load("k", || load(21)).await.unwrap(),
            20
        );
        // The next day, the same version loads again (today's regisseurs may have changed).
        assert_eq!(
            *on(&cache, 2, day(3))
                .get_or_load("k", || load(30))
                .await
                .unwrap(),
            30
        );
        assert_eq!(
            *on(&cache, 2, day(3))
                .get_or_load("k", || load(31))
                .await
                .unwrap(),
            30
        );
        // A version that went back (the database was restored) starts over rather than find
        // the cache shut: its data is loaded once and then served.
        assert_eq!(
            *on(&cache, 1, day(3))
                .get_or_load("k", || load(40))
                .await
                .unwrap(),
            40
        );
        assert_eq!(
            *on(&cache, 1, day(3))
                .get_or_load("k", || load(41))
                .await
                .unwrap(),
            40
        );
        assert_eq!(cache.len(), 1);
    }
}
