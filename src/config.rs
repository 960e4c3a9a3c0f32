//! Typed configuration from environment variables.
//!
//! Every variable is documented in the README with its default. A wrong value stops start-up
//! with a message that names the variable, instead of a silent fallback.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Application configuration, read once at start-up.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: an external PostgreSQL server. `None` means: run the embedded cluster.
    pub database_url: Option<String>,
    /// `REGIE_BIND`: where the HTTP server listens.
    pub bind: SocketAddr,
    /// `REGIE_DATA_DIR`: folder for the embedded PostgreSQL cluster and other local state.
    pub data_dir: PathBuf,
    /// `REGIE_SECURE_COOKIES`: mark the session cookie `Secure` (set this behind HTTPS).
    pub secure_cookies: bool,
    /// `REGIE_ADMIN_EMAIL`: email of the first admin created on an empty database.
    pub admin_email: String,
    /// `REGIE_DB_MAX_CONNECTIONS`: size of the database connection pool.
    pub db_max_connections: u32,
}

// Hand-written so that the database URL (it may hold a password) never reaches a log line.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("secure_cookies", &self.secure_cookies)
            .field("admin_email", &self.admin_email)
            .field("db_max_connections", &self.db_max_connections)
            .finish()
    }
}

/// A configuration variable with a value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration variable {name} has an invalid value {value:?}: {expected}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let database_url = get("DATABASE_URL");
        if let Some(url) = &database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                name: "DATABASE_URL",
                value: "<hidden>".into(),
                expected: "a postgres:// or postgresql:// URL",
            });
        }

        let bind = match get("REGIE_BIND") {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(v) => v.trim().parse().map_err(|_| ConfigError {
                name: "REGIE_BIND",
                value: v.clone(),
                expected: "an address with port, such as 127.0.0.1:3000",
            })?,
        };

        let data_dir = PathBuf::from(get("REGIE_DATA_DIR").unwrap_or_else(|| "var".into()));

        let secure_cookies = match get("REGIE_SECURE_COOKIES") {
            None => false,
            Some(v) => parse_bool(&v).ok_or(ConfigError {
                name: "REGIE_SECURE_COOKIES",
                value: v.clone(),
                expected: "true or false",
            })?,
        };

        let admin_email = get("REGIE_ADMIN_EMAIL").unwrap_or_else(|| "admin@regie.local".into());
        if !crate::users::is_plausible_email(&admin_email) {
            return Err(ConfigError {
                name: "REGIE_ADMIN_EMAIL",
                value: admin_email,
                expected: "an email address such as admin@example.be",
            });
        }

        let db_max_connections = match get("REGIE_DB_MAX_CONNECTIONS") {
            None => 10,
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .ok_or(ConfigError {
                    name: "REGIE_DB_MAX_CONNECTIONS",
                    value: v.clone(),
                    expected: "a whole number from 1 to 500",
                })?,
        };

        Ok(Self {
            database_url,
            bind,
            data_dir,
            secure_cookies,
            admin_email,
            db_max_connections,
        })
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_variables() {
        let c = config(&[]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(c.data_dir, PathBuf::from("var"));
        assert!(!c.secure_cookies);
        assert!(c.database_url.is_none());
    }

    #[test]
    fn a_wrong_value_names_its_variable() {
        let err = config(&[("REGIE_BIND", "localhost")]).unwrap_err();
        assert_eq!(err.name, "REGIE_BIND");
        let err = config(&[("REGIE_SECURE_COOKIES", "maybe")]).unwrap_err();
        assert_eq!(err.name, "REGIE_SECURE_COOKIES");
        let err = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.name, "DATABASE_URL");
        assert!(
            !err.to_string().contains("mysql"),
            "the URL may hold a secret"
        );
        let err = config(&[("REGIE_DB_MAX_CONNECTIONS", "0")]).unwrap_err();
        assert_eq!(err.name, "REGIE_DB_MAX_CONNECTIONS");
    }

    #[test]
    fn debug_output_hides_the_database_url() {
        let c = config(&[("DATABASE_URL", "postgres://u:secret@h/db")]).unwrap();
        assert!(!format!("{c:?}").contains("secret"));
    }
}
