//! Creating notifications: the in-app row for each recipient and, unless they turned e-mail
//! off for that kind, an outbox row the mail worker sends. Called inside the transaction of the
//! change it reports, so a rolled-back change notifies nobody.

use sqlx::PgConnection;

use super::model::Notice;
use crate::error::Result;

/// The longest body an e-mail repeats; the rest is on the site.
const MAIL_BODY_CHARS: usize = 2000;

/// Notifies the active users among `user_ids` (duplicates and inactive accounts are skipped).
/// Returns how many notifications were created (a reminder already sent counts as none).
pub async fn notify(
    conn: &mut PgConnection,
    public_url: &str,
    user_ids: &[i64],
    notice: &Notice,
) -> Result<u64> {
    if user_ids.is_empty() {
        return Ok(0);
    }
    let mail_body = mail_body(public_url, notice);
    // One statement: the notifications, then the outbox rows for those that were new and whose
    // user wants this kind by e-mail. `on conflict do nothing` makes a repeated reminder a no-op.
    let created = sqlx::query_scalar!(
        r#"with recipients as (
               select distinct u.user_id, u.email
               from users u
               where u.user_id = any($1) and u.active
           ),
           created as (
               insert into notifications (user_id, kind, title, body, link, dedupe_key)
               select user_id, $2, $3, $4, $5, $6 from recipients
               on conflict (user_id, dedupe_key) do nothing
               returning notification_id, user_id
           ),
           mailed as (
               insert into outbox (notification_id, recipient, subject, body)
               select c.notification_id, r.email, $3, $7
               from created c
               join recipients r using (user_id)
               where coalesce((select p.email from notification_preferences p
                               where p.user_id = c.user_id and p.kind = $2), true)
               returning 1
           )
           select count(*) as "count!" from created"#,
        user_ids,
        notice.kind as _,
        notice.title,
        notice.body,
        notice.link,
        notice.dedupe_key,
        mail_body,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(created as u64)
}

/// The e-mail's text: the detail, then the full address of the page. Plain text only, so
/// nothing a user typed can become markup in a mail client.
fn mail_body(public_url: &str, notice: &Notice) -> String {
    let mut body = String::new();
    if !notice.body.is_empty() {
        let detail: String = notice.body.chars().take(MAIL_BODY_CHARS).collect();
        body.push_str(&detail);
        if detail.len() < notice.body.len() {
            body.push_str(" [...]");
        }
        body.push_str("\n\n");
    }
    if !notice.link.is_empty() {
        body.push_str(&format!(
            "Bekijk het in regie: {public_url}{}\n\n",
            notice.link
        ));
    }
    body.push_str(
        "Dit bericht komt van regie, de toepassing van de lokale regie sociale economie en werk. \
         Welke berichten u per e-mail krijgt, kiest u in regie onder Meldingen > Voorkeuren.\n",
    );
    body
}

#[cfg(test)]
mod tests {
    use super::super::model::Kind;
    use super::*;

    #[test]
    fn the_mail_names_the_page_and_cuts_a_long_body() {
        let notice = Notice::new(
            Kind::ReportMessage,
            "Nieuw bericht",
            "/jaarrapporten/3/2025",
        )
        .body("x".repeat(3000));
        let body = mail_body("https://regie.example", &notice);
        assert!(body.contains("https://regie.example/jaarrapporten/3/2025"));
        assert!(body.contains("[...]"));
        assert!(body.len() < 2600);
    }
}
