//! The kinds of notification and what one says.

use serde::{Deserialize, Serialize};

/// Stored as the PostgreSQL enum `notification_kind`. Users turn e-mail off per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "notification_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ReportSubmitted,
    ReportInReview,
    ReportSentBack,
    ReportApproved,
    ReportReopened,
    ReportMessage,
    DeadlineNear,
    DeadlinePassed,
    AppointmentApproved,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Self::ReportSubmitted,
        Self::ReportInReview,
        Self::ReportSentBack,
        Self::ReportApproved,
        Self::ReportReopened,
        Self::ReportMessage,
        Self::DeadlineNear,
        Self::DeadlinePassed,
        Self::AppointmentApproved,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::ReportSubmitted => "report_submitted",
            Self::ReportInReview => "report_in_review",
            Self::ReportSentBack => "report_sent_back",
            Self::ReportApproved => "report_approved",
            Self::ReportReopened => "report_reopened",
            Self::ReportMessage => "report_message",
            Self::DeadlineNear => "deadline_near",
            Self::DeadlinePassed => "deadline_passed",
            Self::AppointmentApproved => "appointment_approved",
        }
    }

    /// What the preferences page calls this kind.
    pub fn label(self) -> &'static str {
        match self {
            Self::ReportSubmitted => "Een jaarrapport is ingediend",
            Self::ReportInReview => "Een jaarrapport is in behandeling genomen",
            Self::ReportSentBack => "Een jaarrapport is teruggestuurd",
            Self::ReportApproved => "Een jaarrapport is goedgekeurd",
            Self::ReportReopened => "Een goedgekeurd jaarrapport is heropend",
            Self::ReportMessage => "Een nieuw bericht bij een jaarrapport",
            Self::DeadlineNear => "De indiendatum van een jaarrapport nadert (14 dagen)",
            Self::DeadlinePassed => "De indiendatum van een jaarrapport is voorbij",
            Self::AppointmentApproved => "Een aanstelling is goedgekeurd",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code.trim())
    }
}

/// One notification to send to one or more users.
#[derive(Clone, Debug)]
pub struct Notice {
    pub kind: Kind,
    /// One line: the list shows it and the e-mail uses it as subject.
    pub title: String,
    /// Optional detail (a remark, the start of a message). Plain text.
    pub body: String,
    /// A path on this site the notification leads to ("/jaarrapporten/12/2025").
    pub link: String,
    /// Set for events that must reach a user once only, however often they are detected
    /// (reminders: "deadline_near:2025:2026-03-31:12"). A second notice with the same key
    /// for the same user is ignored.
    pub dedupe_key: Option<String>,
}

impl Notice {
    pub fn new(kind: Kind, title: impl Into<String>, link: impl Into<String>) -> Self {
        Self {
            kind,
            title: title.into(),
            body: String::new(),
            link: link.into(),
            dedupe_key: None,
        }
    }

    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    pub fn once(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.code()), Some(kind));
        }
    }
}
