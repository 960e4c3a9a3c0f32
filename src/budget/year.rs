//! The budget of one year: the allocation the rule proposes for every werkingsgebied (with its
//! steps in words and, when the envelope is short, the ranking and who falls outside), the
//! allocations in force and their earlier versions, and the admins' form that fixes them.
//!
//! Routes: `GET /budget/{year}` (staff; 404 for a year outside every policy period),
//! `POST /budget/{year}/toekenningen` (admins).
//!
//! Fixing is checked twice. Here: an amount other than the computed one needs a motivation,
//! and the version each row was read at must still be the one in force (optimistic locking).
//! In PostgreSQL: the trigger `allocations_within_envelope` refuses any statement that takes
//! the year's allocations in force above the envelope; it locks the envelope row first, so two
//! admins saving at the same moment are checked one after the other.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use sqlx::{PgConnection, PgPool};

use super::db::{self, Allocation, Envelope, RuleVersion};
use super::rule::{self, Area, Boundary, Distribution, Funding, Line, Proposal, Rule};
use super::signals::{self, Signal};
use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn, StaffOnly};
use crate::database::Timestamp;
use crate::error::{AppError, Result, ResultExt};
use crate::identity::Role;
use crate::periods::{self, Period};
use crate::state::AppState;
use crate::web::extract::{Path, RawForm};
use crate::web::flash::{self, FlashKind};
use crate::web::layout::Layout;
use crate::web::money::{parse_euro, plain_euro};
use crate::web::{format, render, render_with_status};

const MAX_MOTIVATION: usize = 2000;

mod save;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budget/{year}", get(show))
        .route("/budget/{year}/toekenningen", post(save::fix))
}

/// Everything the page and the save need about one year, read fresh for every request: the
/// server recomputes the proposal itself and never trusts a computed figure from the form.
struct Year {
    year: i16,
    years: Vec<i16>,
    period: Period,
    rules: Vec<RuleVersion>,
    /// Index into `rules` of the version that applies to the year.
    rule: Option<usize>,
    envelope: Option<Envelope>,
    distribution: Distribution,
    current: BTreeMap<i64, Allocation>,
}

impl Year {
    async fn load(db: &PgPool, year: i16) -> Result<Self> {
        let periods = periods::list(db).await?;
        let period = db::period_of(&periods, year)
            .ok_or(AppError::NotFound)?
            .clone();
        let rules = db::rules(db).await?;
        let rule = db::rule_for(&rules, year)
            .and_then(|r| rules.iter().position(|other| other.rule_id == r.rule_id));
        let envelope = db::envelope(db, year).await?;
        // Without a rule version the areas are still listed, with the period's population.
        let fallback = Rule::new(
            period.population_year,
            year,
            Boundary::LagereSchijf,
            0,
            0,
            0,
            Vec::new(),
        );
        let seen_by = rule.map_or(&fallback, |i| &rules[i].rule);
        let mut areas = db::areas(db, &period, seen_by).await?;
        // Werkingsgebieden without members are not in `areas`; they still get a row (and an
        // allocation of theirs in force stays visible).
        for p in sqlx::query!(
            "select partnership_id, name, is_demo from partnerships where policy_period_id = $1",
            period.policy_period_id
        )
        .fetch_all(db)
        .await?
        {
            if !areas.iter().any(|a| a.id == p.partnership_id) {
                areas.push(Area {
                    id: p.partnership_id,
                    name: p.name,
                    demo: p.is_demo,
                    members: Vec::new(),
                });
            }
        }
        areas.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        let envelope_cents = envelope.as_ref().map(|e| e.amount_cents);
        let distribution = match rule {
            Some(i) => rule::distribute(&rules[i].rule, areas, envelope_cents),
            None => without_rule(year, areas, envelope_cents),
        };
        Ok(Self {
            year,
            years: db::years(&periods),
            period,
            rule,
            rules,
            envelope,
            distribution,
            current: db::current_allocations(db, year).await?,
        })
    }

    fn rule(&self) -> Option<&RuleVersion> {
        self.rule.map(|i| &self.rules[i])
    }
}

/// Every area unknown: no version of the rule covers the year.
fn without_rule(year: i16, areas: Vec<Area>, envelope_cents: Option<i64>) -> Distribution {
    let lines = areas
        .into_iter()
        .map(|area| Line {
            unemployment_bp: area.unemployment_bp(),
            area,
            proposal: Proposal {
                amount_cents: None,
                eligible: true,
                steps: vec![format!(
                    "geen versie van de verdeelregel geldt voor {year} → geen bedrag te berekenen"
                )],
            },
            rank: None,
            funding: Funding::Unknown,
        })
        .collect();
    Distribution {
        lines,
        proposed_cents: 0,
        funded_cents: 0,
        envelope_cents,
        short: false,
        ranked_without_rate: Vec::new(),
    }
}

/// What the rule gives a werkingsgebied this year after the envelope is shared out: its amount
/// when funded, nothing (0) when it falls outside or is not eligible, and `None` when it could
/// not be computed. This is stored as `computed_cents`; an allocation that differs needs a
/// motivation.
fn computed(line: &Line) -> Option<i64> {
    match line.funding {
        Funding::Funded => line.proposal.amount_cents,
        Funding::Outside(_) | Funding::NotEligible => Some(0),
        Funding::Unknown => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The page

/// Messages of the allocation form, keyed by the id of the input they are about (or
/// `toekenningen`, the form itself), in the order found. Same shape as
/// [`crate::web::forms::FieldErrors`], whose field names are fixed; these are per row.
#[derive(Debug, Default)]
struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        if self.get(&field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// For the summary at the top (`macros::error_summary`).
    fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }
}

/// One row of the form as typed: amount, motivation and the version of the allocation in force
/// when the page was opened (0 when there was none).
#[derive(Clone, Debug, Default)]
struct Typed {
    amount: String,
    motivation: String,
    version: String,
}

/// The rule version in the header, with its settings in words.
struct RuleSummary {
    rule_id: i64,
    name: String,
    years: String,
    population_year: i16,
    boundary: &'static str,
    unemployment_year: i16,
}

/// A werkingsgebied in the proposal table.
struct ProposalRow {
    id: i64,
    name: String,
    demo: bool,
    municipalities: usize,
    inhabitants: String,
    unemployment: String,
    computed: String,
    explanation: String,
    rank: String,
    /// Where it stands against the envelope, in words.
    funding: String,
    outside: bool,
    allocated: String,
    /// Version, who, when (and the rule version when it is not this year's).
    allocation_note: String,
    /// The motivation of an overridden allocation in force.
    motivation: String,
    /// Paid or spent above the allocation, in words.
    signals: Vec<String>,
}

/// A werkingsgebied on the admins' form.
struct FormRow {
    id: i64,
    name: String,
    demo: bool,
    computed: String,
    in_force: String,
    amount: String,
    motivation: String,
    version: String,
    amount_error: Option<String>,
    motivation_error: Option<String>,
}

/// A superseded allocation.
struct EarlierRow {
    name: String,
    demo: bool,
    version: i32,
    amount: String,
    computed: String,
    motivation: String,
    decided_by: String,
    decided_at: String,
    superseded_at: String,
}

#[derive(Template)]
#[template(path = "budget/year.html")]
struct YearPage {
    layout: Layout,
    year: i16,
    years: Vec<i16>,
    period_name: String,
    envelope: Option<String>,
    rule: Option<RuleSummary>,
    rows: Vec<ProposalRow>,
    short: bool,
    ranked_without_rate: String,
    /// The municipalities whose unemployment rate the ranking needs and lacks: listed once,
    /// and only when the envelope is short (else no ranking needs a rate).
    missing_rates: String,
    /// Every werkingsgebied with money above its allocation this year.
    signals: Vec<Signal>,
    rule_total: String,
    funded_total: String,
    /// Envelope minus the rule's total, with a word on what it means.
    difference: String,
    allocated_total: String,
    allocated_count: usize,
    earlier: Vec<EarlierRow>,
    /// Only for admins, once the year has an envelope.
    form: Option<Vec<FormRow>>,
    errors: FormErrors,
}

impl YearPage {
    /// The page; `typed` is the form as the admin sent it (kept after an error), else it is
    /// prefilled with the allocation in force or the computed amount.
    async fn build(
        db: &PgPool,
        signed_in: &SignedIn,
        data: &Year,
        typed: Option<&BTreeMap<i64, Typed>>,
        errors: FormErrors,
    ) -> Result<Self> {
        let year = data.year;
        let d = &data.distribution;
        let rule_names: BTreeMap<i64, &str> = data
            .rules
            .iter()
            .map(|r| (r.rule_id, r.name.as_str()))
            .collect();
        let this_rule = data.rule().map(|r| r.rule_id);
        let signals = signals::signals(db, Some(year)).await?;
        let rows = d
            .lines
            .iter()
            .map(|line| {
                let mut row = proposal_row(
                    line,
                    data.current.get(&line.area.id),
                    this_rule,
                    &rule_names,
                );
                row.signals = signals
                    .iter()
                    .filter(|s| s.partnership_id == line.area.id)
                    .map(|s| format!("{}: {}", s.label(), s.text()))
                    .collect();
                if d.short && d.ranked_without_rate.contains(&line.area.name) {
                    row.unemployment = "ontbreekt".into();
                }
                row
            })
            .collect();
        let form = (signed_in.user.role == Role::Admin && data.envelope.is_some()).then(|| {
            d.lines
                .iter()
                .map(|line| form_row(line, data.current.get(&line.area.id), typed, &errors))
                .collect()
        });
        let envelope_cents = data.envelope.as_ref().map(|e| e.amount_cents);
        let difference = match (envelope_cents, data.rule) {
            (Some(e), Some(_)) => {
                let gap = e - d.proposed_cents;
                let word = match gap.signum() {
                    1 => "blijft over als iedereen krijgt wat de regel geeft",
                    -1 => "tekort: de rangorde bepaalt wie buiten het budget valt",
                    _ => "de regel vraagt precies het budget",
                };
                format!("{} ({word})", format::euro_cents(gap))
            }
            _ => "-".into(),
        };
        let allocated: i64 = data.current.values().map(|a| a.amount_cents).sum();
        Ok(Self {
            layout: signed_in.layout(format!("Budget {year}")).await?,
            year,
            years: data.years.clone(),
            period_name: data.period.name.clone(),
            envelope: envelope_cents.map(format::euro_cents),
            rule: data.rule().map(|r| RuleSummary {
                rule_id: r.rule_id,
                name: r.name.clone(),
                years: format!("{}-{}", r.first_year, r.last_year),
                population_year: r.rule.population_year,
                boundary: r.rule.boundary.label(),
                unemployment_year: r.rule.unemployment_year,
            }),
            rows,
            short: d.short,
            ranked_without_rate: d.ranked_without_rate.join(", "),
            missing_rates: missing_rates(d),
            signals,
            rule_total: format::euro_cents(d.proposed_cents),
            funded_total: format::euro_cents(d.funded_cents),
            difference,
            allocated_total: format::euro_cents(allocated),
            allocated_count: data.current.len(),
            earlier: earlier(db, year).await?,
            form,
            errors,
        })
    }
}

fn proposal_row(
    line: &Line,
    current: Option<&Allocation>,
    this_rule: Option<i64>,
    rule_names: &BTreeMap<i64, &str>,
) -> ProposalRow {
    let area = &line.area;
    let inhabitants = match area.population() {
        Ok(p) => format::thousands(p),
        Err(_) => "ontbreekt".into(),
    };
    // A missing rate matters only to a ranking: the page says so once, above the table.
    let unemployment = line
        .unemployment_bp
        .map_or_else(|| "-".into(), rule::rate_label);
    let (funding, outside) = match &line.funding {
        Funding::Funded if line.rank.is_some() => ("binnen het budget".to_string(), false),
        Funding::Funded => (String::new(), false),
        Funding::Outside(reason) => (format!("valt buiten het budget: {reason}"), true),
        Funding::NotEligible => ("komt niet in aanmerking".into(), false),
        Funding::Unknown => ("geen bedrag te berekenen".into(), false),
    };
    let (allocated, allocation_note, motivation) = match current {
        None => ("-".to_string(), String::new(), String::new()),
        Some(a) => {
            let mut note = format!(
                "versie {} · {}, {}",
                a.version,
                a.decided_by.as_deref().unwrap_or("onbekend"),
                format::datetime(a.decided_at)
            );
            if let Some(id) = a.rule_id.filter(|id| Some(*id) != this_rule) {
                note.push_str(&format!(
                    " · volgens {}",
                    rule_names
                        .get(&id)
                        .copied()
                        .unwrap_or("een andere regelversie")
                ));
            }
            let overridden = a.computed_cents != Some(a.amount_cents);
            let motivation = if overridden {
                a.motivation.clone()
            } else {
                String::new()
            };
            (format::euro_cents(a.amount_cents), note, motivation)
        }
    };
    ProposalRow {
        id: area.id,
        name: area.name.clone(),
        demo: area.demo,
        municipalities: area.members.len(),
        inhabitants,
        unemployment,
        computed: line
            .proposal
            .amount_cents
            .map_or_else(|| "-".into(), format::euro_cents),
        explanation: line.proposal.explanation(),
        rank: line.rank.map(|r| r.to_string()).unwrap_or_default(),
        funding,
        outside,
        allocated,
        allocation_note,
        motivation,
        signals: Vec::new(),
    }
}

/// The municipalities, alphabetically and once each, whose missing unemployment rate puts
/// their werkingsgebied at the back of the ranking; empty when the envelope is not short.
fn missing_rates(d: &Distribution) -> String {
    if !d.short {
        return String::new();
    }
    let mut names: Vec<&str> = d
        .lines
        .iter()
        .filter(|l| d.ranked_without_rate.contains(&l.area.name))
        .flat_map(|l| l.area.missing_rates())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(", ")
}

fn form_row(
    line: &Line,
    current: Option<&Allocation>,
    typed: Option<&BTreeMap<i64, Typed>>,
    errors: &FormErrors,
) -> FormRow {
    let id = line.area.id;
    let typed = match typed {
        Some(all) => all.get(&id).cloned().unwrap_or_default(),
        // Prefilled: the allocation in force, else what the rule gives (empty when it gives
        // nothing: not eligible, outside the budget, not computable).
        None => Typed {
            amount: match (current, &line.funding) {
                (Some(a), _) => plain_euro(a.amount_cents),
                (None, Funding::Funded) => line
                    .proposal
                    .amount_cents
                    .map(plain_euro)
                    .unwrap_or_default(),
                (None, _) => String::new(),
            },
            // Never the motivation in force: it was written for that amount, and a new amount
            // needs its own (the one in force is shown in the table above).
            motivation: String::new(),
            version: current.map_or(0, |a| a.version).to_string(),
        },
    };
    FormRow {
        id,
        name: line.area.name.clone(),
        demo: line.area.demo,
        computed: computed(line).map_or_else(|| "-".into(), format::euro_cents),
        in_force: current.map_or_else(
            || "-".into(),
            |a| {
                format!(
                    "{} (versie {})",
                    format::euro_cents(a.amount_cents),
                    a.version
                )
            },
        ),
        amount: typed.amount,
        motivation: typed.motivation,
        version: typed.version,
        amount_error: errors.get(&format!("bedrag_{id}")).map(str::to_string),
        motivation_error: errors.get(&format!("motivatie_{id}")).map(str::to_string),
    }
}

/// The superseded allocations of the year: earlier versions stay readable.
async fn earlier(db: &PgPool, year: i16) -> Result<Vec<EarlierRow>> {
    Ok(sqlx::query!(
        r#"select p.name, p.is_demo, a.version, a.amount_cents, a.computed_cents, a.motivation,
                  u.full_name as "decided_by?", a.decided_at as "decided_at: Timestamp",
                  a.superseded_at as "superseded_at!: Timestamp"
           from allocations a
           join partnerships p on p.partnership_id = a.partnership_id
           left join users u on u.user_id = a.decided_by
           where a.year = $1 and a.superseded_at is not null
           order by p.name, a.partnership_id, a.version desc"#,
        year
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| EarlierRow {
        name: r.name,
        demo: r.is_demo,
        version: r.version,
        amount: format::euro_cents(r.amount_cents),
        computed: r
            .computed_cents
            .map_or_else(|| "-".into(), format::euro_cents),
        motivation: r.motivation,
        decided_by: r.decided_by.unwrap_or_else(|| "onbekend".into()),
        decided_at: format::datetime(r.decided_at),
        superseded_at: format::datetime(r.superseded_at),
    })
    .collect())
}

async fn show(
    State(state): State<AppState>,
    StaffOnly(signed_in): StaffOnly,
    Path(year): Path<i16>,
) -> Result<Response> {
    let data = Year::load(&state.db, year).await?;
    let page = YearPage::build(&state.db, &signed_in, &data, None, FormErrors::default()).await?;
    render(&page)
}
