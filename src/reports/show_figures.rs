//! The report's figures as the pages show them (money and dates formatted): one view for the
//! report page, a frozen submission and the differences page.

use chrono::NaiveDate;

use super::assemble::{AgreementFigures, ReportData};
use crate::web::format;

/// The figures of [`ReportData`], formatted for a page.
pub struct FiguresView {
    pub municipalities: String,
    pub priorities: Vec<PriorityLine>,
    pub all_met: bool,
    pub actions_total: i64,
    pub cancelled: Vec<String>,
    pub reach: Vec<ReachLine>,
    pub reach_planned: String,
    pub reach_reached: String,
    pub partners: Vec<(String, String)>,
    pub agreements: Vec<AgreementView>,
    pub budget: Vec<(&'static str, String)>,
}

pub struct PriorityLine {
    pub code: String,
    pub label: String,
    pub count: i64,
    pub met: bool,
    pub titles: String,
}

pub struct ReachLine {
    pub label: String,
    pub planned: String,
    pub reached: String,
}

pub struct AgreementView {
    pub title: String,
    pub status: String,
    pub dates: String,
    pub signed_on: String,
    /// (description, owner, deadline, status).
    pub commitments: Vec<(String, String, String, String)>,
    /// (date, participants, decisions, commitments followed).
    pub meetings: Vec<(String, String, String, i64)>,
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(format::date).unwrap_or_else(|| "-".into())
}

/// `€ 3.000,00`, or "niet gerapporteerd" for what is missing.
fn money(cents: Option<i64>, missing: &str) -> String {
    cents
        .map(format::euro_cents)
        .unwrap_or_else(|| missing.into())
}

impl From<&AgreementFigures> for AgreementView {
    fn from(a: &AgreementFigures) -> Self {
        Self {
            title: a.title.clone(),
            status: a.status.clone(),
            dates: format!("{} - {}", day(a.starts_on), day(a.ends_on)),
            signed_on: day(a.signed_on),
            commitments: a
                .commitments
                .iter()
                .map(|c| {
                    (
                        c.description.clone(),
                        c.owner.clone(),
                        day(c.deadline),
                        c.status.clone(),
                    )
                })
                .collect(),
            meetings: a
                .meetings
                .iter()
                .map(|m| {
                    (
                        day(m.held_on),
                        m.participants.clone(),
                        m.decisions.clone(),
                        m.commitments_followed,
                    )
                })
                .collect(),
        }
    }
}

impl FiguresView {
    pub fn new(data: &ReportData) -> Self {
        Self {
            municipalities: if data.municipalities.is_empty() {
                "-".into()
            } else {
                data.municipalities.join(", ")
            },
            priorities: data
                .priorities
                .iter()
                .map(|p| PriorityLine {
                    code: p.code.clone(),
                    label: p.label.clone(),
                    count: p.count,
                    met: p.met(),
                    titles: p.titles.join(" · "),
                })
                .collect(),
            all_met: data.all_priorities_met(),
            actions_total: data.actions_total,
            cancelled: data.cancelled.clone(),
            reach: data
                .reach
                .iter()
                .map(|r| ReachLine {
                    label: r.label.clone(),
                    planned: format::thousands(r.planned),
                    reached: format::thousands(r.reached),
                })
                .collect(),
            reach_planned: format::thousands(data.reach_planned()),
            reach_reached: format::thousands(data.reach_reached()),
            partners: data
                .partners
                .iter()
                .map(|p| (p.name.clone(), p.kind.clone()))
                .collect(),
            agreements: data.agreements.iter().map(AgreementView::from).collect(),
            budget: budget_lines(data),
        }
    }
}

/// The budget as label and formatted amount, in the order the page and the differences show.
pub fn budget_lines(data: &ReportData) -> Vec<(&'static str, String)> {
    let b = &data.budget;
    vec![
        ("Toegekend", money(b.allocated_cents, "nog niet toegekend")),
        ("Uitbetaald (netto)", format::euro_cents(b.paid_cents)),
        (
            "Besteed (gerapporteerd)",
            money(b.spent_cents, "niet gerapporteerd"),
        ),
        (
            "Kosten gelogd op acties",
            format::euro_cents(b.action_costs_cents),
        ),
    ]
}
