//! The budget queries every budget page shares: envelopes, rule versions, the werkingsgebieden
//! of a year as the rule sees them, and the allocations in force.

use std::collections::BTreeMap;

use chrono::Datelike;
use sqlx::PgExecutor;

use super::rule::{Area, Band, Boundary, Member, Rule};
use crate::database::Timestamp;
use crate::error::Result;
use crate::periods::Period;

/// The programme's total for one year.
#[derive(Clone, Debug)]
pub struct Envelope {
    pub year: i16,
    pub amount_cents: i64,
    pub version: i32,
}

/// Every envelope, oldest year first.
pub async fn envelopes(db: impl PgExecutor<'_>) -> Result<Vec<Envelope>> {
    Ok(sqlx::query_as!(
        Envelope,
        "select year, amount_cents, version from budget_envelopes order by year"
    )
    .fetch_all(db)
    .await?)
}

/// The envelope of one year, if set.
pub async fn envelope(db: impl PgExecutor<'_>, year: i16) -> Result<Option<Envelope>> {
    Ok(sqlx::query_as!(
        Envelope,
        "select year, amount_cents, version from budget_envelopes where year = $1",
        year
    )
    .fetch_optional(db)
    .await?)
}

/// The years a budget can be about: every year of every policy period, oldest first.
pub fn years(periods: &[Period]) -> Vec<i16> {
    let mut years: Vec<i16> = periods
        .iter()
        .flat_map(|p| p.starts_on.year()..=p.ends_on.year())
        .filter_map(|y| i16::try_from(y).ok())
        .collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// The policy period a year falls in.
pub fn period_of(periods: &[Period], year: i16) -> Option<&Period> {
    periods
        .iter()
        .find(|p| (p.starts_on.year()..=p.ends_on.year()).contains(&i32::from(year)))
}

/// A stored version of the allocation rule.
#[derive(Clone, Debug)]
pub struct RuleVersion {
    pub rule_id: i64,
    pub name: String,
    pub first_year: i16,
    pub last_year: i16,
    pub source: String,
    pub note: String,
    pub created_at: Timestamp,
    pub created_by: Option<String>,
    pub rule: Rule,
}

impl RuleVersion {
    pub fn covers(&self, year: i16) -> bool {
        (self.first_year..=self.last_year).contains(&year)
    }
}

/// Every rule version with its bands, oldest first.
pub async fn rules(db: impl PgExecutor<'_>) -> Result<Vec<RuleVersion>> {
    let rows = sqlx::query!(
        r#"select r.rule_id, r.name, r.first_year, r.last_year, r.population_year,
                  r.unemployment_year, r.boundary as "boundary: Boundary",
                  r.min_population_partnership, r.cap_without_centre_city_cents,
                  r.cap_centre_city_extra_cents, r.source, r.note,
                  r.created_at as "created_at: Timestamp",
                  u.full_name as "created_by?",
                  array(select b.lower_bound::bigint from allocation_rule_bands b
                        where b.rule_id = r.rule_id order by b.lower_bound) as "lower_bounds!",
                  array(select b.amount_cents from allocation_rule_bands b
                        where b.rule_id = r.rule_id order by b.lower_bound) as "amounts!"
           from allocation_rules r
           left join users u on u.user_id = r.created_by
           order by r.first_year"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let bands = r
                .lower_bounds
                .iter()
                .zip(&r.amounts)
                .map(|(&lower_bound, &amount_cents)| Band {
                    lower_bound,
                    amount_cents,
                })
                .collect();
            RuleVersion {
                rule_id: r.rule_id,
                name: r.name,
                first_year: r.first_year,
                last_year: r.last_year,
                source: r.source,
                note: r.note,
                created_at: r.created_at,
                created_by: r.created_by,
                rule: Rule::new(
                    r.population_year,
                    r.unemployment_year,
                    r.boundary,
                    i64::from(r.min_population_partnership),
                    r.cap_without_centre_city_cents,
                    r.cap_centre_city_extra_cents,
                    bands,
                ),
            }
        })
        .collect())
}

/// The version that applies to `year`: of those covering it, the one that starts latest (a
/// revision halfway a cycle overrides the cycle's rule from its first year on), and of two that
/// start in the same year the one added last (a correction: versions are never edited).
pub fn rule_for(rules: &[RuleVersion], year: i16) -> Option<&RuleVersion> {
    rules
        .iter()
        .filter(|r| r.covers(year))
        .max_by_key(|r| (r.first_year, r.rule_id))
}

/// The werkingsgebieden of `period` as `rule` sees them: members with their population in the
/// rule's population year and unemployment rate in its unemployment year (either missing when
/// not recorded), sorted by name.
pub async fn areas(db: impl PgExecutor<'_>, period: &Period, rule: &Rule) -> Result<Vec<Area>> {
    let rows = sqlx::query!(
        r#"select p.partnership_id, p.name as partnership, p.is_demo, mu.name_nl, mu.centre_city,
                  pop.population::bigint as "population?", ur.rate_bp::bigint as "rate_bp?"
           from partnerships p
           join partnership_members pm on pm.partnership_id = p.partnership_id
           join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code
           left join municipality_populations pop
                  on pop.vintage = pm.vintage and pop.nis_code = pm.nis_code and pop.year = $2
           left join unemployment_rates ur
                  on ur.vintage = pm.vintage and ur.nis_code = pm.nis_code and ur.year = $3
           where p.policy_period_id = $1
           order by p.name, p.partnership_id, mu.name_nl"#,
        period.policy_period_id,
        rule.population_year,
        rule.unemployment_year
    )
    .fetch_all(db)
    .await?;
    let mut areas: Vec<Area> = Vec::new();
    for r in rows {
        if areas.last().is_none_or(|a| a.id != r.partnership_id) {
            areas.push(Area {
                id: r.partnership_id,
                name: r.partnership,
                demo: r.is_demo,
                members: Vec::new(),
            });
        }
        if let Some(area) = areas.last_mut() {
            area.members.push(Member {
                name: r.name_nl,
                population: r.population,
                centre_city: r.centre_city,
                unemployment_bp: r.rate_bp,
            });
        }
    }
    Ok(areas)
}

/// An allocation in force (or, in a history, an earlier version).
#[derive(Clone, Debug)]
pub struct Allocation {
    pub allocation_id: i64,
    pub partnership_id: i64,
    pub year: i16,
    pub version: i32,
    pub amount_cents: i64,
    pub computed_cents: Option<i64>,
    pub motivation: String,
    pub rule_id: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_at: Timestamp,
    pub superseded_at: Option<Timestamp>,
    pub is_demo: bool,
}

/// The allocations in force of one year, by werkingsgebied.
pub async fn current_allocations(
    db: impl PgExecutor<'_>,
    year: i16,
) -> Result<BTreeMap<i64, Allocation>> {
    Ok(sqlx::query_as!(
        Allocation,
        r#"select a.allocation_id, a.partnership_id, a.year, a.version, a.amount_cents,
                  a.computed_cents, a.motivation, a.rule_id, u.full_name as "decided_by?",
                  a.decided_at as "decided_at: Timestamp",
                  a.superseded_at as "superseded_at: Timestamp", a.is_demo
           from allocations a left join users u on u.user_id = a.decided_by
           where a.year = $1 and a.superseded_at is null"#,
        year
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|a| (a.partnership_id, a))
    .collect())
}

/// Per year: the sum of the allocations in force.
pub async fn allocated_per_year(db: impl PgExecutor<'_>) -> Result<BTreeMap<i16, i64>> {
    Ok(sqlx::query!(
        r#"select year, sum(amount_cents)::bigint as "total!" from allocations
           where superseded_at is null group by year"#
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| (r.year, r.total))
    .collect())
}
