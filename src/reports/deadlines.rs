//! The calendar of the yearly reports: the due date per report year, set by an admin (for
//! example 31 March of the next year), and per year how many reports are handed in, late or
//! missing.
//!
//! Routes: `GET /admin/indiendata` and `POST /admin/indiendata` (`year`, `due_on` dd/mm/jjjj),
//! admins only; the completeness checks required per year are set in [`super::requirements`]. The database allows a due date from 1 January of the year to 31 December two
//! years later (`report_deadlines_due_on`); anything else is a typing error.
//!
//! Counting, per year and over the werkingsgebieden whose policy period covers it:
//! - handed in: status ingediend, in behandeling or goedgekeurd (`ReportStatus::handed_in`);
//! - handed in after the date: first submitted after the due date (Belgian date); what the
//!   other pages call "te laat" is a report not handed in once the date passed, "missing" here;
//! - missing: not handed in (no report, concept or teruggestuurd) once the due date has passed;
//!   before that they are "nog open".

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::completeness::Check;
use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn};
use crate::error::{Result, ResultExt};
use crate::periods;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::flash::{self, FlashKind};
use crate::web::format::today;
use crate::web::forms::{self, Choice, FieldError, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/indiendata", get(index).post(update))
}

/// The page's address.
pub const PATH: &str = "/admin/indiendata";

/// One report year as the table shows it.
struct YearRow {
    year: i32,
    /// `31/03/2026`, or "niet vastgelegd".
    due_on: String,
    areas: i64,
    handed_in: i64,
    late: i64,
    /// Not handed in: missing once the due date passed, else still open.
    not_handed_in: i64,
    overdue: bool,
    /// The completeness checks required for the year.
    required: Vec<Check>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DeadlineForm {
    year: String,
    due_on: String,
}

#[derive(Template)]
#[template(path = "reports/deadlines.html")]
pub(super) struct DeadlinesPage {
    layout: Layout,
    rows: Vec<YearRow>,
    years: Vec<Choice>,
    form: DeadlineForm,
    errors: FieldErrors,
    /// The form of the required checks: the checks' names, and per report year a box per check
    /// (named `{check}_{year}`), ticked when required.
    check_names: Vec<&'static str>,
    check_rows: Vec<(i32, Vec<Choice>)>,
}

/// The report years: from the first policy period's first year to the last year of the period
/// running today (or of the latest one).
pub(super) async fn year_range(state: &AppState) -> Result<Option<(i32, i32)>> {
    let all = periods::list(&state.db).await?;
    let first = all.first().map(|p| p.starts_on.year());
    let last = periods::choose(&all, None).map(|p| p.ends_on.year());
    Ok(first.zip(last))
}

async fn rows(state: &AppState, first: i32, last: i32) -> Result<Vec<YearRow>> {
    let records = sqlx::query!(
        r#"with years as (select generate_series($1::int, $2::int) as year),
           per_area as (
               select y.year, p.partnership_id, r.status,
                      (select min(s.submitted_at) from report_submissions s
                        where s.report_id = r.report_id) as first_submitted
               from years y
               join policy_periods pp
                 on y.year between extract(year from pp.starts_on)::int
                               and extract(year from pp.ends_on)::int
               join partnerships p using (policy_period_id)
               left join reports r on r.partnership_id = p.partnership_id and r.year = y.year
           )
           select y.year as "year!", d.due_on as "due_on?: NaiveDate",
                  count(a.partnership_id) as "areas!",
                  count(a.partnership_id) filter (
                      where a.status in ('ingediend', 'in_behandeling', 'goedgekeurd')) as "handed_in!",
                  count(a.partnership_id) filter (
                      where a.status in ('ingediend', 'in_behandeling', 'goedgekeurd')
                        and (a.first_submitted at time zone 'Europe/Brussels')::date > d.due_on) as "late!",
                  array(select c.check_code from report_required_checks c
                        where c.year = y.year) as "required!"
           from years y
           left join report_deadlines d on d.year = y.year
           left join per_area a on a.year = y.year
           group by y.year, d.due_on
           order by y.year"#,
        first,
        last
    )
    .fetch_all(&state.db)
    .await?;
    let today = today();
    Ok(records
        .into_iter()
        .map(|r| YearRow {
            year: r.year,
            due_on: r.due_on.map_or("niet vastgelegd".into(), format::date),
            areas: r.areas,
            handed_in: r.handed_in,
            late: r.late,
            not_handed_in: r.areas - r.handed_in,
            overdue: r.due_on.is_some_and(|d| d < today),
            required: Check::ALL
                .into_iter()
                .filter(|c| r.required.iter().any(|code| code == c.code()))
                .collect(),
        })
        .collect())
}

impl DeadlinesPage {
    pub(super) async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        form: DeadlineForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let rows = match year_range(state).await? {
            Some((first, last)) => rows(state, first, last).await?,
            None => Vec::new(),
        };
        let years = rows
            .iter()
            .map(|r| {
                Choice::new(
                    r.year,
                    r.year.to_string(),
                    form.year.trim() == r.year.to_string(),
                )
            })
            .collect();
        let check_rows = rows
            .iter()
            .map(|r| {
                let boxes = Check::ALL
                    .into_iter()
                    .map(|c| {
                        let name = format!("{}_{}", c.code(), r.year);
                        Choice::new(name, c.label(), r.required.contains(&c))
                    })
                    .collect();
                (r.year, boxes)
            })
            .collect();
        Ok(Self {
            layout: signed_in.layout("Indiendata van de jaarrapporten").await?,
            rows,
            years,
            form,
            errors,
            check_names: Check::ALL.into_iter().map(Check::label).collect(),
            check_rows,
        })
    }
}

async fn index(State(state): State<AppState>, AdminOnly(admin): AdminOnly) -> Result<Response> {
    // The year most likely to be set next: the one that just ended.
    let form = DeadlineForm {
        year: (today().year() - 1).to_string(),
        due_on: String::new(),
    };
    render(&DeadlinesPage::build(&state, &admin, form, FieldErrors::new()).await?)
}

/// The form once valid.
fn validate(form: &DeadlineForm) -> std::result::Result<(i16, NaiveDate), FieldErrors> {
    let mut errors = FieldErrors::new();
    let year = form
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| forms::YEARS.contains(y));
    if year.is_none() {
        errors.add("year", "Kies het jaar waarover gerapporteerd wordt.");
    }
    let due_on = forms::parse_date(&form.due_on);
    if due_on.is_none() {
        errors.add(
            "due_on",
            "Vul een geldige indiendatum in (dd/mm/jjjj), bijvoorbeeld 31/03 van het jaar erna.",
        );
    }
    match (year, due_on) {
        (Some(year), Some(due_on)) => Ok((year as i16, due_on)),
        _ => Err(errors),
    }
}

/// What the table's checks mean, for the form.
const OUT_OF_RANGE: FieldError = FieldError {
    field: "due_on",
    message: "De indiendatum moet in het rapportjaar of in de twee jaren erna liggen \
              (van 1 januari van het jaar tot 31 december twee jaar later).",
};
const BAD_YEAR: FieldError = FieldError {
    field: "year",
    message: "Kies een jaar tussen 2000 en 2100.",
};

async fn update(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Form(form): Form<DeadlineForm>,
) -> Result<Response> {
    let (year, due_on) = match validate(&form) {
        Ok(valid) => valid,
        Err(errors) => return refuse(&state, &admin, form, errors).await,
    };
    let mut tx = state.db.begin().await?;
    let previous = sqlx::query_scalar!(
        r#"select due_on as "due_on: NaiveDate" from report_deadlines where year = $1 for update"#,
        year
    )
    .fetch_optional(&mut *tx)
    .await?;
    let stored = sqlx::query!(
        r#"insert into report_deadlines (year, due_on, set_by) values ($1, $2, $3)
           on conflict (year) do update
               set due_on = excluded.due_on, set_by = excluded.set_by, set_at = now()"#,
        year,
        due_on as NaiveDate,
        admin.user.user_id
    )
    .execute(&mut *tx)
    .await
    .on_constraint(&[
        ("report_deadlines_due_on", OUT_OF_RANGE),
        ("report_deadlines_year", BAD_YEAR),
    ])?;
    if let Err(error) = stored {
        drop(tx);
        let mut errors = FieldErrors::new();
        errors.push(error);
        return refuse(&state, &admin, form, errors).await;
    }
    audit::Entry::new(Action::ReportDeadlineSet)
        .actor(&admin.user)
        .object("report_deadline", year)
        .details(serde_json::json!({ "year": year, "previous": previous, "due_on": due_on }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        format!(
            "Indiendatum van de jaarrapporten {year} vastgelegd: {}.",
            format::date(due_on)
        ),
        PATH,
    )
    .await
}

async fn refuse(
    state: &AppState,
    admin: &SignedIn,
    form: DeadlineForm,
    errors: FieldErrors,
) -> Result<Response> {
    let page = DeadlinesPage::build(state, admin, form, errors).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_needs_a_year_and_a_date() {
        let form = |year: &str, due_on: &str| DeadlineForm {
            year: year.into(),
            due_on: due_on.into(),
        };
        assert_eq!(
            validate(&form("2025", "31/03/2026")).unwrap(),
            (2025, NaiveDate::from_ymd_opt(2026, 3, 31).unwrap())
        );
        assert_eq!(
            validate(&form("2025", "2026-03-31")).unwrap().1,
            NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
        );
        let errors = validate(&form("", "31/02/2026")).unwrap_err();
        assert!(errors.get("year").is_some() && errors.get("due_on").is_some());
        assert!(validate(&form("1999", "31/03/2000")).is_err());
    }
}
