//! The reports of one year: one row per werkingsgebied of the policy period that covers the
//! year (ministry staff and admins see all, a regisseur their own), with its status or "Niet
//! begonnen", reviewer, last submission and a "te laat" marker; counts per status on top and a
//! status filter. VDAB does not open this page (the extractor's allowlist refuses).
//!
//! Route: `GET /jaarrapporten?jaar=&status=` (status: a report status, `niet_begonnen` or
//! `te_laat`). Without `jaar`: the latest year whose due date passed, else last year.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;
use serde::Deserialize;

use super::db;
use super::model::ReportStatus;
use super::show_review::{due_on, is_late};
use crate::auth::SignedIn;
use crate::database::Timestamp;
use crate::error::Result;
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::format::today;
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/jaarrapporten", get(index))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    jaar: Option<String>,
    status: Option<String>,
}

/// One werkingsgebied's report of the year.
pub struct ListRow {
    pub path: String,
    pub name: String,
    pub is_demo: bool,
    pub status_code: &'static str,
    pub status_label: &'static str,
    pub reviewer: String,
    pub last_submitted: String,
    pub late: bool,
}

impl ListRow {
    /// Whether the row passes the status filter (`None`: no filter).
    fn matches(&self, filter: Option<&str>) -> bool {
        match filter {
            None => true,
            Some("te_laat") => self.late,
            Some(code) => self.status_code == code,
        }
    }
}

#[derive(Template)]
#[template(path = "reports/list.html")]
struct ReportListPage {
    layout: Layout,
    year: i32,
    due_on: String,
    years: Vec<Choice>,
    statuses: Vec<Choice>,
    /// (label, count) per status, then "Niet begonnen" and "Te laat".
    counts: Vec<(&'static str, usize)>,
    rows: Vec<ListRow>,
    total: usize,
}

async fn index(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let today = today();
    let year = match query.jaar.as_deref().and_then(|y| y.trim().parse().ok()) {
        Some(y) if (2000..=2100).contains(&y) => y,
        // The report cycle of this calendar year: last year's reports are the ones due now (the
        // dashboard opens on the same year).
        _ => today.year() - 1,
    };
    let filter =
        query.status.as_deref().map(str::trim).filter(|s| {
            *s == "niet_begonnen" || *s == "te_laat" || ReportStatus::parse(s).is_some()
        });
    // A regisseur sees the werkingsgebieden whose report they write (`report_writers`).
    let own = (signed_in.user.role == Role::Regisseur).then_some(signed_in.user.user_id);
    let due = due_on(&state.db, year).await?;
    let stored = sqlx::query!(
        r#"select p.partnership_id, p.name, p.is_demo, r.status as "status?: ReportStatus",
                  u.full_name as "reviewer?",
                  (select max(s.submitted_at) from report_submissions s
                   where s.report_id = r.report_id) as "last_submitted?: Timestamp"
           from partnerships p
           join policy_periods pp using (policy_period_id)
           left join reports r on r.partnership_id = p.partnership_id and r.year = $1::int
           left join partnership_reviewers pr on pr.partnership_id = p.partnership_id
           left join users u on u.user_id = pr.reviewer_id
           where $1::int between extract(year from pp.starts_on)::int
                             and extract(year from pp.ends_on)::int
             and ($2::bigint is null
                  or $2 in (select report_writers(p.partnership_id, $1::int)))
           order by p.name, p.partnership_id"#,
        year,
        own
    )
    .fetch_all(&state.db)
    .await?;
    let all: Vec<ListRow> = stored
        .into_iter()
        .map(|r| ListRow {
            path: db::path(r.partnership_id, year),
            name: r.name,
            is_demo: r.is_demo,
            status_code: r.status.map_or("niet_begonnen", ReportStatus::code),
            status_label: r.status.map_or("Niet begonnen", ReportStatus::label),
            reviewer: r.reviewer.unwrap_or_else(|| "-".into()),
            last_submitted: r.last_submitted.map_or_else(
                || "-".into(),
                |t| format::date(t.with_timezone(&chrono_tz::Europe::Brussels).date_naive()),
            ),
            late: is_late(due, r.status, today),
        })
        .collect();
    let counts = counts(&all);
    let total = all.len();
    let rows: Vec<ListRow> = all.into_iter().filter(|r| r.matches(filter)).collect();

    let years = sqlx::query_scalar!(
        r#"select generate_series(min(extract(year from starts_on))::int,
                                  max(extract(year from ends_on))::int) as "year!"
           from policy_periods"#
    )
    .fetch_all(&state.db)
    .await?;
    let mut statuses = vec![Choice::new("", "Alle", filter.is_none())];
    statuses.extend(
        ReportStatus::ALL
            .into_iter()
            .map(|s| Choice::new(s.code(), s.label(), filter == Some(s.code()))),
    );
    statuses.push(Choice::new(
        "niet_begonnen",
        "Niet begonnen",
        filter == Some("niet_begonnen"),
    ));
    statuses.push(Choice::new("te_laat", "Te laat", filter == Some("te_laat")));
    render(&ReportListPage {
        layout: signed_in.layout(format!("Jaarrapporten {year}")).await?,
        year,
        due_on: due.map_or_else(|| "nog niet vastgelegd".into(), format::date),
        years: years
            .into_iter()
            .map(|y| Choice::new(y, y.to_string(), y == year))
            .collect(),
        statuses,
        counts,
        rows,
        total,
    })
}

/// Rows per status, then not started and late.
fn counts(rows: &[ListRow]) -> Vec<(&'static str, usize)> {
    let mut counts: Vec<(&'static str, usize)> = ReportStatus::ALL
        .into_iter()
        .map(|s| {
            (
                s.label(),
                rows.iter().filter(|r| r.status_code == s.code()).count(),
            )
        })
        .collect();
    counts.push((
        "Niet begonnen",
        rows.iter()
            .filter(|r| r.status_code == "niet_begonnen")
            .count(),
    ));
    counts.push(("Te laat", rows.iter().filter(|r| r.late).count()));
    counts
}
