//! The settings for running regie as a service (README, "Running in production"): logs, the
//! shutdown's time limit, Prometheus metrics and daily backups.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::NaiveTime;

use super::ConfigError;

/// Read once at start-up with the rest of [`super::Config`].
#[derive(Clone, Debug)]
pub struct Operations {
    /// `REGIE_LOG_FORMAT`: `text` (the default, for people) or `json` (a JSON object per line,
    /// for log shippers).
    pub log_format: LogFormat,
    /// `REGIE_SHUTDOWN_TIMEOUT`: after `SIGTERM` or Ctrl-C, how long requests in flight may
    /// take to finish before the server exits anyway.
    pub shutdown_timeout: Duration,
    /// `REGIE_METRICS_BIND`: where Prometheus metrics are served (`GET /metrics`), apart from
    /// the site. `None` (the default): no metrics.
    pub metrics_bind: Option<SocketAddr>,
    /// `REGIE_BACKUP_DAILY`: a time of day (Belgian time) at which `regie serve` writes a
    /// backup to `<REGIE_DATA_DIR>/backups/`. `None` (the default): no scheduled backups.
    pub backup_daily: Option<NaiveTime>,
    /// `REGIE_BACKUP_KEEP`: how many scheduled backups stay; older ones are removed.
    pub backup_keep: usize,
}

/// How log lines are written (`REGIE_LOG_FORMAT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Operations {
    /// Reads the settings through `get` (trimmed, empty as unset); `bind` is `REGIE_BIND`,
    /// which the metrics must not share.
    pub(super) fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        bind: SocketAddr,
    ) -> Result<Self, ConfigError> {
        let log_format = match get("REGIE_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(v) => {
                return Err(ConfigError {
                    name: "REGIE_LOG_FORMAT",
                    value: v.to_string(),
                    expected: "text or json",
                });
            }
        };

        let shutdown_timeout = match get("REGIE_SHUTDOWN_TIMEOUT") {
            None => Duration::from_secs(30),
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=3600).contains(n))
                .map(Duration::from_secs)
                .ok_or(ConfigError {
                    name: "REGIE_SHUTDOWN_TIMEOUT",
                    value: v.clone(),
                    expected: "a whole number of seconds from 1 to 3600",
                })?,
        };

        let metrics_bind = match get("REGIE_METRICS_BIND") {
            None => None,
            Some(v) => Some(v.trim().parse().map_err(|_| ConfigError {
                name: "REGIE_METRICS_BIND",
                value: v.clone(),
                expected: "an address with port, such as 127.0.0.1:9187",
            })?),
        };
        if metrics_bind.is_some_and(|m| m == bind) {
            return Err(ConfigError {
                name: "REGIE_METRICS_BIND",
                value: bind.to_string(),
                expected: "another address than REGIE_BIND: metrics are not for the public",
            });
        }

        let backup_daily = match get("REGIE_BACKUP_DAILY") {
            None => None,
            Some(v) => {
                Some(
                    NaiveTime::parse_from_str(v.trim(), "%H:%M").map_err(|_| ConfigError {
                        name: "REGIE_BACKUP_DAILY",
                        value: v.clone(),
                        expected: "a time of day as HH:MM, such as 02:30",
                    })?,
                )
            }
        };
        let backup_keep = match get("REGIE_BACKUP_KEEP") {
            None => 7,
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=365).contains(n))
                .ok_or(ConfigError {
                    name: "REGIE_BACKUP_KEEP",
                    value: v.clone(),
                    expected: "a whole number of backups from 1 to 365",
                })?,
        };

        Ok(Self {
            log_format,
            shutdown_timeout,
            metrics_bind,
            backup_daily,
            backup_keep,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn operations(vars: &[(&str, &str)]) -> Result<Operations, ConfigError> {
        Config::from_lookup(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        })
        .map(|c| c.operations)
    }

    #[test]
    fn operations_settings_have_defaults_and_refuse_other_values() {
        let c = operations(&[]).unwrap();
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.shutdown_timeout, Duration::from_secs(30));
        let c = operations(&[
            ("REGIE_LOG_FORMAT", "json"),
            ("REGIE_SHUTDOWN_TIMEOUT", "5"),
        ])
        .unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.shutdown_timeout, Duration::from_secs(5));
        assert_eq!(c.metrics_bind, None);
        assert_eq!(
            operations(&[("REGIE_METRICS_BIND", "127.0.0.1:9187")])
                .unwrap()
                .metrics_bind,
            Some(SocketAddr::from(([127, 0, 0, 1], 9187)))
        );
        assert_eq!((c.backup_daily, c.backup_keep), (None, 7));
        let c =
            operations(&[("REGIE_BACKUP_DAILY", "02:30"), ("REGIE_BACKUP_KEEP", "14")]).unwrap();
        assert_eq!(c.backup_daily, NaiveTime::from_hms_opt(2, 30, 0));
        assert_eq!(c.backup_keep, 14);
        for (name, value) in [
            ("REGIE_BACKUP_DAILY", "2u30"),
            ("REGIE_BACKUP_DAILY", "25:00"),
            ("REGIE_BACKUP_KEEP", "0"),
            ("REGIE_METRICS_BIND", "9187"),
            ("REGIE_METRICS_BIND", "127.0.0.1:3000"),
            ("REGIE_LOG_FORMAT", "JSON-lines"),
            ("REGIE_SHUTDOWN_TIMEOUT", "0"),
            ("REGIE_SHUTDOWN_TIMEOUT", "30s"),
        ] {
            let err = operations(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name, "{value}");
        }
    }
}
