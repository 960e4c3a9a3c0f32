//! Policy periods (beleidsperiodes): 2020-2022, 2023-2025, ... Each names the municipality list
//! it uses and the population year its coverage figures use by default.
//!
//! Routes (admins): `GET /admin/beleidsperiodes`, `GET/POST /admin/beleidsperiodes/nieuw`,
//! `GET/POST /admin/beleidsperiodes/{id}/bewerken`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::{PgExecutor, PgPool};

use crate::audit::{self, Action};
use crate::auth::AdminOnly;
use crate::error::{AppError, Result, ResultExt};
use crate::municipalities::seed::{VINTAGE_2019, VINTAGE_2025};
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, Choice, FieldError, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};

#[derive(Clone, Debug)]
pub struct Period {
    pub policy_period_id: i64,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub vintage: String,
    pub population_year: i16,
}

impl Period {
    pub fn dates(&self) -> String {
        format!(
            "{} - {}",
            format::date(self.starts_on),
            format::date(self.ends_on)
        )
    }
}

/// All periods, oldest first.
pub async fn list(db: impl PgExecutor<'_>) -> Result<Vec<Period>> {
    Ok(sqlx::query_as!(
        Period,
        r#"select policy_period_id, name, starts_on as "starts_on: NaiveDate",
                  ends_on as "ends_on: NaiveDate", vintage, population_year
           from policy_periods order by starts_on"#
    )
    .fetch_all(db)
    .await?)
}

/// The period asked for, or else the one running today, or else the latest.
pub fn choose(periods: &[Period], asked: Option<i64>) -> Option<&Period> {
    let today = chrono::Utc::now().date_naive();
    match asked {
        Some(id) => periods.iter().find(|p| p.policy_period_id == id),
        None => periods
            .iter()
            .find(|p| p.starts_on <= today && today <= p.ends_on)
            .or_else(|| periods.last()),
    }
}

/// The period that follows `period` (for carrying werkingsgebieden over).
pub fn next_after<'a>(periods: &'a [Period], period: &Period) -> Option<&'a Period> {
    periods
        .iter()
        .filter(|p| p.starts_on > period.ends_on)
        .min_by_key(|p| p.starts_on)
}

/// What the appointment and period pages say when no period runs on `today`: which one ended
/// last and which one starts next. `None` when one runs.
pub fn gap_on(periods: &[Period], today: NaiveDate) -> Option<String> {
    if periods
        .iter()
        .any(|p| p.starts_on <= today && today <= p.ends_on)
    {
        return None;
    }
    let last = periods
        .iter()
        .filter(|p| p.ends_on < today)
        .max_by_key(|p| p.ends_on);
    let next = periods
        .iter()
        .filter(|p| p.starts_on > today)
        .min_by_key(|p| p.starts_on);
    let why = match (last, next) {
        (Some(l), Some(n)) => format!(
            "{} eindigde op {} en {} begint pas op {}",
            l.name,
            format::date(l.ends_on),
            n.name,
            format::date(n.starts_on)
        ),
        (Some(l), None) => format!(
            "{} eindigde op {} en er is nog geen volgende",
            l.name,
            format::date(l.ends_on)
        ),
        (None, Some(n)) => format!("{} begint pas op {}", n.name, format::date(n.starts_on)),
        (None, None) => "er is er nog geen enkele".into(),
    };
    Some(format!(
        "Vandaag ({}) loopt er geen beleidsperiode: {why}. Aanstellingen en werkingsgebieden horen bij een beleidsperiode.",
        format::date(today)
    ))
}

/// The two policy periods of the current decree (order of 29 April 2022), on the 2019-2024
/// municipality list. Inserted when missing; an admin's later edits are kept.
pub async fn seed(db: &PgPool) -> Result<()> {
    sqlx::query!(
        r#"insert into policy_periods (name, starts_on, ends_on, vintage, population_year)
           values ('2020-2022', '2020-01-01', '2022-12-31', $1, 2020),
                  ('2023-2025', '2023-01-01', '2025-12-31', $1, 2020)
           on conflict do nothing"#,
        VINTAGE_2019
    )
    .execute(db)
    .await?;
    Ok(())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/beleidsperiodes", get(index))
        .route("/admin/beleidsperiodes/nieuw", get(new).post(create))
        .route(
            "/admin/beleidsperiodes/{id}/bewerken",
            get(edit).post(update),
        )
}

struct PeriodRow {
    id: i64,
    name: String,
    dates: String,
    vintage: String,
    population_year: i16,
    partnerships: i64,
}

#[derive(Template)]
#[template(path = "periods/index.html")]
struct PeriodsPage {
    layout: Layout,
    periods: Vec<PeriodRow>,
    /// Said when no period runs today.
    gap: Option<String>,
}

async fn index(State(state): State<AppState>, AdminOnly(admin): AdminOnly) -> Result<Response> {
    let counts = sqlx::query!(
        r#"select policy_period_id, count(*) as "count!" from partnerships group by policy_period_id"#
    )
    .fetch_all(&state.db)
    .await?;
    let all = list(&state.db).await?;
    let gap = gap_on(&all, format::today());
    let periods = all
        .into_iter()
        .rev()
        .map(|p| PeriodRow {
            id: p.policy_period_id,
            dates: p.dates(),
            vintage: vintage_label(&p.vintage).to_string(),
            partnerships: counts
                .iter()
                .find(|c| c.policy_period_id == p.policy_period_id)
                .map_or(0, |c| c.count),
            name: p.name,
            population_year: p.population_year,
        })
        .collect();
    render(&PeriodsPage {
        layout: admin.layout("Beleidsperiodes").await?,
        periods,
        gap,
    })
}

pub fn vintage_label(vintage: &str) -> &'static str {
    if vintage == VINTAGE_2025 {
        "gemeenten vanaf 2025"
    } else {
        "gemeenten 2019-2024"
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PeriodForm {
    name: String,
    starts_on: String,
    ends_on: String,
    vintage: String,
    population_year: String,
}

#[derive(Template)]
#[template(path = "periods/form.html")]
struct PeriodFormPage {
    layout: Layout,
    action: String,
    form: PeriodForm,
    vintages: Vec<Choice>,
    /// The years with population figures, for the population year.
    years: Vec<Choice>,
    errors: FieldErrors,
}

impl PeriodFormPage {
    async fn build(
        db: &PgPool,
        admin: &crate::auth::SignedIn,
        title: &str,
        action: String,
        form: PeriodForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let vintages = [VINTAGE_2019, VINTAGE_2025]
            .into_iter()
            .map(|v| Choice::new(v, vintage_label(v), form.vintage == v))
            .collect();
        let years = sqlx::query!(
            r#"select year, array_agg(distinct vintage order by vintage) as "vintages!"
               from municipality_populations group by year order by year desc"#
        )
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|y| {
            let lists: Vec<&str> = y.vintages.iter().map(|v| vintage_label(v)).collect();
            Choice::new(
                y.year,
                format!("{} ({})", y.year, lists.join(", ")),
                form.population_year.trim() == y.year.to_string(),
            )
        })
        .collect();
        Ok(Self {
            layout: admin.layout(title).await?,
            action,
            form,
            vintages,
            years,
            errors,
        })
    }
}

struct ValidPeriod {
    name: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    vintage: &'static str,
    population_year: i16,
}

async fn validate(db: &PgPool, form: &PeriodForm) -> Result<(Option<ValidPeriod>, FieldErrors)> {
    let mut errors = FieldErrors::new();
    let name = forms::text(&mut errors, "name", "de naam", &form.name, 100);
    let (starts_on, ends_on) = forms::date_range(&mut errors, &form.starts_on, &form.ends_on);
    let vintage = [VINTAGE_2019, VINTAGE_2025]
        .into_iter()
        .find(|v| *v == form.vintage);
    if vintage.is_none() {
        errors.add("vintage", "Kies een gemeentelijst.");
    }
    let year: Option<i16> = form.population_year.trim().parse().ok();
    let available: Vec<i16> = match vintage {
        Some(v) => sqlx::query_scalar!(
            "select distinct year from municipality_populations where vintage = $1 order by year",
            v
        )
        .fetch_all(db)
        .await?,
        None => Vec::new(),
    };
    if vintage.is_some() && !year.is_some_and(|y| available.contains(&y)) {
        let years: Vec<String> = available.iter().map(i16::to_string).collect();
        errors.add(
            "population_year",
            format!(
                "Kies een jaar waarvoor bevolkingscijfers bestaan: {}.",
                years.join(", ")
            ),
        );
    }
    let valid = match (starts_on, ends_on, vintage, year) {
        (Some(starts_on), Some(ends_on), Some(vintage), Some(population_year))
            if errors.is_empty() =>
        {
            Some(ValidPeriod {
                name,
                starts_on,
                ends_on,
                vintage,
                population_year,
            })
        }
        _ => None,
    };
    Ok((valid, errors))
}

/// What the named constraints of `policy_periods` mean on the form.
const CONSTRAINT_ERRORS: &[(&str, FieldError)] = &[
    (
        "policy_periods_name_key",
        FieldError {
            field: "name",
            message: "Er bestaat al een beleidsperiode met deze naam.",
        },
    ),
    (
        "policy_periods_no_overlap",
        FieldError {
            field: "starts_on",
            message: "Deze periode overlapt met een andere beleidsperiode.",
        },
    ),
];

async fn new(State(state): State<AppState>, AdminOnly(admin): AdminOnly) -> Result<Response> {
    let form = PeriodForm {
        vintage: VINTAGE_2025.into(),
        ..Default::default()
    };
    let page = PeriodFormPage::build(
        &state.db,
        &admin,
        "Nieuwe beleidsperiode",
        "/admin/beleidsperiodes/nieuw".into(),
        form,
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Form(form): Form<PeriodForm>,
) -> Result<Response> {
    let (valid, mut errors) = validate(&state.db, &form).await?;
    if let Some(p) = valid {
        let mut tx = state.db.begin().await?;
        let inserted = sqlx::query_scalar!(
            r#"insert into policy_periods (name, starts_on, ends_on, vintage, population_year)
               values ($1, $2, $3, $4, $5) returning policy_period_id"#,
            p.name,
            p.starts_on as NaiveDate,
            p.ends_on as NaiveDate,
            p.vintage,
            p.population_year
        )
        .fetch_one(&mut *tx)
        .await
        .on_constraint(CONSTRAINT_ERRORS)?;
        match inserted {
            Ok(id) => {
                audit::Entry::new(Action::PeriodCreated)
                    .actor(&admin.user)
                    .object("policy_period", id)
                    .details(serde_json::json!({ "name": p.name }))
                    .record(&mut *tx, &admin.ctx)
                    .await?;
                tx.commit().await?;
                return flash::redirect(
                    &admin.session,
                    FlashKind::Success,
                    "Beleidsperiode aangemaakt.",
                    "/admin/beleidsperiodes",
                )
                .await;
            }
            Err(error) => {
                // The failed transaction gives its connection back before the page renders.
                drop(tx);
                errors.push(error);
            }
        }
    }
    let page = PeriodFormPage::build(
        &state.db,
        &admin,
        "Nieuwe beleidsperiode",
        "/admin/beleidsperiodes/nieuw".into(),
        form,
        errors,
    )
    .await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

async fn find(db: &PgPool, id: i64) -> Result<Period> {
    list(db)
        .await?
        .into_iter()
        .find(|p| p.policy_period_id == id)
        .ok_or(AppError::NotFound)
}

async fn edit(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let period = find(&state.db, id).await?;
    let form = PeriodForm {
        name: period.name.clone(),
        starts_on: period.starts_on.to_string(),
        ends_on: period.ends_on.to_string(),
        vintage: period.vintage.clone(),
        population_year: period.population_year.to_string(),
    };
    let page = PeriodFormPage::build(
        &state.db,
        &admin,
        &format!("Beleidsperiode {}", period.name),
        format!("/admin/beleidsperiodes/{id}/bewerken"),
        form,
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

async fn update(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    Form(form): Form<PeriodForm>,
) -> Result<Response> {
    let period = find(&state.db, id).await?;
    let (valid, mut errors) = validate(&state.db, &form).await?;
    if let Some(p) = valid {
        let has_members = sqlx::query_scalar!(
            r#"select exists(select 1 from partnership_members where policy_period_id = $1) as "exists!""#,
            id
        )
        .fetch_one(&state.db)
        .await?;
        if has_members && p.vintage != period.vintage {
            errors.add(
                "vintage",
                "Deze periode heeft al werkingsgebieden met leden; de gemeentelijst kan niet meer wijzigen.",
            );
        } else {
            let mut tx = state.db.begin().await?;
            let updated = sqlx::query!(
                r#"update policy_periods
                   set name = $2, starts_on = $3, ends_on = $4, vintage = $5, population_year = $6,
                       updated_at = now()
                   where policy_period_id = $1"#,
                id,
                p.name,
                p.starts_on as NaiveDate,
                p.ends_on as NaiveDate,
                p.vintage,
                p.population_year
            )
            .execute(&mut *tx)
            .await
            .on_constraint(CONSTRAINT_ERRORS)?;
            match updated {
                Ok(_) => {
                    audit::Entry::new(Action::PeriodUpdated)
                        .actor(&admin.user)
                        .object("policy_period", id)
                        .details(
                            serde_json::json!({ "name": { "from": period.name, "to": p.name } }),
                        )
                        .record(&mut *tx, &admin.ctx)
                        .await?;
                    tx.commit().await?;
                    return flash::redirect(
                        &admin.session,
                        FlashKind::Success,
                        "Beleidsperiode bewaard.",
                        "/admin/beleidsperiodes",
                    )
                    .await;
                }
                Err(error) => {
                    // The failed transaction gives its connection back before the page renders.
                    drop(tx);
                    errors.push(error);
                }
            }
        }
    }
    let page = PeriodFormPage::build(
        &state.db,
        &admin,
        &format!("Beleidsperiode {}", period.name),
        format!("/admin/beleidsperiodes/{id}/bewerken"),
        form,
        errors,
    )
    .await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(name: &str, from: (i32, u32, u32), to: (i32, u32, u32)) -> Period {
        let day = |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        Period {
            policy_period_id: 1,
            name: name.into(),
            starts_on: day(from),
            ends_on: day(to),
            vintage: VINTAGE_2019.into(),
            population_year: 2020,
        }
    }

    #[test]
    fn a_day_between_two_periods_names_the_last_and_the_next() {
        let periods = [
            period("2023-2025", (2023, 1, 1), (2025, 12, 31)),
            period("2027-2032", (2027, 1, 1), (2032, 12, 31)),
        ];
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert_eq!(
            gap_on(&periods, day).as_deref(),
            Some(
                "Vandaag (01/06/2026) loopt er geen beleidsperiode: 2023-2025 eindigde op 31/12/2025 en 2027-2032 begint pas op 01/01/2027. Aanstellingen en werkingsgebieden horen bij een beleidsperiode."
            )
        );
        let covered = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        assert_eq!(gap_on(&periods, covered), None);
        assert!(
            gap_on(&[], day)
                .unwrap()
                .contains("er is er nog geen enkele")
        );
    }
}
