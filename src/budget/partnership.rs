//! The budget page of one werkingsgebied: per year of its policy period the allocation in force
//! with its history, the payments, the reported spending and the cost of the logged actions side
//! by side with their differences, and what the rule proposes for it with the reasons. The forms
//! on it are in [`super::payments`] and [`super::spending`]; they re-render this page with their
//! errors.
//!
//! Route: `GET /werkingsgebieden/{id}/budget` (who may read it: [`super::access`]).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use super::access::{self, Access};
use super::db;
use super::payments::{PaymentForm, PaymentKind, capitalised};
use super::rule::{self, Area};
use super::signals;
use super::spending::SpendingForm;
use crate::auth::SignedIn;
use crate::database::Timestamp;
use crate::error::Result;
use crate::identity::Role;
use crate::partnerships::{self, Partnership};
use crate::periods::Period;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::forms::{Choice, FieldErrors};
use crate::web::idempotency;
use crate::web::layout::Layout;
use crate::web::money::plain_euro;
use crate::web::{format, render};

mod forms;
mod stored;

use forms::{
    PaymentFormView, PaymentLine, SpendingFormView, payment_form_view, spending_form_view,
};
use stored::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/werkingsgebieden/{id}/budget", get(show))
        .merge(super::payments::router())
        .merge(super::corrections::router())
        .merge(super::spending::router())
}

/// The address of a werkingsgebied's budget page.
pub(super) fn path(partnership_id: i64) -> String {
    format!("/werkingsgebieden/{partnership_id}/budget")
}

/// What a form sent when the page is shown again with its errors.
pub(super) enum Submitted {
    Nothing,
    Payment(PaymentForm, FieldErrors),
    Spending {
        form: SpendingForm,
        errors: FieldErrors,
        /// Someone else reported since the form was opened: the form keeps the input and takes
        /// the stored version, so saving again is a deliberate overwrite.
        conflict: bool,
    },
}

/// A werkingsgebied with its period and what the signed-in user may do with its budget.
pub(super) struct Target {
    pub p: Partnership,
    pub period: Period,
    pub access: Access,
}

impl Target {
    /// The years of its policy period.
    pub fn years(&self) -> Vec<i16> {
        db::years(std::slice::from_ref(&self.period))
    }
}

/// Loads werkingsgebied `id` (404 when unknown) and refuses (403, audited) unless `allowed`
/// says the user may do what they ask with its budget.
pub(super) async fn target(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    allowed: fn(&Access) -> bool,
) -> Result<Target> {
    let p = partnerships::find(&state.db, id).await?;
    let access = access::of(&state.db, &signed_in.user, id).await?;
    crate::agreements::access::require(state, signed_in, allowed(&access)).await?;
    let period = partnerships::period_of(&state.db, &p).await?;
    Ok(Target { p, period, access })
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let target = target(&state, &signed_in, id, |a| a.read).await?;
    render(&page(&state, &signed_in, target, Submitted::Nothing).await?)
}

/// One version of an allocation.
struct AllocationLine {
    version: i32,
    amount: String,
    computed: String,
    overridden: bool,
    motivation: String,
    decided: String,
    /// Empty for the version in force.
    superseded: String,
}

/// What the rule gives the werkingsgebied for a year, and why.
struct ProposalView {
    amount: String,
    explanation: String,
    /// The rule's settings that the published text leaves open, shown next to every amount.
    settings: String,
    rule: String,
}

struct ReportLine {
    staff: String,
    operating: String,
    actions: String,
    total: String,
    note: String,
    reported: String,
    version: i32,
}

/// A link from the error summary at the top to the field it is about.
struct ErrorLink {
    anchor: String,
    message: String,
}

struct YearSection {
    year: i16,
    current: Option<AllocationLine>,
    history: Vec<AllocationLine>,
    proposal: ProposalView,
    payments: Vec<PaymentLine>,
    /// Paid or spent above the allocation, in words.
    signals: Vec<String>,
    report: Option<ReportLine>,
    /// Of the actions logged that year: how many have a cost and how many do not.
    logged_actions: String,
    allocated: String,
    net_paid: String,
    reported: String,
    logged: String,
    allocated_minus_paid: String,
    allocated_minus_reported: String,
    actions_minus_logged: String,
    spending_form: SpendingFormView,
}

#[derive(Template)]
#[template(path = "budget/partnership.html")]
pub(super) struct BudgetPage {
    layout: Layout,
    p: Partnership,
    period: Period,
    access: Access,
    is_staff: bool,
    years: Vec<YearSection>,
    payment_form: PaymentFormView,
    error_summary: Vec<ErrorLink>,
}

/// What the rule proposes for the werkingsgebied in each year of its period.
async fn proposals(state: &AppState, target: &Target) -> Result<Vec<(i16, ProposalView)>> {
    let rules = db::rules(&state.db).await?;
    // Areas per rule version: a period usually has one, so this is one query.
    let mut areas: Vec<(i64, Vec<Area>)> = Vec::new();
    let mut out = Vec::new();
    for year in target.years() {
        let Some(version) = db::rule_for(&rules, year) else {
            out.push((
                year,
                ProposalView {
                    amount: "-".into(),
                    explanation: format!("Er is geen verdeelregel voor {year}."),
                    settings: String::new(),
                    rule: String::new(),
                },
            ));
            continue;
        };
        if !areas.iter().any(|(id, _)| *id == version.rule_id) {
            let loaded = db::areas(&state.db, &target.period, &version.rule).await?;
            areas.push((version.rule_id, loaded));
        }
        let area = areas
            .iter()
            .find(|(id, _)| *id == version.rule_id)
            .and_then(|(_, all)| all.iter().find(|a| a.id == target.p.partnership_id))
            .cloned()
            // Without members the werkingsgebied is not among the areas; the rule says why.
            .unwrap_or_else(|| Area {
                id: target.p.partnership_id,
                name: target.p.name.clone(),
                demo: target.p.is_demo,
                members: Vec::new(),
            });
        let proposal = rule::propose(&version.rule, &area);
        out.push((
            year,
            ProposalView {
                amount: match proposal.amount_cents {
                    Some(cents) => format::euro_cents(cents),
                    None if !proposal.eligible => "komt niet in aanmerking".into(),
                    None => "niet te berekenen".into(),
                },
                explanation: proposal.explanation(),
                settings: format!(
                    "bevolkingsjaar {}; {}",
                    version.rule.population_year,
                    version.rule.boundary.label()
                ),
                rule: version.name.clone(),
            },
        ));
    }
    Ok(out)
}

fn who_when(who: Option<String>, when: Timestamp) -> String {
    format!(
        "{} · {}",
        format::datetime(when),
        who.unwrap_or_else(|| "-".into())
    )
}

fn allocation_line(a: StoredAllocation) -> AllocationLine {
    AllocationLine {
        version: a.version,
        amount: format::euro_cents(a.amount_cents),
        computed: a
            .computed_cents
            .map_or_else(|| "niet berekend".into(), format::euro_cents),
        overridden: a.computed_cents != Some(a.amount_cents),
        motivation: a.motivation,
        decided: who_when(a.decided_by, a.decided_at),
        superseded: a
            .superseded_at
            .map(|t| format!("vervangen op {}", format::datetime(t)))
            .unwrap_or_default(),
    }
}

/// `2 acties met kosten, 1 zonder ingevulde kosten`.
fn logged_actions(with_cost: i64, without_cost: i64) -> String {
    let actions = |n: i64| if n == 1 { "actie" } else { "acties" };
    let mut text = match with_cost {
        0 => "geen acties met kosten".to_string(),
        n => format!("{n} {} met kosten", actions(n)),
    };
    if without_cost > 0 {
        text.push_str(&format!(
            ", {without_cost} {} zonder ingevulde kosten",
            actions(without_cost)
        ));
    }
    text
}

/// `a - b` as money, or `-` when a side is missing.
fn difference(a: Option<i64>, b: Option<i64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format::euro_cents(a - b),
        _ => "-".into(),
    }
}

/// The links at the top of a page with errors, to the fields they are about.
fn error_summary(
    payment_errors: &FieldErrors,
    spending: Option<&(SpendingForm, FieldErrors, bool)>,
) -> Vec<ErrorLink> {
    let mut links: Vec<ErrorLink> = payment_errors
        .iter()
        .map(|(field, message)| ErrorLink {
            anchor: format!("betaling-{field}"),
            message: message.to_string(),
        })
        .collect();
    if let Some((form, errors, _)) = spending {
        let year = form.jaar.trim();
        links.extend(errors.iter().map(|(field, message)| ErrorLink {
            anchor: match field {
                // A year outside the period has no form of its own.
                "jaar" => "overzicht".into(),
                "version" => format!("uitgaven-{year}"),
                other => format!("{other}-{year}"),
            },
            message: message.to_string(),
        }));
    }
    links
}

/// Builds the page, with a failed form's input and errors when `submitted` has them.
pub(super) async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    target: Target,
    submitted: Submitted,
) -> Result<BudgetPage> {
    let years = target.years();
    let mut stored = stored(state, target.p.partnership_id).await?;
    let signals = signals::of_partnership(&state.db, target.p.partnership_id).await?;
    let mut proposals = proposals(state, &target).await?;
    let (payment_input, payment_errors, spending_input) = match submitted {
        Submitted::Nothing => (None, FieldErrors::new(), None),
        Submitted::Payment(form, errors) => (Some(form), errors, None),
        Submitted::Spending {
            form,
            errors,
            conflict,
        } => (None, FieldErrors::new(), Some((form, errors, conflict))),
    };
    let error_summary = error_summary(&payment_errors, spending_input.as_ref());

    let mut sections = Vec::new();
    for &year in &years {
        let mut history: Vec<AllocationLine> = Vec::new();
        let mut allocated = None;
        for a in stored.allocations.extract_if(.., |a| a.year == year) {
            if a.superseded_at.is_none() {
                allocated = Some(a.amount_cents);
            }
            history.push(allocation_line(a));
        }
        let current = history
            .iter()
            .position(|a| a.superseded.is_empty())
            .map(|i| history.remove(i));

        let mut net_paid = 0;
        let payments: Vec<PaymentLine> = stored
            .payments
            .extract_if(.., |p| p.year == year)
            .map(|p| {
                net_paid += p.net_cents;
                PaymentLine::from(p)
            })
            .collect();
        let year_signals = signals
            .iter()
            .filter(|s| s.year == year)
            .map(|s| format!("{}: {}.", capitalised(s.label()), s.text()))
            .collect();

        let report = stored
            .reports
            .iter()
            .position(|r| r.year == year)
            .map(|i| stored.reports.remove(i));
        let logged = stored.logged.iter().find(|l| l.year == year);
        let logged_cents = logged.map_or(0, |l| l.cost_cents);

        let spending_form = spending_form_view(
            year,
            report.as_ref(),
            logged_cents,
            spending_input
                .as_ref()
                .filter(|(form, _, _)| form.jaar.trim() == year.to_string()),
        );
        let proposal = proposals
            .iter()
            .position(|(y, _)| *y == year)
            .map(|i| proposals.remove(i).1)
            .unwrap_or(ProposalView {
                amount: "-".into(),
                explanation: String::new(),
                settings: String::new(),
                rule: String::new(),
            });
        sections.push(YearSection {
            year,
            current,
            history,
            proposal,
            payments,
            signals: year_signals,
            logged_actions: logged_actions(
                logged.map_or(0, |l| l.with_cost),
                logged.map_or(0, |l| l.actions - l.with_cost),
            ),
            allocated: allocated.map_or_else(|| "geen toekenning".into(), format::euro_cents),
            net_paid: format::euro_cents(net_paid),
            reported: report.as_ref().map_or_else(
                || "niet gerapporteerd".into(),
                |r| format::euro_cents(r.total_cents()),
            ),
            logged: format::euro_cents(logged_cents),
            allocated_minus_paid: difference(allocated, Some(net_paid)),
            allocated_minus_reported: difference(
                allocated,
                report.as_ref().map(StoredReport::total_cents),
            ),
            actions_minus_logged: difference(
                report.as_ref().map(|r| r.actions_cents),
                Some(logged_cents),
            ),
            report: report.map(|r| ReportLine {
                staff: format::euro_cents(r.staff_cents),
                operating: format::euro_cents(r.operating_cents),
                actions: format::euro_cents(r.actions_cents),
                total: format::euro_cents(r.total_cents()),
                reported: who_when(r.reported_by, r.reported_at),
                note: r.note,
                version: r.version,
            }),
            spending_form,
        });
    }

    let payment_form = payment_form_view(&years, payment_input, payment_errors);
    Ok(BudgetPage {
        layout: signed_in
            .layout(format!("Budget {}", target.p.name))
            .await?,
        is_staff: matches!(signed_in.user.role, Role::Admin | Role::Ministry),
        years: sections,
        payment_form,
        error_summary,
        access: target.access,
        period: target.period,
        p: target.p,
    })
}
