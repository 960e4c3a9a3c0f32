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

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budget/{year}", get(show))
        .route("/budget/{year}/toekenningen", post(fix))
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
        let rows = d
            .lines
            .iter()
            .map(|line| {
                proposal_row(
                    line,
                    data.current.get(&line.area.id),
                    this_rule,
                    &rule_names,
                )
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
                format!("{} ({word})", format::euro(gap))
            }
            _ => "-".into(),
        };
        let allocated: i64 = data.current.values().map(|a| a.amount_cents).sum();
        Ok(Self {
            layout: signed_in.layout(format!("Budget {year}")).await?,
            year,
            years: data.years.clone(),
            period_name: data.period.name.clone(),
            envelope: envelope_cents.map(format::euro),
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
            rule_total: format::euro(d.proposed_cents),
            funded_total: format::euro(d.funded_cents),
            difference,
            allocated_total: format::euro(allocated),
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
    let unemployment = match line.unemployment_bp {
        Some(bp) => rule::rate_label(bp),
        None if area.members.is_empty() => "-".into(),
        None => {
            let missing = area.missing_rates();
            if missing.is_empty() {
                "ontbreekt (bevolking)".into()
            } else {
                format!("ontbreekt: {}", missing.join(", "))
            }
        }
    };
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
            (format::euro(a.amount_cents), note, motivation)
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
            .map_or_else(|| "-".into(), format::euro),
        explanation: line.proposal.explanation(),
        rank: line.rank.map(|r| r.to_string()).unwrap_or_default(),
        funding,
        outside,
        allocated,
        allocation_note,
        motivation,
    }
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
        computed: computed(line).map_or_else(|| "-".into(), format::euro),
        in_force: current.map_or_else(
            || "-".into(),
            |a| format!("{} (versie {})", format::euro(a.amount_cents), a.version),
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
        amount: format::euro(r.amount_cents),
        computed: r.computed_cents.map_or_else(|| "-".into(), format::euro),
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

// ---------------------------------------------------------------------------------------------
// Fixing the allocations

/// One allocation to store: a new version for a werkingsgebied.
struct Change {
    partnership_id: i64,
    name: String,
    /// The version in force the admin saw (0: none); the new one is this plus one.
    seen_version: i32,
    /// The amount in force now, if any.
    from_cents: Option<i64>,
    amount_cents: i64,
    computed_cents: Option<i64>,
    motivation: String,
}

impl Change {
    fn overridden(&self) -> bool {
        self.computed_cents != Some(self.amount_cents)
    }
}

/// Why PostgreSQL refused the save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// The year's allocations in force would exceed the envelope.
    OverEnvelope,
    /// Someone stored another version of a row since the form was opened.
    Stale,
    /// The year has no envelope.
    NoEnvelope,
}

const REFUSALS: &[(&str, Refusal)] = &[
    ("allocations_within_envelope", Refusal::OverEnvelope),
    ("allocations_current_key", Refusal::Stale),
    ("allocations_version_key", Refusal::Stale),
    ("allocations_year_fkey", Refusal::NoEnvelope),
];

fn typed_rows(body: &[u8]) -> BTreeMap<i64, Typed> {
    let mut rows: BTreeMap<i64, Typed> = BTreeMap::new();
    for (key, value) in form_urlencoded::parse(body) {
        let (prefix, id) = match key.split_once('_') {
            Some((prefix, id)) => (prefix, id.parse::<i64>()),
            None => continue,
        };
        let Ok(id) = id else { continue };
        match prefix {
            "bedrag" => rows.entry(id).or_default().amount = value.into_owned(),
            "motivatie" => rows.entry(id).or_default().motivation = value.into_owned(),
            "huidig" => rows.entry(id).or_default().version = value.into_owned(),
            _ => {}
        }
    }
    rows
}

/// The rows whose amount differs from the allocation in force (or that have none and an
/// amount), checked. An empty amount leaves a row as it is: revoking an allocation is fixing
/// it at 0 with a motivation.
fn changes(data: &Year, typed: &BTreeMap<i64, Typed>, errors: &mut FormErrors) -> Vec<Change> {
    let mut changes = Vec::new();
    for line in &data.distribution.lines {
        let id = line.area.id;
        let name = &line.area.name;
        let Some(t) = typed.get(&id) else { continue };
        let amount_text = t.amount.trim();
        if amount_text.is_empty() {
            continue;
        }
        let Some(amount) = parse_euro(amount_text) else {
            errors.add(
                format!("bedrag_{id}"),
                format!("{name}: vul een bedrag in euro in, zoals 50.000 of 50.000,00."),
            );
            continue;
        };
        let current = data.current.get(&id);
        if current.is_some_and(|c| c.amount_cents == amount) {
            continue;
        }
        let computed_cents = computed(line);
        let motivation = t
            .motivation
            .replace(['\t', '\n', '\r'], " ")
            .trim()
            .to_string();
        if computed_cents != Some(amount) && motivation.is_empty() {
            let why = match computed_cents {
                Some(c) => format!(
                    "{} wijkt af van wat de regel geeft ({})",
                    format::euro(amount),
                    format::euro(c)
                ),
                None => "de regel geeft hier geen bedrag".to_string(),
            };
            errors.add(
                format!("motivatie_{id}"),
                format!("{name}: {why}; geef een motivering."),
            );
        } else if motivation.chars().count() > MAX_MOTIVATION {
            errors.add(
                format!("motivatie_{id}"),
                format!("{name}: de motivering mag hoogstens {MAX_MOTIVATION} tekens lang zijn."),
            );
        }
        let Ok(seen_version) = t.version.trim().parse::<i32>() else {
            errors.add(
                "toekenningen",
                "Het formulier is onvolledig; open de pagina opnieuw.",
            );
            continue;
        };
        changes.push(Change {
            partnership_id: id,
            name: name.clone(),
            seen_version,
            from_cents: current.map(|c| c.amount_cents),
            amount_cents: amount,
            computed_cents,
            motivation,
        });
    }
    changes
}

/// The rows someone else changed since the form was opened, in words naming who; `None` when
/// every changed row is still at the version the admin saw.
fn stale_message(data: &Year, changes: &[Change]) -> Option<String> {
    let sentences: Vec<String> = changes
        .iter()
        .filter(|c| data.current.get(&c.partnership_id).map_or(0, |a| a.version) != c.seen_version)
        .map(|c| match data.current.get(&c.partnership_id) {
            Some(a) => format!(
                "{} legde op {} de toekenning van {} vast op {} (versie {}).",
                a.decided_by.as_deref().unwrap_or("Iemand anders"),
                format::datetime(a.decided_at),
                c.name,
                format::euro(a.amount_cents),
                a.version
            ),
            None => format!("De toekenning van {} veranderde intussen.", c.name),
        })
        .collect();
    if sentences.is_empty() {
        return None;
    }
    Some(format!(
        "Iemand anders wijzigde deze toekenningen terwijl u het formulier invulde. {} Er is niets \
         opgeslagen. Uw bedragen staan nog in het formulier; vergelijk met wat nu geldt en bewaar \
         opnieuw om ze te vervangen.",
        sentences.join(" ")
    ))
}

/// Stores the changes: per row, the version in force is superseded (only if it is still the one
/// the admin saw) before the new version is inserted.
async fn store(
    tx: &mut PgConnection,
    year: i16,
    changes: &mut [Change],
    rule_id: Option<i64>,
    user_id: i64,
) -> Result<std::result::Result<(), Refusal>> {
    // The trigger checks the sum after every row, so rows that lower an allocation go first:
    // a save that moves money from one werkingsgebied to another never passes through a total
    // above the envelope on its way.
    changes.sort_by_key(|c| c.amount_cents - c.from_cents.unwrap_or(0));
    for c in changes.iter() {
        if c.seen_version > 0 {
            let superseded = sqlx::query!(
                r#"update allocations set superseded_at = now()
                   where partnership_id = $1 and year = $2 and version = $3
                     and superseded_at is null"#,
                c.partnership_id,
                year,
                c.seen_version
            )
            .execute(&mut *tx)
            .await
            .on_constraint(REFUSALS)?;
            match superseded {
                Err(refusal) => return Ok(Err(refusal)),
                Ok(done) if done.rows_affected() == 0 => return Ok(Err(Refusal::Stale)),
                Ok(_) => {}
            }
        }
        let inserted = sqlx::query!(
            r#"insert into allocations (partnership_id, year, version, amount_cents,
                   computed_cents, motivation, rule_id, decided_by)
               values ($1, $2, $3, $4, $5, $6, $7, $8)"#,
            c.partnership_id,
            year,
            c.seen_version + 1,
            c.amount_cents,
            c.computed_cents,
            c.motivation,
            rule_id,
            user_id
        )
        .execute(&mut *tx)
        .await
        .on_constraint(REFUSALS)?;
        if let Err(refusal) = inserted {
            return Ok(Err(refusal));
        }
    }
    Ok(Ok(()))
}

fn no_envelope(year: i16) -> String {
    format!(
        "Er is nog geen budget voor {year}. Leg eerst het budget vast (bovenaan deze pagina: \
         „eerst een budget vastleggen”); daarna kunnen de toekenningen vastgelegd worden. Er is \
         niets opgeslagen."
    )
}

/// The refusal of a total above the envelope, with the figures as they are after the failed
/// transaction: when another admin saved at the same moment, their amounts count too.
async fn over_envelope(db: &PgPool, data: &Year, changes: &[Change]) -> Result<String> {
    let year = data.year;
    let now = db::current_allocations(db, year).await?;
    let envelope = db::envelope(db, year).await?.map_or(0, |e| e.amount_cents);
    let mut total: BTreeMap<i64, i64> = now.iter().map(|(id, a)| (*id, a.amount_cents)).collect();
    for c in changes {
        total.insert(c.partnership_id, c.amount_cents);
    }
    let total: i64 = total.values().sum();
    let mut message = if total > envelope {
        format!(
            "De toekenningen voor {year} komen samen op {}, meer dan het budget van {}. Er is \
             niets opgeslagen.",
            format::euro(total),
            format::euro(envelope)
        )
    } else {
        format!(
            "Op het moment van bewaren kwamen de toekenningen voor {year} boven het budget van \
             {} uit. Er is niets opgeslagen; bewaar opnieuw.",
            format::euro(envelope)
        )
    };
    let others: Vec<String> = now
        .values()
        .filter(|a| {
            data.current
                .get(&a.partnership_id)
                .is_none_or(|before| before.version != a.version)
        })
        .filter_map(|a| a.decided_by.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !others.is_empty() {
        message.push_str(&format!(
            " Intussen legde {} toekenningen vast; de tabel toont wat nu geldt.",
            others.join(" en ")
        ));
    }
    Ok(message)
}

/// The year page again with the admin's input, a message at the top and `status`.
async fn again(
    state: &AppState,
    admin: &SignedIn,
    year: i16,
    typed: &BTreeMap<i64, Typed>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response> {
    let data = Year::load(&state.db, year).await?;
    let page = YearPage::build(&state.db, admin, &data, Some(typed), errors).await?;
    render_with_status(status, &page)
}

async fn fix(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(year): Path<i16>,
    RawForm(body): RawForm,
) -> Result<Response> {
    let data = Year::load(&state.db, year).await?;
    let typed = typed_rows(&body);
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let mut errors = FormErrors::default();
    if data.envelope.is_none() {
        errors.add("toekenningen", no_envelope(year));
        return again(&state, &admin, year, &typed, errors, unprocessable).await;
    }
    let mut changes = changes(&data, &typed, &mut errors);
    if !errors.is_empty() {
        return again(&state, &admin, year, &typed, errors, unprocessable).await;
    }
    if let Some(message) = stale_message(&data, &changes) {
        return stale(&state, &admin, year, typed, message).await;
    }
    if changes.is_empty() {
        return flash::redirect(
            &admin.session,
            FlashKind::Info,
            format!(
                "Er was niets gewijzigd aan de toekenningen voor {year}; er is niets opgeslagen."
            ),
            &format!("/budget/{year}"),
        )
        .await;
    }
    let rule_id = data.rule().map(|r| r.rule_id);
    let mut tx = state.db.begin().await?;
    match store(&mut tx, year, &mut changes, rule_id, admin.user.user_id).await? {
        Ok(()) => {}
        Err(refusal) => {
            // Nothing of this save stays: the transaction is rolled back before the page is
            // read again, so the page shows what is in force now.
            drop(tx);
            let message = match refusal {
                Refusal::OverEnvelope => over_envelope(&state.db, &data, &changes).await?,
                Refusal::NoEnvelope => no_envelope(year),
                Refusal::Stale => {
                    let fresh = Year::load(&state.db, year).await?;
                    let message = stale_message(&fresh, &changes).unwrap_or_else(|| {
                        "Iemand anders wijzigde deze toekenningen op hetzelfde moment. Er is \
                         niets opgeslagen; bewaar opnieuw."
                            .into()
                    });
                    return stale(&state, &admin, year, typed, message).await;
                }
            };
            let field = changes
                .iter()
                .find(|c| c.amount_cents > c.from_cents.unwrap_or(0))
                .map_or_else(
                    || "toekenningen".to_string(),
                    |c| format!("bedrag_{}", c.partnership_id),
                );
            errors.add(field, message);
            return again(&state, &admin, year, &typed, errors, unprocessable).await;
        }
    }
    let changed: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            serde_json::json!({
                "partnership_id": c.partnership_id,
                "name": c.name,
                "from_cents": c.from_cents,
                "to_cents": c.amount_cents,
                "computed_cents": c.computed_cents,
                "version": c.seen_version + 1,
            })
        })
        .collect();
    let overridden: Vec<&str> = changes
        .iter()
        .filter(|c| c.overridden())
        .map(|c| c.name.as_str())
        .collect();
    audit::Entry::new(Action::AllocationsFixed)
        .actor(&admin.user)
        .object("budget_year", year)
        .details(serde_json::json!({
            "year": year,
            "rule_id": rule_id,
            "changed": changed,
            "overridden": overridden,
        }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    let count = changes.len();
    let what = if count == 1 {
        "1 werkingsgebied".to_string()
    } else {
        format!("{count} werkingsgebieden")
    };
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        format!("Toekenningen voor {year} bewaard ({what})."),
        &format!("/budget/{year}"),
    )
    .await
}

/// A save that lost the race: the form with the admin's input and the versions in force now,
/// so that saving again is a deliberate overwrite (409).
async fn stale(
    state: &AppState,
    admin: &SignedIn,
    year: i16,
    mut typed: BTreeMap<i64, Typed>,
    message: String,
) -> Result<Response> {
    let now = db::current_allocations(&state.db, year).await?;
    for (id, row) in typed.iter_mut() {
        row.version = now.get(id).map_or(0, |a| a.version).to_string();
    }
    let mut errors = FormErrors::default();
    errors.add("toekenningen", message);
    again(state, admin, year, &typed, errors, StatusCode::CONFLICT).await
}
