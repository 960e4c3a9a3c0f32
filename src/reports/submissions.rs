//! Frozen submissions: one as it was submitted (read-only, print-friendly), and the
//! differences between two. Same read access as the report page.
//!
//! Routes: `GET /jaarrapporten/{partnership}/{year}/indieningen/{number}`,
//! `GET /jaarrapporten/{partnership}/{year}/verschillen?van=&naar=` (a missing or non-numeric
//! number: 422 with a Dutch message; a number without a submission: 404).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::assemble::Narrative;
use super::db::{self, Area};
use super::diff::{self, FigureChange, Line};
use super::show::{self, Submitted};
use super::show_figures::FiguresView;
use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/jaarrapporten/{partnership}/{year}/indieningen/{number}",
            get(show_submission),
        )
        .route(
            "/jaarrapporten/{partnership}/{year}/verschillen",
            get(differences),
        )
}

#[derive(Template)]
#[template(path = "reports/submission.html")]
struct SubmissionPage {
    layout: Layout,
    area: Area,
    year: i32,
    path: String,
    number: i16,
    /// The submission's date.
    submitted_on: String,
    submitted_line: String,
    figures: FiguresView,
    narrative: Narrative,
}

/// Submission `number` of the report, or 404.
async fn load(state: &AppState, partnership_id: i64, year: i32, number: i16) -> Result<Submitted> {
    let mut conn = state.db.acquire().await?;
    let report = db::find(&mut *conn, partnership_id, year)
        .await?
        .ok_or(AppError::NotFound)?;
    show::submission(&mut conn, report.report_id, Some(number))
        .await?
        .ok_or(AppError::NotFound)
}

async fn show_submission(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year, number)): Path<(i64, i32, i16)>,
) -> Result<Response> {
    let (area, _) = show::open(&state, &signed_in, partnership_id, year).await?;
    let s = load(&state, partnership_id, year, number).await?;
    render(&SubmissionPage {
        layout: signed_in
            .layout(format!(
                "Jaarrapport {year} · {} · indiening {number}",
                area.name
            ))
            .await?,
        path: db::path(partnership_id, year),
        number: s.number,
        submitted_on: format::date(
            s.submitted_at
                .with_timezone(&chrono_tz::Europe::Brussels)
                .date_naive(),
        ),
        submitted_line: s.line(),
        figures: FiguresView::new(&s.snapshot.data),
        narrative: s.snapshot.narrative,
        area,
        year,
    })
}

#[derive(Deserialize)]
struct CompareQuery {
    van: Option<String>,
    naar: Option<String>,
}

/// One narrative field in both submissions.
struct TextChange {
    label: &'static str,
    changed: bool,
    lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "reports/diff.html")]
struct DiffPage {
    layout: Layout,
    area: Area,
    year: i32,
    path: String,
    /// Why nothing is compared (a missing or wrong number), or empty.
    problem: String,
    from: i16,
    to: i16,
    same: bool,
    figures: Vec<FigureChange>,
    texts: Vec<TextChange>,
}

fn texts(old: &Narrative, new: &Narrative) -> Vec<TextChange> {
    [
        ("Context", &old.context, &new.context),
        ("Wat werkte", &old.worked, &new.worked),
        ("Wat werkte niet", &old.not_worked, &new.not_worked),
        ("Plannen", &old.plans, &new.plans),
    ]
    .into_iter()
    .map(|(label, a, b)| TextChange {
        label,
        changed: a != b,
        lines: if a == b {
            Vec::new()
        } else {
            diff::lines(a, b)
        },
    })
    .collect()
}

fn number(value: Option<&str>) -> Option<i16> {
    value
        .map(str::trim)
        .and_then(|v| v.parse().ok())
        .filter(|n| *n >= 1)
}

async fn differences(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year)): Path<(i64, i32)>,
    Query(query): Query<CompareQuery>,
) -> Result<Response> {
    let (area, _) = show::open(&state, &signed_in, partnership_id, year).await?;
    let mut page = DiffPage {
        layout: signed_in
            .layout(format!("Jaarrapport {year} · {} · verschillen", area.name))
            .await?,
        path: db::path(partnership_id, year),
        problem: String::new(),
        from: 0,
        to: 0,
        same: false,
        figures: Vec::new(),
        texts: Vec::new(),
        area,
        year,
    };
    let (Some(from), Some(to)) = (number(query.van.as_deref()), number(query.naar.as_deref()))
    else {
        page.problem =
            "Kies twee indieningen om te vergelijken: van en naar zijn nummers van indieningen (1, 2, ...).".into();
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let old = load(&state, partnership_id, year, from).await?;
    let new = load(&state, partnership_id, year, to).await?;
    page.from = from;
    page.to = to;
    page.same = from == to;
    if !page.same {
        page.figures = diff::compare_figures(&old.snapshot.data, &new.snapshot.data);
        page.texts = texts(&old.snapshot.narrative, &new.snapshot.narrative);
    }
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_whole_numbers_name_a_submission() {
        assert_eq!(number(Some(" 2 ")), Some(2));
        assert_eq!(number(Some("0")), None);
        assert_eq!(number(Some("twee")), None);
        assert_eq!(number(None), None);
    }

    #[test]
    fn an_unchanged_field_has_no_lines_and_a_changed_one_has() {
        let old = Narrative {
            context: "Zelfde".into(),
            plans: "Oud".into(),
            ..Narrative::default()
        };
        let new = Narrative {
            plans: "Nieuw".into(),
            ..old.clone()
        };
        let t = texts(&old, &new);
        assert!(!t[0].changed && t[0].lines.is_empty());
        assert!(t[3].changed);
        assert_eq!(t[3].lines.len(), 2);
    }
}
