//! Demo yearly reports for the demo werkingsgebieden of 2023-2025, in the spread of
//! [`super::report_plan`], each with its history lines, its submissions (the real assembled
//! figures frozen with a demo narrative), and for some a review checklist and a message thread.
//! Also the due dates 2020-2025 and the demo accounts the review needs.
//!
//! Due dates are settings an admin makes, not reference data; the demo sets 31 March of the
//! next year for 2020-2025 (as the issue suggests) and keeps any date an admin set.
//!
//! The review has authors, and authors are accounts. The demo makes three ministry accounts
//! ("Demo-beoordelaar 1-3") that review the demo werkingsgebieden, and an account for each
//! of the four demo regisseurs who write in a thread. All are `@demo.invalid`, have no password and
//! are inactive: nobody signs in with them and no notification or mail goes to them. The
//! regisseur accounts are not linked to an appointment, so they change nobody's access.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::PgConnection;

use super::report_plan::{Story, first_day, narrative, reason, story, timeline};
use crate::identity::Role;
use crate::municipalities::seed::VINTAGE_2019;
use crate::reports::assemble::{Narrative, Snapshot, assemble};
use crate::reports::model::{ReportStatus, Step};

/// The `seed_runs` row that says the demo reports were made.
pub const SEED_NAME: &str = "demo-reports";
/// The demo's reviewers.
const REVIEWERS: usize = 3;

/// What was made, for the demo's audit entry.
#[derive(Debug, Default)]
pub struct Summary {
    pub deadlines: u64,
    pub accounts: usize,
    pub reviewers_assigned: u64,
    pub reports: HashMap<&'static str, usize>,
    pub submissions: usize,
    pub transitions: usize,
    pub checklists: usize,
    pub messages: usize,
}

impl Summary {
    pub fn details(&self) -> serde_json::Value {
        serde_json::json!({
            "indiendata": self.deadlines,
            "demo_accounts": self.accounts,
            "beoordelaars_toegewezen": self.reviewers_assigned,
            "jaarrapporten": self.reports,
            "indieningen": self.submissions,
            "statuswijzigingen": self.transitions,
            "controlelijsten": self.checklists,
            "berichten": self.messages,
        })
    }
}

/// A demo account without password, inactive; returns its id (also when it existed).
async fn account(
    conn: &mut PgConnection,
    email: &str,
    name: &str,
    role: Role,
) -> anyhow::Result<Option<i64>> {
    sqlx::query!(
        r#"insert into users (email, full_name, role, password_hash, must_change_password, active)
           values ($1, $2, $3, null, false, false)
           on conflict (lower(email)) do nothing"#,
        email,
        name,
        role as Role
    )
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar!(
        "select user_id from users where lower(email) = lower($1) and role = $2",
        email,
        role as Role
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// A 2023-2025 demo werkingsgebied.
struct Area {
    partnership_id: i64,
    name: String,
    reviewer: Option<i64>,
    person_name: Option<String>,
    person_email: Option<String>,
}

/// One planned report, as written.
struct Written {
    report_id: i64,
    area: usize,
    year: i16,
    story: Story,
    times: Vec<DateTime<Utc>>,
    created: DateTime<Utc>,
}

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc()
}

/// Makes the demo deadlines, accounts, reviewer assignments and reports, and records
/// [`SEED_NAME`].
pub async fn generate(conn: &mut PgConnection) -> anyhow::Result<Summary> {
    // Demo settings, as an admin would make them; an admin's own dates stay.
    let deadlines = sqlx::query!(
        r#"insert into report_deadlines (year, due_on)
           select y, make_date(y + 1, 3, 31) from generate_series(2020, 2025) as y
           on conflict (year) do nothing"#
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let mut summary = Summary {
        deadlines,
        ..Summary::default()
    };

    let mut reviewers = Vec::new();
    for k in 1..=REVIEWERS {
        let email = format!("demo-beoordelaar{k}@demo.invalid");
        let name = format!("Demo-beoordelaar {k}");
        if let Some(id) = account(conn, &email, &name, Role::Ministry).await? {
            reviewers.push(id);
        }
    }
    // Every demo werkingsgebied (of any period) gets one, unless someone assigned one.
    if !reviewers.is_empty() {
        summary.reviewers_assigned = sqlx::query!(
            r#"insert into partnership_reviewers (partnership_id, reviewer_id)
               select p.partnership_id,
                      ($1::bigint[])[1 + (row_number() over (order by p.name, p.partnership_id) - 1)
                                          % cardinality($1::bigint[])]
               from partnerships p
               where p.is_demo
               on conflict (partnership_id) do nothing"#,
            &reviewers
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }

    let mut areas: Vec<Area> = sqlx::query!(
        r#"select p.partnership_id, p.name, r.reviewer_id as "reviewer?",
                  (select a.person_name from appointments a
                    where a.partnership_id = p.partnership_id and a.is_demo
                    order by a.appointment_id desc limit 1) as person_name,
                  (select a.person_email from appointments a
                    where a.partnership_id = p.partnership_id and a.is_demo
                    order by a.appointment_id desc limit 1) as person_email
           from partnerships p
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           left join partnership_reviewers r on r.partnership_id = p.partnership_id
           where p.is_demo and pp.name = '2023-2025' and pp.vintage = $1
             and not exists (select 1 from reports x where x.partnership_id = p.partnership_id)"#,
        VINTAGE_2019
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Area {
        partnership_id: r.partnership_id,
        name: r.name,
        reviewer: r.reviewer,
        person_name: r.person_name,
        person_email: r.person_email,
    })
    .collect();
    areas.sort_by(|a, b| a.name.cmp(&b.name));

    let now = Utc::now();
    let mut written: Vec<Written> = Vec::new();
    for year in [2023_i16, 2024, 2025] {
        let mut order: Vec<usize> = (0..areas.len()).collect();
        order.sort_by_key(|&i| super::order(&format!("{}{year}", areas[i].name)));
        for (position, &i) in order.iter().enumerate() {
            let story = story(year, position, areas.len());
            if story == Story::NotStarted {
                continue;
            }
            let first = first_day(year, story, position);
            let times = timeline(story, first, position, now);
            let created =
                times.first().copied().unwrap_or_else(|| at(first, 9)) - Duration::days(12);
            let report_id = write(conn, &areas[i], year, story, &times, created, &mut summary)
                .await
                .with_context(|| format!("demo report {} {year}", areas[i].name))?;
            written.push(Written {
                report_id,
                area: i,
                year,
                story,
                times,
                created,
            });
        }
    }

    review(conn, &areas, &written, &mut summary).await?;
    summary.accounts = sqlx::query_scalar!(
        r#"select count(*) as "n!" from users where email like '%@demo.invalid'"#
    )
    .fetch_one(&mut *conn)
    .await? as usize;
    sqlx::query!(
        "insert into seed_runs (name, content_sha256) values ($1, 'demo reports v1')",
        SEED_NAME
    )
    .execute(&mut *conn)
    .await?;
    Ok(summary)
}

/// Writes one report with its history lines and submissions; returns its id.
async fn write(
    conn: &mut PgConnection,
    area: &Area,
    year: i16,
    story: Story,
    times: &[DateTime<Utc>],
    created: DateTime<Utc>,
    summary: &mut Summary,
) -> anyhow::Result<i64> {
    let steps = story.steps();
    let sent_back = steps.contains(&Step::SendBack);
    // The text as it stands: revised after a send-back, unless it waits for that revision.
    let revised = sent_back && story != Story::SentBack;
    let text = narrative(&area.name, year, revised, story != Story::Concept);
    let status = story.status();
    let updated = times.last().copied().unwrap_or(created);
    let report_id = sqlx::query_scalar!(
        r#"insert into reports (partnership_id, year, status, context, worked, not_worked, plans,
                                version, is_demo, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, true, $9, $10) returning report_id"#,
        area.partnership_id,
        year,
        status as ReportStatus,
        text.context,
        text.worked,
        text.not_worked,
        text.plans,
        1 + steps.len() as i32,
        created as _,
        updated as _
    )
    .fetch_one(&mut *conn)
    .await?;

    let mut from = ReportStatus::Concept;
    let mut submissions = 0_i16;
    for (step, &when) in steps.iter().zip(times) {
        let to = step
            .from(from)
            .context("a step the workflow does not allow")?;
        let by = if *step == Step::Submit {
            None
        } else {
            area.reviewer
        };
        sqlx::query!(
            r#"insert into report_transitions (report_id, from_status, to_status, reason,
                                               changed_by, changed_at)
               values ($1, $2, $3, $4, $5, $6)"#,
            report_id,
            from as ReportStatus,
            to as ReportStatus,
            reason(*step),
            by,
            when as _
        )
        .execute(&mut *conn)
        .await?;
        summary.transitions += 1;
        if *step == Step::Submit {
            submissions += 1;
            // The first of two submissions had the text before the department's remarks.
            let narrative: Narrative = narrative(&area.name, year, submissions > 1, true);
            let snapshot = Snapshot {
                assembled_at: when,
                data: assemble(&mut *conn, area.partnership_id, i32::from(year)).await?,
                narrative,
            };
            sqlx::query!(
                r#"insert into report_submissions (report_id, number, snapshot, submitted_at)
                   values ($1, $2, $3, $4)"#,
                report_id,
                submissions,
                serde_json::to_value(&snapshot)?,
                when as _
            )
            .execute(&mut *conn)
            .await?;
            summary.submissions += 1;
        }
        from = to;
    }
    *summary.reports.entry(status.code()).or_default() += 1;
    Ok(report_id)
}

/// Checklists and message threads on a few 2025 reports: the sent-back ones (two wait for an
/// answer past its date), some in review, some approved, and a question on a concept.
async fn review(
    conn: &mut PgConnection,
    areas: &[Area],
    written: &[Written],
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let of = |story: Story| -> Vec<&Written> {
        written
            .iter()
            .filter(|w| w.year == 2025 && w.story == story)
            .collect()
    };
    let (sent_back, in_review, approved, concept) = (
        of(Story::SentBack),
        of(Story::InReview),
        of(Story::Approved),
        of(Story::Concept),
    );

    for (k, w) in sent_back.iter().enumerate() {
        checklist(
            conn,
            areas,
            w,
            |item| match item {
                "bereik" => Some("Demotekst: het bereik ontbreekt bij twee acties."),
                "toelichting" => Some("Demotekst: de plannen zijn te algemeen."),
                _ => None,
            },
            true,
        )
        .await?;
        summary.checklists += 1;
        let sent = w.times.last().copied().unwrap_or(w.created);
        let answer_by = (sent + Duration::days(21)).date_naive();
        message(
            conn,
            areas,
            w,
            Side::Department,
            sent + Duration::hours(1),
            "Demotekst: kunnen jullie het bereik van de jobbeurs per doelgroep aanvullen? \
             Graag een antwoord voor de vermelde datum.",
            Some(answer_by),
            summary,
        )
        .await?;
        // The first two are still waiting, past their date.
        if k >= 2 {
            message(
                conn,
                areas,
                w,
                Side::Area,
                sent + Duration::days(3),
                "Demotekst: we vullen het bereik aan en dienen het rapport opnieuw in.",
                None,
                summary,
            )
            .await?;
        }
    }
    for w in in_review.iter().take(3) {
        checklist(conn, areas, w, |_| None, false).await?;
        summary.checklists += 1;
    }
    if let Some(w) = in_review.first() {
        let taken = w.times.last().copied().unwrap_or(w.created);
        message(
            conn,
            areas,
            w,
            Side::Department,
            taken + Duration::hours(2),
            "Demotekst: hoeveel deelnemers van de fietslessen vonden daarna werk of een opleiding?",
            Some((taken + Duration::days(30)).date_naive()),
            summary,
        )
        .await?;
        message(conn, areas, w, Side::Area, taken + Duration::days(2),
            "Demotekst: vier van de twaalf deelnemers; we voegen het toe aan de toelichting van volgend jaar.",
            None, summary).await?;
    }
    for w in approved.iter().take(3) {
        checklist(conn, areas, w, |_| None, true).await?;
        summary.checklists += 1;
    }
    if let Some(w) = concept.first() {
        message(
            conn,
            areas,
            w,
            Side::Area,
            w.created + Duration::days(2),
            "Demotekst: mogen we de fietslessen onder prioriteit 2 rapporteren?",
            None,
            summary,
        )
        .await?;
        message(
            conn,
            areas,
            w,
            Side::Department,
            w.created + Duration::days(4),
            "Demotekst: ja, ze verlagen een drempel naar werk; vermeld het bereik per doelgroep.",
            None,
            summary,
        )
        .await?;
    }
    Ok(())
}

/// The review checklist of `w`: `remark(item)` gives an item's remark; the others are in order
/// when `done`, else the first three are in order and the rest open.
async fn checklist(
    conn: &mut PgConnection,
    areas: &[Area],
    w: &Written,
    remark: impl Fn(&str) -> Option<&'static str>,
    done: bool,
) -> anyhow::Result<()> {
    let when = w.times.last().copied().unwrap_or(w.created);
    for (k, (item, _)) in crate::reports::review::ITEMS.iter().enumerate() {
        let (state, text) = match remark(item) {
            Some(text) => ("opmerking", text),
            None if done || k < 3 => ("in_orde", ""),
            None => ("open", ""),
        };
        sqlx::query!(
            r#"insert into report_review_items (report_id, item, state, remark, updated_by, updated_at)
               values ($1, $2, $3::text::review_item_state, $4, $5, $6)"#,
            w.report_id,
            item,
            state,
            text,
            areas[w.area].reviewer,
            when as _
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

enum Side {
    Area,
    Department,
}

/// A message in the thread of `w`. A regisseur's message needs an account: the demo makes an
/// inactive one for the werkingsgebied's demo regisseur.
#[allow(clippy::too_many_arguments)]
async fn message(
    conn: &mut PgConnection,
    areas: &[Area],
    w: &Written,
    side: Side,
    when: DateTime<Utc>,
    body: &str,
    answer_by: Option<NaiveDate>,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let area = &areas[w.area];
    let author = match side {
        Side::Department => area.reviewer,
        Side::Area => match (&area.person_email, &area.person_name) {
            (Some(email), Some(name)) => account(conn, email, name, Role::Regisseur).await?,
            _ => None,
        },
    };
    let Some(author) = author else {
        return Ok(());
    };
    let side = match side {
        Side::Area => "werkingsgebied",
        Side::Department => "departement",
    };
    sqlx::query!(
        r#"insert into report_messages (report_id, author_id, side, body, answer_by, created_at)
           values ($1, $2, $3::text::report_side, $4, $5, $6)"#,
        w.report_id,
        author,
        side,
        body,
        answer_by as _,
        when.min(Utc::now() - Duration::minutes(30)) as _
    )
    .execute(&mut *conn)
    .await?;
    summary.messages += 1;
    Ok(())
}

/// A demo loaded before reports existed gets them now, once.
pub async fn add_missing(conn: &mut PgConnection) -> anyhow::Result<Option<Summary>> {
    if !super::part_missing(conn, SEED_NAME).await? {
        return Ok(None);
    }
    Ok(Some(generate(conn).await?))
}
