//! The mail worker: sends the outbox's waiting rows over SMTP (`REGIE_SMTP_URL`), marks them
//! sent, and retries a failure later with back-off until it gives up and marks the row failed.
//!
//! [`run`] is spawned by `regie serve` only when `REGIE_SMTP_URL` is set; without it the rows
//! stay waiting and admins read them as a mailbox (`mailbox`). Any number of instances may run
//! the worker on one database: see [`send_due`] for why each mail goes out once.

use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;

use crate::config::Config;

/// Mails sent per call of [`send_due`], each in its own transaction.
const BATCH: usize = 10;
/// How long the worker sleeps when nothing is due.
const POLL: Duration = Duration::from_secs(5);
/// One SMTP conversation may take this long before it counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// The wait before the next attempt after the 1st, 2nd, ... failed one. After one failure
/// more than this list is long, the mail is marked `mislukt`.
const BACK_OFF_SECONDS: [i64; 5] = [60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600];
/// All attempts, the first one included.
pub const MAX_ATTEMPTS: i16 = BACK_OFF_SECONDS.len() as i16 + 1;
/// The longest error text kept on a row.
const ERROR_CHARS: usize = 300;

/// The SMTP server and the sender, from the configuration.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The mailer of `REGIE_SMTP_URL` with `REGIE_MAIL_FROM` as sender, or `None` when no SMTP
    /// server is configured. The URL was checked at start-up; an error here names no secret.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        let Some(url) = &config.smtp_url else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
            .map_err(|_| anyhow::anyhow!("REGIE_SMTP_URL is not an SMTP URL lettre accepts"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Some(Self {
            transport,
            from: config.mail_from.clone(),
        }))
    }

    async fn send(&self, recipient: &str, subject: &str, body: &str) -> Result<(), Failure> {
        let to: Mailbox = recipient
            .parse()
            .map_err(|_| Failure::Permanent("ongeldig e-mailadres".into()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| Failure::Permanent(short(&e.to_string())))?;
        self.transport.send(message).await.map(drop).map_err(|e| {
            // A 5xx answer (unknown mailbox, refused sender) will be the same tomorrow.
            if e.is_permanent() {
                Failure::Permanent(short(&e.to_string()))
            } else {
                Failure::Retry(short(&e.to_string()))
            }
        })
    }
}

/// Why one mail did not go out.
enum Failure {
    /// The server or the connection failed, or the server answered "not now" (4xx): try again
    /// later.
    Retry(String),
    /// The mail cannot be built (an address lettre refuses) or the server refused it for good
    /// (5xx): trying again will not help.
    Permanent(String),
}

/// The first characters of an error, on one line. lettre's errors name the server's answer or
/// the connection problem, never the URL or its credentials.
fn short(error: &str) -> String {
    error
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(ERROR_CHARS)
        .collect()
}

/// The wait before the next attempt after `attempts` failed ones; `None`: give up.
fn back_off(attempts: i16) -> Option<i64> {
    usize::try_from(attempts - 1)
        .ok()
        .and_then(|i| BACK_OFF_SECONDS.get(i).copied())
}

/// What one call of [`send_due`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    /// Rows claimed; 0 means nothing was due (or everything due is being sent by another
    /// instance right now).
    pub claimed: usize,
    pub sent: usize,
    /// Failed, to be tried again later.
    pub retrying: usize,
    /// Failed for the last time: marked `mislukt`.
    pub given_up: usize,
}

/// Sends up to [`BATCH`] due mails, one transaction per mail, and records each outcome.
///
/// Each mail once across instances: a row is claimed with `for update skip locked` and its lock
/// is held until its outcome is committed, so while one worker is sending a mail, every other
/// worker's claim skips that row instead of taking it, and once committed the row is no longer
/// `wachtend`. One mail per transaction keeps what a failure can undo to that one mail: a crash
/// (or a lost connection) after the SMTP server accepted it but before the commit rolls its row
/// back to `wachtend`, and a later round sends it again. Delivery is at least once, never zero
/// times; the price is a rare duplicate of that one mail.
pub async fn send_due(db: &PgPool, mailer: &Mailer) -> anyhow::Result<Round> {
    let mut round = Round::default();
    for _ in 0..BATCH {
        let mut tx = db.begin().await?;
        let Some(mail) = sqlx::query!(
            r#"select mail_id, recipient, subject, body
               from outbox
               where status = 'wachtend' and next_attempt_at <= now()
               order by mail_id
               limit 1
               for update skip locked"#
        )
        .fetch_optional(&mut *tx)
        .await
        .context("claiming due mail")?
        else {
            break;
        };
        round.claimed += 1;
        match mailer
            .send(&mail.recipient, &mail.subject, &mail.body)
            .await
        {
            Ok(()) => {
                sqlx::query!(
                    r#"update outbox
                       set status = 'verzonden', sent_at = clock_timestamp(),
                           attempts = attempts + 1, last_error = null
                       where mail_id = $1"#,
                    mail.mail_id
                )
                .execute(&mut *tx)
                .await?;
                round.sent += 1;
            }
            Err(failure) => {
                let (error, permanent) = match failure {
                    Failure::Retry(e) => (e, false),
                    Failure::Permanent(e) => (e, true),
                };
                let attempts = sqlx::query_scalar!(
                    r#"update outbox set attempts = attempts + 1, last_error = $2
                       where mail_id = $1 returning attempts"#,
                    mail.mail_id,
                    error
                )
                .fetch_one(&mut *tx)
                .await?;
                match back_off(attempts).filter(|_| !permanent) {
                    Some(seconds) => {
                        sqlx::query!(
                            r#"update outbox
                               set next_attempt_at = clock_timestamp() + $2 * interval '1 second'
                               where mail_id = $1"#,
                            mail.mail_id,
                            seconds as f64
                        )
                        .execute(&mut *tx)
                        .await?;
                        round.retrying += 1;
                    }
                    None => {
                        sqlx::query!(
                            "update outbox set status = 'mislukt' where mail_id = $1",
                            mail.mail_id
                        )
                        .execute(&mut *tx)
                        .await?;
                        round.given_up += 1;
                    }
                }
            }
        }
        tx.commit().await.context("recording sent mail")?;
    }
    Ok(round)
}

/// Sends due mail for as long as the server runs: round after round while there is work,
/// then a pause of a few seconds. Logs counts only, never addresses or texts.
pub async fn run(db: PgPool, mailer: Mailer) {
    tracing::info!("mail worker started");
    loop {
        match send_due(&db, &mailer).await {
            Ok(round) if round.claimed > 0 => {
                tracing::info!(
                    sent = round.sent,
                    retrying = round.retrying,
                    given_up = round.given_up,
                    "mail sent from the outbox"
                );
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "mail worker round failed"),
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_grows_and_then_the_worker_gives_up() {
        assert_eq!(back_off(1), Some(60));
        assert_eq!(back_off(2), Some(300));
        assert_eq!(back_off(5), Some(12 * 3600));
        assert_eq!(back_off(MAX_ATTEMPTS), None);
        assert_eq!(MAX_ATTEMPTS, 6);
    }

    #[test]
    fn an_error_is_kept_short_and_on_one_line() {
        let e = short(&format!("boom\r\n{}", "x".repeat(1000)));
        assert!(!e.contains('\n'));
        assert_eq!(e.chars().count(), ERROR_CHARS);
    }
}
