//! The audit trail: security events and changes, append-only (a trigger refuses UPDATE, DELETE
//! and TRUNCATE), written in the same transaction as the change it describes.
//!
//! Entries only: the page that lists them is the `trail` feature's.

use sqlx::PgExecutor;

use crate::error::Result;
use crate::identity::{CurrentUser, Role};
use crate::web::RequestContext;

/// What happened. The code is stored; the label is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    SignInSucceeded,
    SignInFailed,
    SignInThrottled,
    SignedOut,
    AccessDenied,
    UserCreated,
    UserUpdated,
    UserDeactivated,
    UserReactivated,
    PasswordReset,
    PasswordChanged,
    PeriodCreated,
    PeriodUpdated,
    PartnershipCreated,
    PartnershipUpdated,
    MemberAdded,
    MemberRemoved,
    PartnershipCarriedOver,
    AppointmentRequested,
    AppointmentApproved,
    AppointmentRejected,
    AppointmentEnded,
    PasswordSetByLink,
    DemoDataLoaded,
    MfaEnrolled,
    MfaFailed,
    MfaRecoveryCodeUsed,
    MfaReset,
    AgreementCreated,
    AgreementUpdated,
    AgreementStatusChanged,
    AgreementCommented,
    CommitmentCreated,
    CommitmentUpdated,
    CommitmentNoteAdded,
    CommitmentActionLinked,
    CommitmentActionUnlinked,
    MeetingRecorded,
    DocumentUploaded,
    DocumentDeleted,
    VdabAssigned,
    VdabUnassigned,
    EnvelopeSet,
    AllocationRuleAdded,
    UnemploymentRatesEntered,
    AllocationsFixed,
    PaymentRecorded,
    SpendingReported,
    ReportSaved,
    ReportStatusChanged,
    ReportChecklistUpdated,
    ReportMessagePosted,
    ReviewerAssigned,
    ReportDeadlineSet,
    ReportChecksRequired,
    PaymentCorrected,
    NotificationPreferencesChanged,
}

impl Action {
    pub const ALL: &[Action] = &[
        Self::SignInSucceeded,
        Self::SignInFailed,
        Self::SignInThrottled,
        Self::SignedOut,
        Self::AccessDenied,
        Self::UserCreated,
        Self::UserUpdated,
        Self::UserDeactivated,
        Self::UserReactivated,
        Self::PasswordReset,
        Self::PasswordChanged,
        Self::PeriodCreated,
        Self::PeriodUpdated,
        Self::PartnershipCreated,
        Self::PartnershipUpdated,
        Self::MemberAdded,
        Self::MemberRemoved,
        Self::PartnershipCarriedOver,
        Self::AppointmentRequested,
        Self::AppointmentApproved,
        Self::AppointmentRejected,
        Self::AppointmentEnded,
        Self::PasswordSetByLink,
        Self::DemoDataLoaded,
        Self::MfaEnrolled,
        Self::MfaFailed,
        Self::MfaRecoveryCodeUsed,
        Self::MfaReset,
        Self::AgreementCreated,
        Self::AgreementUpdated,
        Self::AgreementStatusChanged,
        Self::AgreementCommented,
        Self::CommitmentCreated,
        Self::CommitmentUpdated,
        Self::CommitmentNoteAdded,
        Self::CommitmentActionLinked,
        Self::CommitmentActionUnlinked,
        Self::MeetingRecorded,
        Self::DocumentUploaded,
        Self::DocumentDeleted,
        Self::VdabAssigned,
        Self::VdabUnassigned,
        Self::EnvelopeSet,
        Self::AllocationRuleAdded,
        Self::UnemploymentRatesEntered,
        Self::AllocationsFixed,
        Self::PaymentRecorded,
        Self::SpendingReported,
        Self::ReportSaved,
        Self::ReportStatusChanged,
        Self::ReportChecklistUpdated,
        Self::ReportMessagePosted,
        Self::ReviewerAssigned,
        Self::ReportDeadlineSet,
        Self::ReportChecksRequired,
        Self::PaymentCorrected,
        Self::NotificationPreferencesChanged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::SignInSucceeded => "sign_in.succeeded",
            Self::SignInFailed => "sign_in.failed",
            Self::SignInThrottled => "sign_in.throttled",
            Self::SignedOut => "sign_out",
            Self::AccessDenied => "access.denied",
            Self::UserCreated => "user.created",
            Self::UserUpdated => "user.updated",
            Self::UserDeactivated => "user.deactivated",
            Self::UserReactivated => "user.reactivated",
            Self::PasswordReset => "user.password_reset",
            Self::PasswordChanged => "user.password_changed",
            Self::PeriodCreated => "policy_period.created",
            Self::PeriodUpdated => "policy_period.updated",
            Self::PartnershipCreated => "partnership.created",
            Self::PartnershipUpdated => "partnership.updated",
            Self::MemberAdded => "partnership.member_added",
            Self::MemberRemoved => "partnership.member_removed",
            Self::PartnershipCarriedOver => "partnership.carried_over",
            Self::AppointmentRequested => "appointment.requested",
            Self::AppointmentApproved => "appointment.approved",
            Self::AppointmentRejected => "appointment.rejected",
            Self::AppointmentEnded => "appointment.ended",
            Self::PasswordSetByLink => "user.password_set_by_link",
            Self::DemoDataLoaded => "demo.loaded",
            Self::MfaEnrolled => "mfa.enrolled",
            Self::MfaFailed => "mfa.failed",
            Self::MfaRecoveryCodeUsed => "mfa.recovery_code_used",
            Self::MfaReset => "mfa.reset",
            Self::AgreementCreated => "agreement.created",
            Self::AgreementUpdated => "agreement.updated",
            Self::AgreementStatusChanged => "agreement.status_changed",
            Self::AgreementCommented => "agreement.commented",
            Self::CommitmentCreated => "commitment.created",
            Self::CommitmentUpdated => "commitment.updated",
            Self::CommitmentNoteAdded => "commitment.note_added",
            Self::CommitmentActionLinked => "commitment.action_linked",
            Self::CommitmentActionUnlinked => "commitment.action_unlinked",
            Self::MeetingRecorded => "agreement.meeting_recorded",
            Self::DocumentUploaded => "agreement.document_uploaded",
            Self::DocumentDeleted => "agreement.document_deleted",
            Self::VdabAssigned => "vdab.assigned",
            Self::VdabUnassigned => "vdab.unassigned",
            Self::EnvelopeSet => "budget.envelope_set",
            Self::AllocationRuleAdded => "budget.rule_added",
            Self::UnemploymentRatesEntered => "budget.unemployment_rates_entered",
            Self::AllocationsFixed => "budget.allocations_fixed",
            Self::PaymentRecorded => "budget.payment_recorded",
            Self::SpendingReported => "budget.spending_reported",
            Self::ReportSaved => "report.saved",
            Self::ReportStatusChanged => "report.status_changed",
            Self::ReportChecklistUpdated => "report.checklist_updated",
            Self::ReportMessagePosted => "report.message_posted",
            Self::ReviewerAssigned => "report.reviewer_assigned",
            Self::ReportDeadlineSet => "report.deadline_set",
            Self::ReportChecksRequired => "report.checks_required",
            Self::PaymentCorrected => "budget.payment_corrected",
            Self::NotificationPreferencesChanged => "notification.preferences_changed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SignInSucceeded => "Aangemeld",
            Self::SignInFailed => "Aanmelden mislukt",
            Self::SignInThrottled => "Aanmelden tijdelijk geblokkeerd",
            Self::SignedOut => "Afgemeld",
            Self::AccessDenied => "Toegang geweigerd",
            Self::UserCreated => "Gebruiker aangemaakt",
            Self::UserUpdated => "Gebruiker gewijzigd",
            Self::UserDeactivated => "Gebruiker gedeactiveerd",
            Self::UserReactivated => "Gebruiker opnieuw geactiveerd",
            Self::PasswordReset => "Wachtwoord opnieuw ingesteld",
            Self::PasswordChanged => "Wachtwoord gewijzigd",
            Self::PeriodCreated => "Beleidsperiode aangemaakt",
            Self::PeriodUpdated => "Beleidsperiode gewijzigd",
            Self::PartnershipCreated => "Werkingsgebied aangemaakt",
            Self::PartnershipUpdated => "Werkingsgebied gewijzigd",
            Self::MemberAdded => "Gemeente toegevoegd aan werkingsgebied",
            Self::MemberRemoved => "Gemeente verwijderd uit werkingsgebied",
            Self::PartnershipCarriedOver => "Werkingsgebied overgedragen naar volgende periode",
            Self::AppointmentRequested => "Aanstelling aangevraagd",
            Self::AppointmentApproved => "Aanstelling goedgekeurd",
            Self::AppointmentRejected => "Aanstelling afgewezen",
            Self::AppointmentEnded => "Aanstelling beëindigd",
            Self::PasswordSetByLink => "Wachtwoord ingesteld via eenmalige link",
            Self::DemoDataLoaded => "Demogegevens geladen",
            Self::MfaEnrolled => "Tweestapsverificatie ingesteld",
            Self::MfaFailed => "Verkeerde verificatiecode",
            Self::MfaRecoveryCodeUsed => "Herstelcode gebruikt",
            Self::MfaReset => "Tweestapsverificatie gewist",
            Self::AgreementCreated => "Samenwerkingsovereenkomst aangemaakt",
            Self::AgreementUpdated => "Samenwerkingsovereenkomst gewijzigd",
            Self::AgreementStatusChanged => "Status van samenwerkingsovereenkomst gewijzigd",
            Self::AgreementCommented => "Opmerking bij samenwerkingsovereenkomst",
            Self::CommitmentCreated => "Engagement toegevoegd",
            Self::CommitmentUpdated => "Engagement gewijzigd",
            Self::CommitmentNoteAdded => "Voortgangsnota toegevoegd",
            Self::CommitmentActionLinked => "Actie gekoppeld aan engagement",
            Self::CommitmentActionUnlinked => "Actie losgekoppeld van engagement",
            Self::MeetingRecorded => "Opvolgingsmoment vastgelegd",
            Self::DocumentUploaded => "Document opgeladen",
            Self::DocumentDeleted => "Document verwijderd",
            Self::VdabAssigned => "Werkingsgebied toegewezen aan VDAB-accountmanager",
            Self::VdabUnassigned => "Toewijzing aan VDAB-accountmanager ingetrokken",
            Self::EnvelopeSet => "Budget (envelop) van een jaar vastgelegd of gewijzigd",
            Self::AllocationRuleAdded => "Versie van de verdeelregel toegevoegd",
            Self::UnemploymentRatesEntered => "Werkloosheidsgraden ingevoerd",
            Self::AllocationsFixed => "Toekenningen vastgelegd",
            Self::PaymentRecorded => "Betaling geregistreerd",
            Self::SpendingReported => "Uitgaven gerapporteerd",
            Self::ReportSaved => "Jaarrapport (toelichting) bewaard",
            Self::ReportStatusChanged => "Status van jaarrapport gewijzigd",
            Self::ReportChecklistUpdated => "Controlelijst van jaarrapport bijgewerkt",
            Self::ReportMessagePosted => "Bericht bij jaarrapport",
            Self::ReviewerAssigned => "Beoordelaar van werkingsgebied toegewezen",
            Self::ReportDeadlineSet => "Indiendatum van jaarrapporten vastgelegd",
            Self::ReportChecksRequired => "Verplichte controles van jaarrapporten vastgelegd",
            Self::PaymentCorrected => "Betaling gecorrigeerd (tegenboeking)",
            Self::NotificationPreferencesChanged => "Voorkeuren voor e-mailmeldingen gewijzigd",
        }
    }

    /// The action stored as `code`, if it is one.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.code() == code)
    }
}

/// One audit entry, built up and then recorded.
pub struct Entry {
    action: Action,
    actor: Option<(i64, Role)>,
    object: Option<(&'static str, String)>,
    details: serde_json::Value,
}

impl Entry {
    pub fn new(action: Action) -> Self {
        Self {
            action,
            actor: None,
            object: None,
            details: serde_json::json!({}),
        }
    }

    pub fn actor(self, user: &CurrentUser) -> Self {
        self.actor_id(user.user_id, user.role)
    }

    pub fn actor_id(mut self, user_id: i64, role: Role) -> Self {
        self.actor = Some((user_id, role));
        self
    }

    pub fn object(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.object = Some((kind, id.to_string()));
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// Writes the entry; pass the transaction of the change it describes.
    pub async fn record(self, db: impl PgExecutor<'_>, ctx: &RequestContext) -> Result<()> {
        sqlx::query!(
            r#"insert into audit_events
                   (actor_user_id, actor_role, action, object_type, object_id, details, client_ip, request_id)
               values ($1, $2, $3, $4, $5, $6, $7::text::inet, $8)"#,
            self.actor.map(|(id, _)| id),
            self.actor.map(|(_, role)| role) as Option<Role>,
            self.action.code(),
            self.object.as_ref().map(|(kind, _)| *kind),
            self.object.as_ref().map(|(_, id)| id.as_str()),
            self.details,
            ctx.client_ip.map(|ip| ip.to_string()),
            ctx.request_id.as_deref(),
        )
        .execute(db)
        .await?;
        Ok(())
    }
}
