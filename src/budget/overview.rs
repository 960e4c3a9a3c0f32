//! The ministry's budget overview: per year the envelope, what is allocated, what the rule
//! would give, what was paid, reported as spent and logged as action costs; a bar chart of
//! envelope against allocated; and the allocations of one policy period per werkingsgebied and
//! year. Where the werkingsgebieden are demo data, the page says how far the rule's total for
//! them is from the real envelope: that gap is information and is never tuned away.
//!
//! Routes (staff): `GET /budget?periode=`, and the exports in [`export`]:
//! `GET /budget/export.csv`, `GET /budget/export.xlsx`.

mod chart;
mod export;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use sqlx::{PgConnection, PgPool};

use super::db::{self, RuleVersion};
use super::rule::{self, Area, Funding};
use super::signals::{Position, Signal};
use crate::auth::StaffOnly;
use crate::error::{AppError, Result};
use crate::periods::{self, Period};
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{format, render};

use chart::{BarChart, ChartYear};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budget", get(index))
        .merge(export::router())
}

/// `?periode=ID`: the policy period of the allocations table (default: the current one).
#[derive(Deserialize, Default)]
#[serde(default)]
struct OverviewQuery {
    periode: String,
}

/// One year in the table of years; every amount already formatted.
#[derive(Clone)]
struct YearRow {
    year: i16,
    /// `None`: no envelope set.
    envelope: Option<String>,
    allocated: String,
    /// Envelope minus allocated; `None` without an envelope.
    not_allocated: Option<String>,
    rule: RuleCell,
    paid: String,
    reported: String,
    action_costs: String,
}

/// What the rule gives in total for a year, and how that compares with the envelope.
#[derive(Clone)]
struct RuleCell {
    /// The total, or that no rule version covers the year.
    total: String,
    /// The werkingsgebieden it could not compute (missing population), if any.
    unknown: usize,
    /// Werkingsgebieden (with members) the rule was applied to; `None` without rule.
    areas: Option<usize>,
    /// Envelope minus the rule's total and what it is in words; `None` without envelope or
    /// rule.
    gap: Option<(String, &'static str)>,
}

/// What the rule gives demo werkingsgebieden against the real envelope, over a run of years
/// with the same figures.
struct DemoGap {
    first: i16,
    last: i16,
    areas: usize,
    demo: usize,
    proposed_cents: i64,
    envelope_cents: i64,
}

impl DemoGap {
    /// Adds `gap` to `gaps`, extending the last one when it is the year before with the same
    /// figures: a run of years reads as one sentence.
    fn add(gaps: &mut Vec<Self>, gap: Self) {
        let same = |last: &Self| {
            last.last + 1 == gap.first
                && (
                    last.areas,
                    last.demo,
                    last.proposed_cents,
                    last.envelope_cents,
                ) == (gap.areas, gap.demo, gap.proposed_cents, gap.envelope_cents)
        };
        match gaps.last_mut() {
            Some(last) if same(last) => last.last = gap.last,
            _ => gaps.push(gap),
        }
    }

    fn sentence(&self) -> String {
        let years = if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{}-{}", self.first, self.last)
        };
        let who = if self.demo == self.areas {
            format!("de {} demo-werkingsgebieden", self.demo)
        } else {
            format!(
                "de {} werkingsgebieden (waarvan {} demo)",
                self.areas, self.demo
            )
        };
        let gap = self.envelope_cents - self.proposed_cents;
        if gap >= 0 {
            format!(
                "{years}: de regel verdeelt voor {who} {} van {}; {} blijft onverdeeld.",
                format::euro_cents(self.proposed_cents),
                format::euro_cents(self.envelope_cents),
                format::euro_cents(gap)
            )
        } else {
            format!(
                "{years}: de regel vraagt voor {who} {}, {} meer dan het budget van {}.",
                format::euro_cents(self.proposed_cents),
                format::euro_cents(-gap),
                format::euro_cents(self.envelope_cents)
            )
        }
    }
}

/// The allocations of one period: a row per werkingsgebied, a column per year.
struct AllocationTable {
    period: String,
    years: Vec<i16>,
    rows: Vec<AllocationRow>,
    totals: Vec<String>,
    envelopes: Vec<String>,
    differences: Vec<String>,
    any_demo: bool,
}

struct AllocationRow {
    partnership_id: i64,
    name: String,
    demo: bool,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "budget/overview.html")]
struct OverviewPage {
    layout: Layout,
    /// The years with this request's money figures.
    years: Vec<YearRow>,
    plan: Arc<Plan>,
    periods: Vec<Choice>,
    /// Paid or spent above the allocation, every year.
    signals: Vec<Signal>,
}

/// Everything on the page that comes from reference and budget data only (envelopes, rules,
/// populations, allocations): computed once per chosen period and reference version. What
/// actions cost is added per request ([`Money`]).
struct Plan {
    /// The years, their money columns still empty.
    years: Vec<YearRow>,
    demo_gaps: Vec<String>,
    chart: BarChart,
    table: Option<AllocationTable>,
}

impl Plan {
    async fn load(db: &PgPool, all: &[Period], chosen: Option<&Period>) -> Result<Self> {
        let mut conn = db.acquire().await?;
        let years = db::years(all);
        let envelopes: BTreeMap<i16, i64> = db::envelopes(&mut *conn)
            .await?
            .into_iter()
            .map(|e| (e.year, e.amount_cents))
            .collect();
        let allocated = db::allocated_per_year(&mut *conn).await?;
        let (rows, demo_gaps) = year_rows(&mut conn, all, &envelopes, &allocated).await?;
        let chart = chart::envelope_vs_allocated(
            &years
                .iter()
                .map(|&year| ChartYear {
                    year,
                    envelope_cents: envelopes.get(&year).copied(),
                    allocated_cents: allocated.get(&year).copied().unwrap_or(0),
                })
                .collect::<Vec<_>>(),
        );
        let table = match chosen {
            Some(period) => Some(allocation_table(&mut conn, period, &envelopes).await?),
            None => None,
        };
        Ok(Self {
            years: rows,
            demo_gaps: demo_gaps.iter().map(DemoGap::sentence).collect(),
            chart,
            table,
        })
    }
}

async fn index(
    State(state): State<AppState>,
    StaffOnly(signed_in): StaffOnly,
    reference: Reference,
    Query(query): Query<OverviewQuery>,
) -> Result<Response> {
    let all = reference.periods(&state.db).await?;
    let chosen = match (all.is_empty(), query.periode.trim().parse::<i64>().ok()) {
        (true, _) => None,
        (false, asked) => Some(
            periods::choose(&all, asked)
                .ok_or(AppError::NotFound)?
                .clone(),
        ),
    };
    let key = format!(
        "budget-overview:{}",
        chosen.as_ref().map_or(0, |p| p.policy_period_id)
    );
    let plan = reference
        .get_or_load(key, || Plan::load(&state.db, &all, chosen.as_ref()))
        .await?;
    let money = Money::load(&state.db).await?;
    let years = plan
        .years
        .iter()
        .map(|row| {
            let amount = |per_year: &BTreeMap<i16, i64>| {
                format::euro_cents(per_year.get(&row.year).copied().unwrap_or(0))
            };
            YearRow {
                paid: amount(&money.paid),
                reported: amount(&money.reported),
                action_costs: amount(&money.action_costs),
                ..row.clone()
            }
        })
        .collect();
    let periods = all
        .iter()
        .rev()
        .map(|p| {
            let selected = chosen
                .as_ref()
                .is_some_and(|c| c.policy_period_id == p.policy_period_id);
            Choice::new(p.policy_period_id, &p.name, selected)
        })
        .collect();
    render(&OverviewPage {
        layout: signed_in.layout("Budget").await?,
        years,
        plan,
        periods,
        signals: money.signals,
    })
}

/// The row of every year of every period, and the demo gaps met on the way.
async fn year_rows(
    conn: &mut PgConnection,
    all: &[Period],
    envelopes: &BTreeMap<i16, i64>,
    allocated: &BTreeMap<i16, i64>,
) -> Result<(Vec<YearRow>, Vec<DemoGap>)> {
    let rules = db::rules(&mut *conn).await?;
    let mut areas = AreaCache::default();
    let years = db::years(all);
    let mut rows = Vec::with_capacity(years.len());
    let mut demo_gaps: Vec<DemoGap> = Vec::new();
    for year in years {
        let envelope = envelopes.get(&year).copied();
        let rule = match (db::rule_for(&rules, year), db::period_of(all, year)) {
            (Some(version), Some(period)) => {
                let areas = areas.get(&mut *conn, period, version).await?;
                let distribution = rule::distribute(&version.rule, areas.to_vec(), envelope);
                let demo = areas.iter().filter(|a| a.demo).count();
                if let (true, Some(envelope_cents)) = (demo > 0, envelope) {
                    DemoGap::add(
                        &mut demo_gaps,
                        DemoGap {
                            first: year,
                            last: year,
                            areas: areas.len(),
                            demo,
                            proposed_cents: distribution.proposed_cents,
                            envelope_cents,
                        },
                    );
                }
                RuleCell {
                    total: format::euro_cents(distribution.proposed_cents),
                    unknown: distribution
                        .lines
                        .iter()
                        .filter(|l| l.funding == Funding::Unknown)
                        .count(),
                    areas: Some(areas.len()),
                    gap: distribution.gap_cents().map(gap_words),
                }
            }
            _ => RuleCell {
                total: "geen verdeelregel".into(),
                unknown: 0,
                areas: None,
                gap: None,
            },
        };
        let amount = |per_year: &BTreeMap<i16, i64>| {
            format::euro_cents(per_year.get(&year).copied().unwrap_or(0))
        };
        let allocated_cents = allocated.get(&year).copied().unwrap_or(0);
        rows.push(YearRow {
            year,
            envelope: envelope.map(format::euro_cents),
            allocated: amount(allocated),
            not_allocated: envelope.map(|e| format::euro_cents(e - allocated_cents)),
            rule,
            paid: String::new(),
            reported: String::new(),
            action_costs: String::new(),
        });
    }
    Ok((rows, demo_gaps))
}

/// Envelope minus the rule's total: the amount, and in words what it is.
fn gap_words(gap: i64) -> (String, &'static str) {
    match gap {
        0 => (format::euro_cents(0), "volledig verdeeld"),
        g if g > 0 => (format::euro_cents(g), "door de regel niet verdeeld"),
        g => (format::euro_cents(-g), "tekort"),
    }
}

/// The werkingsgebieden as a rule version sees them, loaded once per period and version.
#[derive(Default)]
struct AreaCache(HashMap<(i64, i64), Vec<Area>>);

impl AreaCache {
    async fn get(
        &mut self,
        conn: &mut PgConnection,
        period: &Period,
        version: &RuleVersion,
    ) -> Result<&[Area]> {
        let key = (period.policy_period_id, version.rule_id);
        let areas = match self.0.entry(key) {
            Entry::Occupied(found) => found.into_mut(),
            Entry::Vacant(slot) => slot.insert(db::areas(&mut *conn, period, &version.rule).await?),
        };
        Ok(areas.as_slice())
    }
}

/// Money that moved per year: paid (advances and balances minus recoveries and corrections),
/// reported as spent, and the costs of the actions logged (not deleted) by the werkingsgebieden
/// whose policy period holds the year; and where a werkingsgebied went above its allocation.
struct Money {
    paid: BTreeMap<i16, i64>,
    reported: BTreeMap<i16, i64>,
    action_costs: BTreeMap<i16, i64>,
    signals: Vec<Signal>,
}

impl Money {
    /// One statement: per year what was paid (net) and reported, and the costs of the actions
    /// (from `action_cost_totals`, which triggers keep); and the positions of `budget_positions`
    /// above their allocation (the signals: only those rows, so a request reads a handful).
    async fn load(db: &PgPool) -> Result<Self> {
        let rows = sqlx::query!(
            r#"select 'paid' as "kind!", null::bigint as partnership_id, null::text as name,
                      year as "year!", null::bigint as allocated_cents,
                      sum(net_cents)::bigint as "amount!", null::bigint as spent_cents
               from payments group by year
               union all
               select 'reported', null, null, year, null,
                      sum(staff_cents + operating_cents + actions_cents)::bigint, null
               from spending_reports group by year
               union all
               select 'actions', null, null, t.year, null, sum(t.cost_cents)::bigint, null
               from action_cost_totals t
               join partnerships p on p.partnership_id = t.partnership_id
               join policy_periods pp on pp.policy_period_id = p.policy_period_id
               where t.year between extract(year from pp.starts_on)
                                and extract(year from pp.ends_on)
               group by t.year
               union all
               select 'above', b.partnership_id, p.name, b.year, b.allocated_cents, b.paid_cents,
                      b.spent_cents
               from budget_positions b join partnerships p using (partnership_id)
               where b.paid_cents > coalesce(b.allocated_cents, 0)
                  or b.spent_cents > coalesce(b.allocated_cents, 0)"#
        )
        .fetch_all(db)
        .await?;
        let mut money = Self {
            paid: BTreeMap::new(),
            reported: BTreeMap::new(),
            action_costs: BTreeMap::new(),
            signals: Vec::new(),
        };
        for r in rows {
            match (r.kind.as_str(), r.partnership_id) {
                ("above", Some(partnership_id)) => {
                    let position = Position {
                        partnership_id,
                        name: r.name.unwrap_or_default(),
                        year: r.year,
                        allocated_cents: r.allocated_cents,
                        paid_cents: r.amount,
                        spent_cents: r.spent_cents,
                    };
                    money.signals.extend(position.signals());
                }
                ("paid", _) => {
                    money.paid.insert(r.year, r.amount);
                }
                ("reported", _) => {
                    money.reported.insert(r.year, r.amount);
                }
                _ => {
                    money.action_costs.insert(r.year, r.amount);
                }
            }
        }
        money
            .signals
            .sort_by(|a, b| (a.year, &a.name).cmp(&(b.year, &b.name)));
        Ok(money)
    }
}

/// The allocations in force of `period`'s werkingsgebieden per year, with totals, envelopes
/// and what the envelope leaves.
async fn allocation_table(
    conn: &mut PgConnection,
    period: &Period,
    envelopes: &BTreeMap<i16, i64>,
) -> Result<AllocationTable> {
    let years = db::years(std::slice::from_ref(period));
    let found = sqlx::query!(
        r#"select p.partnership_id, p.name, p.is_demo,
                  a.year as "year?", a.amount_cents as "amount_cents?"
           from partnerships p
           left join allocations a
                  on a.partnership_id = p.partnership_id and a.superseded_at is null
           where p.policy_period_id = $1
           order by p.name, p.partnership_id"#,
        period.policy_period_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut rows: Vec<(i64, String, bool, BTreeMap<i16, i64>)> = Vec::new();
    for r in found {
        if rows.last().is_none_or(|(id, ..)| *id != r.partnership_id) {
            rows.push((r.partnership_id, r.name, r.is_demo, BTreeMap::new()));
        }
        if let (Some(last), Some(year), Some(amount)) = (rows.last_mut(), r.year, r.amount_cents) {
            last.3.insert(year, amount);
        }
    }
    let totals: Vec<i64> = years
        .iter()
        .map(|y| rows.iter().filter_map(|r| r.3.get(y)).sum())
        .collect();
    Ok(AllocationTable {
        period: period.name.clone(),
        envelopes: years
            .iter()
            .map(|y| {
                envelopes
                    .get(y)
                    .map_or("niet ingesteld".into(), |&e| format::euro_cents(e))
            })
            .collect(),
        differences: years
            .iter()
            .zip(&totals)
            .map(|(y, total)| {
                envelopes
                    .get(y)
                    .map_or("—".into(), |e| format::euro_cents(e - total))
            })
            .collect(),
        totals: totals.iter().map(|&t| format::euro_cents(t)).collect(),
        any_demo: rows.iter().any(|r| r.2),
        rows: rows
            .into_iter()
            .map(|(partnership_id, name, demo, amounts)| AllocationRow {
                partnership_id,
                name,
                demo,
                cells: years
                    .iter()
                    .map(|y| {
                        amounts
                            .get(y)
                            .map_or("—".into(), |&a| format::euro_cents(a))
                    })
                    .collect(),
            })
            .collect(),
        years,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_gap_is_said_as_information_with_its_amounts() {
        let gap = DemoGap {
            first: 2023,
            last: 2025,
            areas: 39,
            demo: 39,
            proposed_cents: 195_000_000,
            envelope_cents: 300_000_000,
        };
        assert_eq!(
            gap.sentence(),
            "2023-2025: de regel verdeelt voor de 39 demo-werkingsgebieden € 1.950.000,00 van \
             € 3.000.000,00; € 1.050.000,00 blijft onverdeeld."
        );
        let short = DemoGap {
            first: 2020,
            last: 2020,
            areas: 40,
            demo: 39,
            proposed_cents: 230_000_000,
            envelope_cents: 222_500_000,
        };
        assert_eq!(
            short.sentence(),
            "2020: de regel vraagt voor de 40 werkingsgebieden (waarvan 39 demo) € 2.300.000,00, \
             € 75.000,00 meer dan het budget van € 2.225.000,00."
        );
    }

    #[test]
    fn years_with_the_same_demo_figures_read_as_one_run() {
        let gap = |year, envelope_cents| DemoGap {
            first: year,
            last: year,
            areas: 39,
            demo: 39,
            proposed_cents: 195_000_000,
            envelope_cents,
        };
        let mut gaps = Vec::new();
        for (year, envelope) in [
            (2020, 222_500_000),
            (2021, 222_500_000),
            (2023, 300_000_000),
            (2024, 300_000_000),
            (2025, 250_000_000),
        ] {
            DemoGap::add(&mut gaps, gap(year, envelope));
        }
        let runs: Vec<(i16, i16)> = gaps.iter().map(|g| (g.first, g.last)).collect();
        assert_eq!(runs, [(2020, 2021), (2023, 2024), (2025, 2025)]);
    }

    #[test]
    fn the_gap_between_envelope_and_rule_is_named_by_its_sign() {
        assert_eq!(gap_words(0), ("€ 0,00".into(), "volledig verdeeld"));
        assert_eq!(
            gap_words(100),
            ("€ 1,00".into(), "door de regel niet verdeeld")
        );
        assert_eq!(gap_words(-100), ("€ 1,00".into(), "tekort"));
    }
}
