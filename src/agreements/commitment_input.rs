//! A commitment's fields: as typed on the form ([`CommitmentForm`], kept for re-rendering) and
//! validated with a Dutch message per wrong field into a [`CommitmentInput`].

use chrono::NaiveDate;
use serde::Deserialize;

use super::commitments::Commitment;
use super::model::{CommitmentSide, CommitmentStatus, OBJECTIVES, objective_label};
use crate::web::format;
use crate::web::forms::{self, FieldErrors, parse_date};

/// A valid commitment, ready to store.
#[derive(Clone, Debug)]
pub struct CommitmentInput {
    pub objective: i16,
    pub description: String,
    pub owner_side: CommitmentSide,
    pub owner_name: String,
    pub indicator: String,
    pub target_value: String,
    pub deadline: NaiveDate,
    pub status: CommitmentStatus,
}

impl CommitmentInput {
    /// Every field as (code, Dutch label, shown value): for the conflict page and the audit.
    pub fn describe(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            (
                "objective",
                "Doelstelling",
                objective_label(self.objective).to_string(),
            ),
            ("description", "Beschrijving", self.description.clone()),
            ("owner_side", "Trekker", self.owner_side.label().to_string()),
            ("owner_name", "Verantwoordelijke", self.owner_name.clone()),
            ("indicator", "Indicator", self.indicator.clone()),
            ("target_value", "Streefwaarde", self.target_value.clone()),
            ("deadline", "Deadline", format::date(self.deadline)),
            ("status", "Status", self.status.label().to_string()),
        ]
    }
}

/// What the user typed, kept as text so that a form with errors shows it again.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommitmentForm {
    pub objective: String,
    pub description: String,
    pub owner_side: String,
    pub owner_name: String,
    pub indicator: String,
    pub target_value: String,
    pub deadline: String,
    pub status: String,
    pub version: String,
    pub idempotency_key: String,
}

impl CommitmentForm {
    pub fn of(c: &Commitment) -> Self {
        let i = &c.input;
        Self {
            objective: i.objective.to_string(),
            description: i.description.clone(),
            owner_side: i.owner_side.code().into(),
            owner_name: i.owner_name.clone(),
            indicator: i.indicator.clone(),
            target_value: i.target_value.clone(),
            deadline: i.deadline.to_string(),
            status: i.status.code().into(),
            version: c.version.to_string(),
            idempotency_key: String::new(),
        }
    }

    /// The fields to send again from the conflict page, against `version`.
    pub fn resubmitted(&self, version: i32) -> Vec<(&'static str, String)> {
        vec![
            ("objective", self.objective.clone()),
            ("description", self.description.clone()),
            ("owner_side", self.owner_side.clone()),
            ("owner_name", self.owner_name.clone()),
            ("indicator", self.indicator.clone()),
            ("target_value", self.target_value.clone()),
            ("deadline", self.deadline.clone()),
            ("status", self.status.clone()),
            ("version", version.to_string()),
        ]
    }
}

pub fn validate(form: &CommitmentForm) -> (Option<CommitmentInput>, FieldErrors) {
    let mut errors = FieldErrors::new();
    let objective = form
        .objective
        .trim()
        .parse::<i16>()
        .ok()
        .filter(|n| OBJECTIVES.iter().any(|(o, _)| o == n));
    if objective.is_none() {
        errors.add("objective", "Kies een van de drie doelstellingen van VDAB.");
    }
    let description = form.description.trim().to_string();
    if description.is_empty() {
        errors.add("description", "Vul de beschrijving in.");
    } else if description.chars().count() > 2000 {
        errors.add(
            "description",
            "De beschrijving mag hoogstens 2.000 tekens lang zijn.",
        );
    }
    let owner_side = CommitmentSide::parse(&form.owner_side);
    if owner_side.is_none() {
        errors.add(
            "owner_side",
            "Kies wie het engagement trekt: lokaal bestuur, VDAB of beide.",
        );
    }
    let owner_name = forms::text(
        &mut errors,
        "owner_name",
        "de naam van de verantwoordelijke",
        &form.owner_name,
        200,
    );
    let indicator = forms::text(
        &mut errors,
        "indicator",
        "de indicator",
        &form.indicator,
        500,
    );
    let target_value = forms::text(
        &mut errors,
        "target_value",
        "de streefwaarde",
        &form.target_value,
        200,
    );
    let deadline = parse_date(&form.deadline);
    if deadline.is_none() {
        errors.add(
            "deadline",
            "Vul een geldige deadline in (dd/mm/jjjj), tussen 2000 en 2100.",
        );
    }
    let status = CommitmentStatus::parse(&form.status);
    if status.is_none() {
        errors.add("status", "Kies een status.");
    }
    let input = match (objective, owner_side, deadline, status) {
        (Some(objective), Some(owner_side), Some(deadline), Some(status)) if errors.is_empty() => {
            Some(CommitmentInput {
                objective,
                description,
                owner_side,
                owner_name,
                indicator,
                target_value,
                deadline,
                status,
            })
        }
        _ => None,
    };
    (input, errors)
}
