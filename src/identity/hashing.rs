//! Password hashing (argon2id), off the async executor: hashing is slow on purpose, so it runs
//! on tokio's blocking pool behind a semaphore, and a burst of sign-ins cannot starve the async
//! workers or eat all memory (19 MiB per hash). The password policy is the sign-in's
//! (`auth::password`).

use std::sync::{Arc, LazyLock};

use anyhow::{Context, anyhow};
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use tokio::sync::Semaphore;

use crate::error::{AppError, Result};

/// OWASP's minimum for argon2id: m=19456 KiB, t=2, p=1.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies passwords off the async executor.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Default for Hasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            permits: Arc::new(Semaphore::new(cores)),
        }
    }
}

impl Hasher {
    pub async fn hash(&self, password: String) -> Result<String> {
        self.blocking(move || hash_now(&password)).await?
    }

    /// Verifies `password` against `hash`; with no hash (unknown account) it verifies against
    /// a dummy hash so that both cases take the same time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool> {
        self.blocking(move || {
            let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
            let parsed = PasswordHash::new(&hash)
                .map_err(|e| anyhow!("stored password hash unreadable: {e}"))?;
            Ok(argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await?
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self.permits.acquire().await.context("hasher closed")?;
        tokio::task::spawn_blocking(f)
            .await
            .context("hashing task failed")
            .map_err(AppError::from)
    }
}

static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("regie dummy password").expect("hashing a constant works"));

/// Hashes synchronously: for the command line, where no async executor needs protecting.
pub fn hash_now(password: &str) -> Result<String> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow!("salt: {e}"))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("hashing failed: {e}").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_own_password() {
        let hash = hash_now("een goed lang wachtwoord").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            argon2()
                .verify_password(b"een goed lang wachtwoord", &parsed)
                .is_ok()
        );
        assert!(argon2().verify_password(b"iets anders", &parsed).is_err());
    }
}
