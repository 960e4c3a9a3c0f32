//! The report's status and who may move it where: one table, used by the pages to offer only
//! what is allowed and by the handlers to refuse the rest. The database checks the same steps
//! (`report_transition_allowed` in the migration).

use serde::{Deserialize, Serialize};

use crate::identity::Role;

/// Stored as the PostgreSQL enum `report_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "report_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Concept,
    Ingediend,
    InBehandeling,
    Goedgekeurd,
    Teruggestuurd,
}

impl ReportStatus {
    pub const ALL: [ReportStatus; 5] = [
        Self::Concept,
        Self::Ingediend,
        Self::InBehandeling,
        Self::Goedgekeurd,
        Self::Teruggestuurd,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Concept => "concept",
            Self::Ingediend => "ingediend",
            Self::InBehandeling => "in_behandeling",
            Self::Goedgekeurd => "goedgekeurd",
            Self::Teruggestuurd => "teruggestuurd",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Concept => "Concept",
            Self::Ingediend => "Ingediend",
            Self::InBehandeling => "In behandeling",
            Self::Goedgekeurd => "Goedgekeurd",
            Self::Teruggestuurd => "Teruggestuurd",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    /// The regisseur holds the report: they may edit the narrative.
    pub fn editable(self) -> bool {
        matches!(self, Self::Concept | Self::Teruggestuurd)
    }

    /// The department is reviewing it: the checklist is filled in now.
    pub fn under_review(self) -> bool {
        matches!(self, Self::Ingediend | Self::InBehandeling)
    }

    /// Counts as handed in for the deadline (submitted at least once and not sent back).
    pub fn handed_in(self) -> bool {
        matches!(
            self,
            Self::Ingediend | Self::InBehandeling | Self::Goedgekeurd
        )
    }
}

/// A step of the workflow, as the forms name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// concept or teruggestuurd -> ingediend (the regisseur).
    Submit,
    /// ingediend -> in behandeling (ministry staff).
    TakeUp,
    /// in behandeling -> goedgekeurd (ministry staff).
    Approve,
    /// in behandeling -> teruggestuurd, with remarks (ministry staff).
    SendBack,
    /// goedgekeurd -> in behandeling, with a reason (ministry staff).
    Reopen,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Self::Submit,
        Self::TakeUp,
        Self::Approve,
        Self::SendBack,
        Self::Reopen,
    ];

    /// The status this step leads to from `from`, if it may be taken from there.
    pub fn from(self, from: ReportStatus) -> Option<ReportStatus> {
        use ReportStatus::*;
        match (self, from) {
            (Self::Submit, Concept | Teruggestuurd) => Some(Ingediend),
            (Self::TakeUp, Ingediend) => Some(InBehandeling),
            (Self::Approve, InBehandeling) => Some(Goedgekeurd),
            (Self::SendBack, InBehandeling) => Some(Teruggestuurd),
            (Self::Reopen, Goedgekeurd) => Some(InBehandeling),
            _ => None,
        }
    }

    /// Whether the step needs a written reason (remarks of a send-back, reason of a reopening).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::SendBack | Self::Reopen)
    }

    /// Who takes this step: the werkingsgebied's own regisseur submits; ministry staff and
    /// admins do the rest. Whether a regisseur is the *own* one is checked by `access`.
    pub fn taken_by(self, role: Role) -> bool {
        match self {
            Self::Submit => role == Role::Regisseur,
            Self::TakeUp | Self::Approve | Self::SendBack | Self::Reopen => {
                matches!(role, Role::Ministry | Role::Admin)
            }
        }
    }

    /// The last segment of the step's route: `POST /jaarrapporten/{id}/{year}/{slug}`.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Submit => "indienen",
            Self::TakeUp => "in-behandeling",
            Self::Approve => "goedkeuren",
            Self::SendBack => "terugsturen",
            Self::Reopen => "heropenen",
        }
    }

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Submit => "Indienen",
            Self::TakeUp => "In behandeling nemen",
            Self::Approve => "Goedkeuren",
            Self::SendBack => "Terugsturen",
            Self::Reopen => "Heropenen",
        }
    }

    pub fn parse(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_follow_the_workflow_and_nothing_else() {
        use ReportStatus::*;
        let mut allowed = Vec::new();
        for step in Step::ALL {
            for from in ReportStatus::ALL {
                if let Some(to) = step.from(from) {
                    allowed.push((from, to));
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                (Concept, Ingediend),
                (Teruggestuurd, Ingediend),
                (Ingediend, InBehandeling),
                (InBehandeling, Goedgekeurd),
                (InBehandeling, Teruggestuurd),
                (Goedgekeurd, InBehandeling),
            ]
        );
    }

    #[test]
    fn regisseurs_submit_and_staff_review() {
        for role in Role::ALL {
            assert_eq!(Step::Submit.taken_by(role), role == Role::Regisseur);
            for step in [Step::TakeUp, Step::Approve, Step::SendBack, Step::Reopen] {
                assert_eq!(
                    step.taken_by(role),
                    matches!(role, Role::Ministry | Role::Admin),
                    "{step:?} by {role:?}"
                );
            }
        }
    }

    #[test]
    fn slugs_and_codes_round_trip() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.slug()), Some(step));
        }
        for status in ReportStatus::ALL {
            assert_eq!(ReportStatus::parse(status.code()), Some(status));
        }
    }
}
