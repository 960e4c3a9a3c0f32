//! Approving asks first when something is still open: checklist items not judged "in orde",
//! questions in the thread nobody answered, and the completeness gaps of the submission as
//! frozen. The confirmation page lists them; approving anyway needs a short motivation, which
//! the report's history keeps (the transition's reason). With nothing open, approving is one
//! click.
//!
//! The page is the answer to `POST .../goedkeuren` ([`super::workflow`]) when something is open;
//! its form posts there again with `bevestigd=1`, the motivation and the checklist as typed, so
//! nothing typed on the report page is lost on the way.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use sqlx::PgConnection;

use super::assemble::Snapshot;
use super::completeness;
use super::db::{self, Area, Report};
use super::review::{ITEMS, STATES, TypedItem};
use super::workflow::{MAX_REASON, StepForm};
use crate::auth::SignedIn;
use crate::database::Timestamp;
use crate::error::Result;
use crate::web::layout::Layout;
use crate::web::{format, render_with_status};

/// Something still open on a report under review.
pub struct OpenItem {
    /// "Controlelijst", "Berichten" or "Volledigheid".
    pub topic: &'static str,
    pub text: String,
}

/// What is still open on `report`, with the checklist as typed when the form carried it.
pub(super) async fn open_items(
    conn: &mut PgConnection,
    report: &Report,
    typed: Option<&[TypedItem]>,
) -> Result<Vec<OpenItem>> {
    let mut open = checklist_items(conn, report.report_id, typed).await?;
    open.extend(unanswered(conn, report.report_id).await?);
    let snapshot = sqlx::query_scalar!(
        r#"select snapshot as "snapshot: sqlx::types::Json<Snapshot>" from report_submissions
           where report_id = $1 order by number desc limit 1"#,
        report.report_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(snapshot) = snapshot {
        let required = completeness::required(&mut *conn, report.year).await?;
        let gaps = completeness::gaps(&snapshot.data, &snapshot.narrative, report.year, &required);
        open.extend(gaps.into_iter().map(|gap| OpenItem {
            topic: "Volledigheid",
            text: gap.text,
        }));
    }
    Ok(open)
}

/// The checklist items not judged "in orde".
async fn checklist_items(
    conn: &mut PgConnection,
    report_id: i64,
    typed: Option<&[TypedItem]>,
) -> Result<Vec<OpenItem>> {
    let stored: Vec<TypedItem> = match typed {
        Some(_) => Vec::new(),
        None => sqlx::query!(
            r#"select item, state::text as "state!", remark from report_review_items
               where report_id = $1"#,
            report_id
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.item, r.state, r.remark))
        .collect(),
    };
    let items = typed.unwrap_or(&stored);
    Ok(ITEMS
        .iter()
        .filter_map(|(code, label)| {
            let (state, remark) = items
                .iter()
                .find(|(c, _, _)| c == code)
                .map_or(("open", ""), |(_, s, r)| (s.as_str(), r.as_str()));
            let text = match state {
                "in_orde" => return None,
                "opmerking" => format!("{label}: opmerking „{remark}”."),
                _ => format!("{label}: nog niet bekeken."),
            };
            Some(OpenItem {
                topic: "Controlelijst",
                text,
            })
        })
        .collect())
}

/// Messages that ask an answer by a date and have none from the other side yet.
async fn unanswered(conn: &mut PgConnection, report_id: i64) -> Result<Vec<OpenItem>> {
    let rows = sqlx::query!(
        r#"select u.full_name as author, m.side::text as "side!", m.body,
                  m.created_at as "created_at: Timestamp"
           from report_messages m join users u on u.user_id = m.author_id
           where m.report_id = $1 and m.answer_by is not null
             and not exists (select 1 from report_messages a
                             where a.report_id = m.report_id and a.message_id > m.message_id
                               and a.side <> m.side)
           order by m.message_id"#,
        report_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OpenItem {
            topic: "Berichten",
            text: format!(
                "Vraag van {} ({}, {}) zonder antwoord: „{}”",
                r.author,
                r.side,
                format::datetime(r.created_at),
                excerpt(&r.body)
            ),
        })
        .collect())
}

/// The start of a message, enough to recognise it.
fn excerpt(body: &str) -> String {
    const MAX: usize = 160;
    let mut text: String = body.chars().take(MAX).collect();
    if body.chars().count() > MAX {
        text.push('…');
    }
    text
}

/// A checklist item carried through the confirmation as hidden fields.
struct CarriedItem {
    code: String,
    state: String,
    remark: String,
}

#[derive(Template)]
#[template(path = "reports/approve.html")]
struct ApprovePage {
    layout: Layout,
    area: Area,
    year: i32,
    path: String,
    version: i32,
    open: Vec<OpenItem>,
    reason: String,
    error: String,
    checklist: Vec<CarriedItem>,
    max_reason: usize,
}

/// The confirmation page: what is open, and a form to approve anyway with a motivation. A
/// confirmed form without one is answered 422 with the same page.
pub(super) async fn confirm(
    signed_in: &SignedIn,
    area: &Area,
    year: i32,
    report: &Report,
    form: &StepForm,
    open: Vec<OpenItem>,
) -> Result<Response> {
    let (status, error) = if form.confirmed {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "Schrijf kort waarom u het rapport goedkeurt terwijl dit nog openstaat.".to_string(),
        )
    } else {
        (StatusCode::OK, String::new())
    };
    let checklist = form
        .checklist
        .as_ref()
        .map(|(items, _)| {
            items
                .iter()
                .filter(|(_, s, _)| STATES.iter().any(|(code, _)| code == s))
                .map(|(code, state, remark)| CarriedItem {
                    code: code.clone(),
                    state: state.clone(),
                    remark: remark.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let page = ApprovePage {
        layout: signed_in
            .layout(format!("Jaarrapport {year} goedkeuren · {}", area.name))
            .await?,
        area: area.clone(),
        year,
        path: db::path(area.partnership_id, year),
        version: report.version,
        open,
        reason: form.reason.clone(),
        error,
        checklist,
        max_reason: MAX_REASON,
    };
    render_with_status(status, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_question_is_cut_with_an_ellipsis() {
        assert_eq!(excerpt("Kort?"), "Kort?");
        let long = "é".repeat(200);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 161);
        assert!(cut.ends_with('…'));
    }
}
