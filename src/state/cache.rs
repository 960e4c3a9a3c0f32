//! The in-process cache of reference data (`crate::reference` fills and reads it): entries of
//! one reference version and day, shared by all requests of this process.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use crate::error::{AppError, Result};

pub(crate) type Entry = Arc<dyn Any + Send + Sync>;

/// The entries of one version and day; a newer version or a new day empties it. The day
/// because some reference data reads the date: who is a werkingsgebied's regisseur today
/// changes at midnight without any write.
#[derive(Default)]
struct Slot {
    version: i64,
    day: NaiveDate,
    entries: HashMap<String, Entry>,
}

/// The cache, shared by all requests of this process.
#[derive(Clone, Default)]
pub struct ReferenceCache(Arc<Mutex<Slot>>);

impl ReferenceCache {
    pub(crate) fn lookup(&self, at: (i64, NaiveDate), key: &str) -> Result<Option<Entry>> {
        let slot = self.0.lock().map_err(poisoned)?;
        Ok(((slot.version, slot.day) == at)
            .then(|| slot.entries.get(key).cloned())
            .flatten())
    }

    pub(crate) fn store(
        &self,
        (version, day): (i64, NaiveDate),
        key: String,
        entry: Entry,
    ) -> Result<()> {
        let mut slot = self.0.lock().map_err(poisoned)?;
        // Newer, or another version at all: a request that read an older version loads data at
        // least as new as that version, and a restored database goes back for good.
        if (version, day) > (slot.version, slot.day) || version < slot.version {
            *slot = Slot {
                version,
                day,
                entries: HashMap::new(),
            };
        }
        // A request that read an older version than the cache holds loaded data at least that
        // new, but keeps it to itself rather than file it under the wrong version.
        if (version, day) == (slot.version, slot.day) {
            slot.entries.insert(key, entry);
        }
        Ok(())
    }

    /// How many entries the current version holds (for tests and the benchmark's notes).
    pub fn len(&self) -> usize {
        self.0.lock().map(|s| s.entries.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn poisoned<T>(_: T) -> AppError {
    anyhow::anyhow!("reference cache lock poisoned").into()
}
