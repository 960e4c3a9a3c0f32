//! The coverage queries: a period's municipalities with population and werkingsgebied, the
//! population years, the regisseurs and the merger mapping, and the [`Snapshot`] the page and the
//! API build from them.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use sqlx::PgPool;

use super::compute::{self, Municipality, ProvinceTotals, Totals};
use crate::error::Result;
use crate::partnerships::db::{self as partnership_db, Summary};
use crate::periods::Period;
use crate::reference::Reference;

/// The municipalities of `period`'s list with population in `year` and their werkingsgebied.
pub async fn load(db: &PgPool, period: &Period, year: i16) -> Result<Vec<Municipality>> {
    let rows = sqlx::query!(
        r#"select mu.nis_code, mu.name_nl, mu.province,
                  coalesce(pop.population, 0)::bigint as "population!",
                  pm.partnership_id as "partnership_id?"
           from municipalities mu
           left join municipality_populations pop
                  on pop.vintage = mu.vintage and pop.nis_code = mu.nis_code and pop.year = $2
           left join partnership_members pm
                  on pm.policy_period_id = $3 and pm.nis_code = mu.nis_code
           where mu.vintage = $1
           order by mu.name_nl, mu.nis_code"#,
        period.vintage,
        year,
        period.policy_period_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Municipality {
            nis_code: r.nis_code,
            name: r.name_nl,
            province: r.province,
            population: r.population,
            partnership_id: r.partnership_id,
        })
        .collect())
}

/// Population years with figures for a municipality list.
pub async fn population_years(db: &PgPool, vintage: &str) -> Result<Vec<i16>> {
    Ok(sqlx::query_scalar!(
        "select distinct year from municipality_populations where vintage = $1 order by year",
        vintage
    )
    .fetch_all(db)
    .await?)
}

/// Regisseurs appointed for the period: the people with an approved appointment for one of its
/// werkingsgebieden that overlaps it (also those ended since), each counted once.
async fn regisseurs(db: &PgPool, period: &Period) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(distinct lower(a.person_email)) as "n!" from appointments a
           join partnerships p on p.partnership_id = a.partnership_id
           where p.policy_period_id = $1 and a.status in ('goedgekeurd', 'beeindigd')
             and a.starts_on <= $3 and coalesce(a.ended_on, a.ends_on) >= $2"#,
        period.policy_period_id,
        period.starts_on as _,
        period.ends_on as _
    )
    .fetch_one(db)
    .await?)
}

/// Earlier list's NIS code -> later list's, for the municipalities that merged.
pub async fn mapping(db: &PgPool, from: &str, to: &str) -> Result<HashMap<String, String>> {
    if from == to {
        return Ok(HashMap::new());
    }
    Ok(sqlx::query!(
        "select from_nis_code, to_nis_code from municipality_mergers where from_vintage = $1 and to_vintage = $2",
        from,
        to
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.from_nis_code, r.to_nis_code))
    .collect())
}

/// Everything the coverage page and the API show for one period.
pub struct Snapshot {
    pub period: Period,
    pub year: i16,
    pub municipalities: Vec<Municipality>,
    pub totals: Totals,
    pub provinces: Vec<ProvinceTotals>,
    pub partnerships: Vec<Summary>,
    pub regisseurs: i64,
}

impl Snapshot {
    /// The provinces of each werkingsgebied of the period, in order.
    pub fn area_provinces(&self) -> HashMap<i64, BTreeSet<String>> {
        let mut provinces: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for m in &self.municipalities {
            if let Some(id) = m.partnership_id {
                provinces.entry(id).or_default().insert(m.province.clone());
            }
        }
        provinces
    }
}

/// The [`Snapshot`] of `period` at `year` from the reference cache: the figures change only
/// with reference data (members, appointments, populations).
pub async fn cached_snapshot(
    reference: &Reference,
    db: &PgPool,
    period: &Period,
    year: i16,
) -> Result<Arc<Snapshot>> {
    let key = format!("coverage:{}:{year}", period.policy_period_id);
    reference
        .get_or_load(key, || snapshot(db, period, year))
        .await
}

/// [`population_years`] from the reference cache.
pub async fn cached_population_years(
    reference: &Reference,
    db: &PgPool,
    vintage: &str,
) -> Result<Arc<Vec<i16>>> {
    reference
        .get_or_load(format!("population-years:{vintage}"), || {
            population_years(db, vintage)
        })
        .await
}

/// Loads the [`Snapshot`] of `period` with the population of `year`.
pub async fn snapshot(db: &PgPool, period: &Period, year: i16) -> Result<Snapshot> {
    let municipalities = load(db, period, year).await?;
    let (totals, provinces) = compute::totals(&municipalities, |m| m.partnership_id.is_some());
    Ok(Snapshot {
        partnerships: partnership_db::summaries(db, period.policy_period_id, year).await?,
        regisseurs: regisseurs(db, period).await?,
        period: period.clone(),
        year,
        municipalities,
        totals,
        provinces,
    })
}
