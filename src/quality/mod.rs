//! Data quality: what the application can tell is inconsistent, listed for admins with a link
//! to where each is fixed. The rules that now refuse such data at the door (an action dated
//! outside its werkingsgebied's policy period, a payment above the allocation) came after some
//! data was saved; this list finds what is left, and what no single form can see:
//! - actions (not deleted) dated outside their werkingsgebied's policy period, which count in
//!   no priority check and no report: fixed on the action's edit form;
//! - agreements signed (or further) while a bound municipality has no council decision (no
//!   date and no PDF of one): fixed on the agreement;
//! - payments for a year without an allocation in force: fixed on the year's budget page;
//! - allocations in force for a werkingsgebied without member municipalities: fixed on its
//!   members page.
//!
//! Route: `GET /admin/kwaliteit` (admins).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use sqlx::PgPool;

use crate::auth::AdminOnly;
use crate::error::Result;
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/kwaliteit", get(index))
}

/// How many findings of one kind the page lists; the count says how many there are.
const SHOWN: i64 = 200;

/// One finding: what is wrong, in words, and where it is fixed.
pub struct Finding {
    pub subject: String,
    pub problem: String,
    pub fix_url: String,
    pub fix_label: &'static str,
}

/// The findings of one check.
pub struct Check {
    pub id: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
    pub total: i64,
    pub findings: Vec<Finding>,
}

impl Check {
    /// A check from its findings, each with the count of all (`count(*) over ()`: the list
    /// shows at most [`SHOWN`]).
    fn of(
        (id, title, explanation): (&'static str, &'static str, &'static str),
        found: impl Iterator<Item = (i64, Finding)>,
    ) -> Self {
        let mut total = 0;
        let findings = found
            .map(|(all, finding)| {
                total = all;
                finding
            })
            .collect();
        Self {
            id,
            title,
            explanation,
            total,
            findings,
        }
    }
}

#[derive(Template)]
#[template(path = "quality/index.html")]
struct QualityPage {
    layout: Layout,
    checks: Vec<Check>,
    shown: i64,
}

async fn index(State(state): State<AppState>, AdminOnly(admin): AdminOnly) -> Result<Response> {
    let checks = vec![
        actions_outside_period(&state.db).await?,
        signed_without_decision(&state.db).await?,
        payments_without_allocation(&state.db).await?,
        allocations_without_members(&state.db).await?,
    ];
    render(&QualityPage {
        layout: admin.layout("Datakwaliteit").await?,
        checks,
        shown: SHOWN,
    })
}

/// "van 01/05/2010 tot en met 31/05/2010", or "op 01/05/2010" without an end.
fn dates(starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> String {
    match ends_on {
        Some(end) => format!(
            "van {} tot en met {}",
            format::date(starts_on),
            format::date(end)
        ),
        None => format!("op {}", format::date(starts_on)),
    }
}

async fn actions_outside_period(db: &PgPool) -> Result<Check> {
    let rows = sqlx::query!(
        r#"select a.action_id, a.title, a.starts_on, a.ends_on, p.name as partnership,
                  pp.name as period, pp.starts_on as period_starts, pp.ends_on as period_ends,
                  count(*) over () as "total!"
           from actions a
           join partnerships p using (partnership_id)
           join policy_periods pp using (policy_period_id)
           where a.deleted_at is null
             and (a.starts_on not between pp.starts_on and pp.ends_on
                  or a.ends_on not between pp.starts_on and pp.ends_on)
           order by p.name, a.starts_on, a.action_id
           limit $1"#,
        SHOWN
    )
    .fetch_all(db)
    .await?;
    Ok(Check::of(
        (
            "acties-buiten-periode",
            "Acties buiten de beleidsperiode",
            "Een actie telt alleen mee in de prioriteitencheck en de jaarrapporten van haar werkingsgebied als haar datums binnen de beleidsperiode liggen. Nieuwe datums buiten de periode worden geweigerd; deze acties zijn van vroeger.",
        ),
        rows.into_iter().map(|r| {
            (
                r.total,
                Finding {
                    subject: format!("{} ({})", r.title, r.partnership),
                    problem: format!(
                        "loopt {}, buiten de beleidsperiode {} ({} tot en met {})",
                        dates(r.starts_on, r.ends_on),
                        r.period,
                        format::date(r.period_starts),
                        format::date(r.period_ends)
                    ),
                    fix_url: format!("/acties/{}/bewerken", r.action_id),
                    fix_label: "Datums aanpassen",
                },
            )
        }),
    ))
}

async fn signed_without_decision(db: &PgPool) -> Result<Check> {
    let rows = sqlx::query!(
        r#"select g.agreement_id, g.title, p.name as partnership,
                  array_agg(mu.name_nl order by mu.name_nl) as "municipalities!",
                  count(*) over () as "total!"
           from agreements g
           join partnerships p using (partnership_id)
           join agreement_municipalities am using (agreement_id)
           join partnership_members pm
             on pm.partnership_id = am.partnership_id and pm.nis_code = am.nis_code
           join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code
           where g.status in ('ondertekend', 'in_opvolging', 'geevalueerd')
             and am.council_decision_on is null
             and not exists (select 1 from agreement_documents d
                             where d.agreement_id = am.agreement_id and d.nis_code = am.nis_code
                               and d.kind = 'raadsbeslissing')
           group by g.agreement_id, p.name
           order by p.name, g.agreement_id
           limit $1"#,
        SHOWN
    )
    .fetch_all(db)
    .await?;
    Ok(Check::of(
        (
            "ondertekend-zonder-raadsbeslissing",
            "Ondertekende overeenkomsten zonder raadsbeslissing",
            "Een samenwerkingsovereenkomst bindt een gemeente pas met een beslissing van haar gemeenteraad. Vul de datum van de beslissing in, of laad ze op als PDF.",
        ),
        rows.into_iter().map(|r| {
            (
                r.total,
                Finding {
                    subject: format!("{} ({})", r.title, r.partnership),
                    problem: format!("geen raadsbeslissing van {}", r.municipalities.join(", ")),
                    fix_url: format!("/samenwerkingsovereenkomsten/{}", r.agreement_id),
                    fix_label: "Overeenkomst openen",
                },
            )
        }),
    ))
}

async fn payments_without_allocation(db: &PgPool) -> Result<Check> {
    let rows = sqlx::query!(
        r#"select b.partnership_id as "partnership_id!", p.name, b.year as "year!",
                  b.paid_cents as "paid_cents!", count(*) over () as "total!"
           from budget_positions b join partnerships p using (partnership_id)
           where b.allocated_cents is null
             and exists (select 1 from payments x
                         where x.partnership_id = b.partnership_id and x.year = b.year)
           order by b.year, p.name
           limit $1"#,
        SHOWN
    )
    .fetch_all(db)
    .await?;
    Ok(Check::of(
        (
            "betalingen-zonder-toekenning",
            "Betalingen zonder toekenning",
            "Er werd betaald voor een jaar waarin het werkingsgebied geen toekenning heeft. Leg de toekenning vast, of corrigeer de betaling.",
        ),
        rows.into_iter().map(|r| {
            (
                r.total,
                Finding {
                    subject: format!("{} ({})", r.name, r.year),
                    problem: format!(
                        "{} netto betaald, niets toegekend",
                        format::euro_cents(r.paid_cents)
                    ),
                    fix_url: format!("/budget/{}#werkingsgebied-{}", r.year, r.partnership_id),
                    fix_label: "Toekenningen van het jaar",
                },
            )
        }),
    ))
}

async fn allocations_without_members(db: &PgPool) -> Result<Check> {
    let rows = sqlx::query!(
        r#"select a.partnership_id, p.name, a.year, a.amount_cents,
                  count(*) over () as "total!"
           from allocations a join partnerships p using (partnership_id)
           where a.superseded_at is null
             and not exists (select 1 from partnership_members m
                             where m.partnership_id = a.partnership_id)
           order by a.year, p.name
           limit $1"#,
        SHOWN
    )
    .fetch_all(db)
    .await?;
    Ok(Check::of(
        (
            "toekenning-zonder-gemeenten",
            "Toekenningen aan een werkingsgebied zonder gemeenten",
            "Een werkingsgebied zonder gemeenten bereikt niemand. Voeg de gemeenten toe, of zet de toekenning op 0 met een motivering.",
        ),
        rows.into_iter().map(|r| {
            (
                r.total,
                Finding {
                    subject: format!("{} ({})", r.name, r.year),
                    problem: format!(
                        "{} toegekend, geen enkele gemeente",
                        format::euro_cents(r.amount_cents)
                    ),
                    fix_url: format!("/werkingsgebieden/{}/leden", r.partnership_id),
                    fix_label: "Gemeenten toevoegen",
                },
            )
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_a_span_or_a_day() {
        let day = |m, d| NaiveDate::from_ymd_opt(2010, m, d).unwrap();
        assert_eq!(
            dates(day(5, 1), Some(day(5, 31))),
            "van 01/05/2010 tot en met 31/05/2010"
        );
        assert_eq!(dates(day(5, 1), None), "op 01/05/2010");
    }
}
