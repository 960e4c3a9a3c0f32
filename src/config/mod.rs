//! Typed configuration from environment variables.
//!
//! Every variable is documented in the README with its default. A wrong value stops start-up
//! with a message that names the variable, instead of a silent fallback.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use lettre::message::Mailbox;

mod net;
mod operations;

pub use net::IpNet;
pub use operations::{LogFormat, Operations};

/// Application configuration, read once at start-up.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: an external PostgreSQL server. `None` means: run the embedded cluster.
    pub database_url: Option<String>,
    /// `REGIE_APP_DATABASE_URL`: with `DATABASE_URL`, the login of the web application's
    /// requests (the role `regie_app`); `DATABASE_URL` is then used for migrations only.
    pub app_database_url: Option<String>,
    /// `REGIE_BIND`: where the HTTP server listens.
    pub bind: SocketAddr,
    /// `REGIE_DATA_DIR`: folder for the embedded PostgreSQL cluster and other local state.
    pub data_dir: PathBuf,
    /// `REGIE_PUBLIC_URL`: the address people use to reach the site, without a trailing slash
    /// (links in messages are built from it, never from a request's `Host` header). An
    /// `https://` address makes the session cookie `Secure` with the `__Host-` prefix.
    pub public_url: String,
    /// `REGIE_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` header is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `REGIE_ADMIN_EMAIL`: email of the first admin created on an empty database.
    pub admin_email: String,
    /// `REGIE_DB_MAX_CONNECTIONS`: size of the database connection pool.
    pub db_max_connections: u32,
    /// `REGIE_MAX_UPLOAD_MB`: the largest PDF an agreement accepts, in MB (of 1024 x 1024
    /// bytes, as file managers count). Documents live in PostgreSQL, so this bounds a row too.
    pub max_upload_mb: u32,
    /// `REGIE_SMTP_URL`: the mail server the outbox worker sends through, in lettre's URL form
    /// (`smtp://user:pass@host:587?tls=required`, `smtps://...`). `None`: nothing is sent and
    /// admins read the outbox as a mailbox. May hold a password: never logged.
    pub smtp_url: Option<String>,
    /// `REGIE_MAIL_FROM`: the sender of the mail (`regie <noreply@regie.vlaanderen.be>`).
    pub mail_from: Mailbox,
    /// How regie runs as a service: logs, shutdown, metrics, daily backups ([`Operations`]).
    pub operations: Operations,
}

// Hand-written so that the database and SMTP URLs (they may hold a password) never reach a log
// line.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field(
                "app_database_url",
                &self.app_database_url.as_ref().map(|_| "<set>"),
            )
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("admin_email", &self.admin_email)
            .field("db_max_connections", &self.db_max_connections)
            .field("max_upload_mb", &self.max_upload_mb)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<set>"))
            .field("mail_from", &self.mail_from.to_string())
            .field("operations", &self.operations)
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

        let app_database_url = get("REGIE_APP_DATABASE_URL");
        if let Some(url) = &app_database_url
            && (database_url.is_none()
                || !(url.starts_with("postgres://") || url.starts_with("postgresql://")))
        {
            return Err(ConfigError {
                name: "REGIE_APP_DATABASE_URL",
                value: "<hidden>".into(),
                expected: "a postgres:// or postgresql:// URL, together with DATABASE_URL \
                           (the embedded cluster needs none)",
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

        // The old switch: ignoring it would quietly drop `Secure` from a site that relied on it.
        if let Some(v) = get("REGIE_SECURE_COOKIES") {
            return Err(ConfigError {
                name: "REGIE_SECURE_COOKIES",
                value: v,
                expected: "nothing: it is replaced by REGIE_PUBLIC_URL (https://... makes cookies Secure)",
            });
        }

        let public_url = match get("REGIE_PUBLIC_URL") {
            None => format!("http://{bind}"),
            Some(v) => parse_public_url(&v).ok_or(ConfigError {
                name: "REGIE_PUBLIC_URL",
                value: v.clone(),
                expected: "an http:// or https:// address without path, such as https://regie.vlaanderen.be",
            })?,
        };

        let trusted_proxies = match get("REGIE_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(v) => v
                .split(',')
                .map(|part| part.trim().parse())
                .collect::<Result<_, _>>()
                .map_err(|()| ConfigError {
                    name: "REGIE_TRUSTED_PROXIES",
                    value: v.clone(),
                    expected: "addresses or networks separated by commas, such as 127.0.0.1,10.0.0.0/8",
                })?,
        };

        let admin_email = get("REGIE_ADMIN_EMAIL").unwrap_or_else(|| "admin@regie.local".into());
        if !crate::identity::is_plausible_email(&admin_email) {
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

        let max_upload_mb = match get("REGIE_MAX_UPLOAD_MB") {
            None => 10,
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or(ConfigError {
                    name: "REGIE_MAX_UPLOAD_MB",
                    value: v.clone(),
                    expected: "a whole number of megabytes from 1 to 100",
                })?,
        };

        let smtp_url = get("REGIE_SMTP_URL");
        if let Some(url) = &smtp_url
            && !is_smtp_url(url)
        {
            return Err(ConfigError {
                name: "REGIE_SMTP_URL",
                value: "<hidden>".into(),
                expected: "an smtp:// or smtps:// URL such as smtp://user:password@mail.example.be:587?tls=required \
                           (a URL with a user name must be smtps:// or have tls=required)",
            });
        }

        let mail_from = match get("REGIE_MAIL_FROM") {
            None => default_mail_from(get("REGIE_PUBLIC_URL").map(|_| public_url.as_str())),
            Some(v) => v.trim().parse().map_err(|_| ConfigError {
                name: "REGIE_MAIL_FROM",
                value: v.clone(),
                expected: "an e-mail address, optionally with a name: regie <noreply@regie.vlaanderen.be>",
            })?,
        };

        let operations = Operations::from_lookup(get, bind)?;

        Ok(Self {
            database_url,
            app_database_url,
            bind,
            data_dir,
            public_url,
            trusted_proxies,
            admin_email,
            db_max_connections,
            max_upload_mb,
            smtp_url,
            mail_from,
            operations,
        })
    }
}

impl Config {
    /// Whether people reach the site over HTTPS (then cookies are `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Listening on a non-loopback address while the site is not served over HTTPS: worth a
    /// warning at start-up.
    pub fn exposes_plain_http(&self) -> bool {
        !self.bind.ip().is_loopback() && !self.is_https()
    }

    /// [`Config::max_upload_mb`] in bytes.
    pub fn max_upload_bytes(&self) -> usize {
        self.max_upload_mb as usize * 1024 * 1024
    }

    /// Whether `peer` is one of the trusted reverse proxies.
    pub fn is_trusted_proxy(&self, peer: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(peer))
    }
}

/// `scheme://host[:port]` with nothing after it; a trailing slash is dropped.
fn parse_public_url(value: &str) -> Option<String> {
    let value = value.trim().trim_end_matches('/');
    let (_, authority) = value
        .strip_prefix("https://")
        .map(|rest| ("https", rest))
        .or_else(|| value.strip_prefix("http://").map(|rest| ("http", rest)))?;
    let plain = !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    plain.then(|| value.to_string())
}

/// Whether lettre accepts `url` as the address of an SMTP server (scheme, host, TLS mode), and
/// a password in it travels encrypted only: `smtp://` with a user needs `tls=required` (STARTTLS
/// or nothing); `smtps://` is TLS from the start. lettre's `tls=opportunistic` would send the
/// password in the clear to a server (or an attacker) that offers no STARTTLS.
fn is_smtp_url(url: &str) -> bool {
    let url = url.trim();
    let has_user = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?']).next())
        .is_some_and(|authority| authority.contains('@'));
    let encrypted = url.starts_with("smtps://") || url.contains("tls=required");
    (url.starts_with("smtp://") || url.starts_with("smtps://"))
        && (!has_user || encrypted)
        && lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).is_ok()
}

/// `regie <noreply@HOST>` for the host of `REGIE_PUBLIC_URL` when it is a name; otherwise
/// (not set, or an IP address) `regie <noreply@localhost>`.
fn default_mail_from(public_url: Option<&str>) -> Mailbox {
    let host = public_url
        .and_then(|url| url.split_once("://"))
        .map(|(_, authority)| authority.split(':').next().unwrap_or_default())
        .filter(|host| host.contains('.') && host.chars().any(|c| c.is_ascii_alphabetic()))
        .filter(|host| !host.contains('['))
        .unwrap_or("localhost");
    format!("regie <noreply@{host}>")
        .parse()
        .unwrap_or_else(|_| {
            Mailbox::new(
                Some("regie".into()),
                "noreply@localhost".parse().expect("a valid address"),
            )
        })
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
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert!(!c.is_https());
        assert!(c.trusted_proxies.is_empty());
        assert!(!c.exposes_plain_http());
        assert!(
            config(&[("REGIE_BIND", "0.0.0.0:3000")])
                .unwrap()
                .exposes_plain_http()
        );
        assert!(
            !config(&[
                ("REGIE_BIND", "0.0.0.0:3000"),
                ("REGIE_PUBLIC_URL", "https://regie.vlaanderen.be")
            ])
            .unwrap()
            .exposes_plain_http()
        );
        assert!(c.database_url.is_none());
        assert_eq!(c.max_upload_mb, 10);
        assert_eq!(c.max_upload_bytes(), 10 * 1024 * 1024);
        let c = config(&[("REGIE_MAX_UPLOAD_MB", " 100 ")]).unwrap();
        assert_eq!(c.max_upload_mb, 100);
    }

    #[test]
    fn a_wrong_value_names_its_variable() {
        let err = config(&[("REGIE_BIND", "localhost")]).unwrap_err();
        assert_eq!(err.name, "REGIE_BIND");
        let err = config(&[("REGIE_PUBLIC_URL", "regie.vlaanderen.be")]).unwrap_err();
        assert_eq!(err.name, "REGIE_PUBLIC_URL");
        let err = config(&[("REGIE_PUBLIC_URL", "https://x.be/pad?a=b")]).unwrap_err();
        assert_eq!(err.name, "REGIE_PUBLIC_URL");
        let err = config(&[("REGIE_TRUSTED_PROXIES", "10.0.0.0/33")]).unwrap_err();
        assert_eq!(err.name, "REGIE_TRUSTED_PROXIES");
        let err = config(&[("REGIE_SECURE_COOKIES", "true")]).unwrap_err();
        assert_eq!(err.name, "REGIE_SECURE_COOKIES");
        assert!(err.to_string().contains("REGIE_PUBLIC_URL"));
        let err = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.name, "DATABASE_URL");
        assert!(
            !err.to_string().contains("mysql"),
            "the URL may hold a secret"
        );
        let err = config(&[("REGIE_APP_DATABASE_URL", "postgres://regie_app@h/db")]).unwrap_err();
        assert_eq!(err.name, "REGIE_APP_DATABASE_URL", "only with DATABASE_URL");
        let err = config(&[
            ("DATABASE_URL", "postgres://owner@h/db"),
            ("REGIE_APP_DATABASE_URL", "mysql://x"),
        ])
        .unwrap_err();
        assert_eq!(err.name, "REGIE_APP_DATABASE_URL");
        let err = config(&[("REGIE_DB_MAX_CONNECTIONS", "0")]).unwrap_err();
        assert_eq!(err.name, "REGIE_DB_MAX_CONNECTIONS");
        for nonsense in ["0", "101", "-1", "10MB", "2.5"] {
            let err = config(&[("REGIE_MAX_UPLOAD_MB", nonsense)]).unwrap_err();
            assert_eq!(err.name, "REGIE_MAX_UPLOAD_MB", "{nonsense}");
        }
    }

    #[test]
    fn an_https_public_url_and_trusted_proxy_networks_are_understood() {
        let c = config(&[
            ("REGIE_PUBLIC_URL", "https://regie.vlaanderen.be/"),
            ("REGIE_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,::1"),
        ])
        .unwrap();
        assert_eq!(c.public_url, "https://regie.vlaanderen.be");
        assert!(c.is_https());
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(c.is_trusted_proxy(ip("127.0.0.1")));
        assert!(c.is_trusted_proxy(ip("10.200.3.4")));
        assert!(c.is_trusted_proxy(ip("::ffff:10.1.1.1")));
        assert!(c.is_trusted_proxy(ip("::1")));
        assert!(!c.is_trusted_proxy(ip("127.0.0.2")));
        assert!(!c.is_trusted_proxy(ip("11.0.0.1")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
    }

    #[test]
    fn debug_output_hides_the_database_url() {
        let c = config(&[
            ("DATABASE_URL", "postgres://u:secret@h/db"),
            ("REGIE_APP_DATABASE_URL", "postgres://regie_app:hidden@h/db"),
        ])
        .unwrap();
        assert!(!format!("{c:?}").contains("secret"));
        assert!(!format!("{c:?}").contains("hidden"));
    }

    #[test]
    fn the_mail_server_url_is_checked_and_never_shown() {
        assert!(config(&[]).unwrap().smtp_url.is_none());
        for good in [
            "smtp://127.0.0.1:2525",
            "smtp://user:geheim@mail.example.be:587?tls=required",
            "smtps://user:geheim@mail.example.be",
        ] {
            let c = config(&[("REGIE_SMTP_URL", good)]).unwrap();
            assert_eq!(c.smtp_url.as_deref(), Some(good));
            assert!(!format!("{c:?}").contains("geheim"), "{good}");
        }
        for bad in [
            "mail.example.be",
            "http://user:geheim@mail.example.be",
            "smtp://user:geheim@mail.example.be?tls=maybe",
            // A password over an unencrypted connection.
            "smtp://user:geheim@mail.example.be:25",
            "smtp://user:geheim@mail.example.be:587?tls=opportunistic",
            "smtp://",
        ] {
            let err = config(&[("REGIE_SMTP_URL", bad)]).unwrap_err();
            assert_eq!(err.name, "REGIE_SMTP_URL", "{bad}");
            assert!(!err.to_string().contains("geheim"), "{bad}");
        }
    }

    #[test]
    fn the_sender_defaults_to_the_sites_host_and_is_checked() {
        assert_eq!(
            config(&[]).unwrap().mail_from.to_string(),
            "regie <noreply@localhost>"
        );
        let c = config(&[("REGIE_PUBLIC_URL", "https://regie.vlaanderen.be")]).unwrap();
        assert_eq!(
            c.mail_from.to_string(),
            "regie <noreply@regie.vlaanderen.be>"
        );
        let c = config(&[("REGIE_PUBLIC_URL", "http://10.0.0.5:3000")]).unwrap();
        assert_eq!(c.mail_from.email.to_string(), "noreply@localhost");
        let c = config(&[("REGIE_MAIL_FROM", "Departement WSE <regie@vlaanderen.be>")]).unwrap();
        assert_eq!(c.mail_from.email.to_string(), "regie@vlaanderen.be");
        assert_eq!(c.mail_from.name.as_deref(), Some("Departement WSE"));
        for bad in ["regie", "regie <>", "a@b@c"] {
            let err = config(&[("REGIE_MAIL_FROM", bad)]).unwrap_err();
            assert_eq!(err.name, "REGIE_MAIL_FROM", "{bad}");
        }
    }
}
