//! Deadline reminders: 14 days before a report year's due date the regisseurs of every
//! werkingsgebied whose report is not handed in are told it is near; once the date has passed,
//! they and the werkingsgebied's reviewer are told it has passed.
//!
//! [`run_once`] is idempotent: each reminder carries a dedupe key naming the year, the due date
//! and the werkingsgebied, and `notify` skips a key a user already has. So the hourly [`run`]
//! loop may run on several instances at once, and a moved due date reminds anew.

use std::time::Duration;

use chrono::NaiveDate;
use sqlx::PgPool;

use super::{Kind, Notice, notify};
use crate::reports::db::path;
use crate::web::format;

/// How long before the due date the "near" reminder goes out.
const NEAR_DAYS: i64 = 14;
/// A deadline that passed longer ago than this is not reminded of: a fresh install (or a
/// deadline entered late for an old year) must not flood people with reminders about years
/// long closed. Within it, a reminder missed while the server was down still goes out.
const PASSED_DAYS: i64 = 60;
/// How often the loop looks.
const EVERY: Duration = Duration::from_secs(3600);

/// One werkingsgebied whose report of a year with a deadline near or passed is not in.
struct Missing {
    year: i32,
    due_on: NaiveDate,
    partnership_id: i64,
    name: String,
    regisseurs: Vec<i64>,
    reviewer: Option<i64>,
}

/// Sends the reminders due on `today` that were not sent before. Returns how many
/// notifications were created (0 when everything was reminded of already).
pub async fn run_once(db: &PgPool, public_url: &str, today: NaiveDate) -> anyhow::Result<u64> {
    let missing = sqlx::query_as!(
        Missing,
        r#"select d.year::int as "year!", d.due_on as "due_on: NaiveDate", p.partnership_id, p.name,
                  array(select w from report_writers(p.partnership_id, d.year::int) w
                        order by w) as "regisseurs!",
                  r.reviewer_id as "reviewer?"
           from report_deadlines d
           join policy_periods pp
             on d.year between extract(year from pp.starts_on) and extract(year from pp.ends_on)
           join partnerships p using (policy_period_id)
           left join partnership_reviewers r using (partnership_id)
           where $1::date between d.due_on - $2::int and d.due_on + $3::int
             and not exists (
                 select 1 from reports rep
                 where rep.partnership_id = p.partnership_id and rep.year = d.year
                   and rep.status not in ('concept', 'teruggestuurd'))
           order by d.year, p.partnership_id"#,
        today as NaiveDate,
        NEAR_DAYS as i32,
        PASSED_DAYS as i32,
    )
    .fetch_all(db)
    .await?;

    let mut created = 0;
    for area in missing {
        let mut tx = db.begin().await?;
        created += if today <= area.due_on {
            remind_near(&mut tx, public_url, &area).await?
        } else {
            remind_passed(&mut tx, public_url, &area).await?
        };
        tx.commit().await?;
    }
    Ok(created)
}

async fn remind_near(
    conn: &mut sqlx::PgConnection,
    public_url: &str,
    area: &Missing,
) -> anyhow::Result<u64> {
    let notice = Notice::new(
        Kind::DeadlineNear,
        format!(
            "Het jaarrapport {} van {} moet ingediend zijn op {}",
            area.year,
            area.name,
            format::date(area.due_on)
        ),
        path(area.partnership_id, area.year),
    )
    .body("Het rapport is nog niet ingediend. Vergeet het niet in te dienen vóór de indiendatum.")
    .once(format!(
        "deadline_near:{}:{}:{}",
        area.year, area.due_on, area.partnership_id
    ));
    Ok(notify(conn, public_url, &area.regisseurs, &notice).await?)
}

async fn remind_passed(
    conn: &mut sqlx::PgConnection,
    public_url: &str,
    area: &Missing,
) -> anyhow::Result<u64> {
    let mut recipients = area.regisseurs.clone();
    recipients.extend(area.reviewer);
    let notice = Notice::new(
        Kind::DeadlinePassed,
        format!(
            "De indiendatum van het jaarrapport {} van {} is voorbij ({})",
            area.year,
            area.name,
            format::date(area.due_on)
        ),
        path(area.partnership_id, area.year),
    )
    .body("Het rapport is nog niet ingediend.")
    .once(format!(
        "deadline_passed:{}:{}:{}",
        area.year, area.due_on, area.partnership_id
    ));
    Ok(notify(conn, public_url, &recipients, &notice).await?)
}

/// Sends the reminders due today, every hour, for as long as the server runs. Logs counts only.
pub async fn run(db: PgPool, public_url: String) {
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        match run_once(&db, &public_url, crate::web::format::today()).await {
            Ok(0) => {}
            Ok(created) => tracing::info!(created, "deadline reminders sent"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "deadline reminders failed"),
        }
    }
}
