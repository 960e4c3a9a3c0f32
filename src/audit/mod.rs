//! The audit trail: security events and changes, append-only (a trigger refuses UPDATE, DELETE
//! and TRUNCATE), written in the same transaction as the change it describes.
//!
//! Routes: `GET /admin/audit` (admins), with filters on action, user and dates.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::PgExecutor;

use crate::auth::AdminOnly;
use crate::database::Timestamp;
use crate::error::Result;
use crate::identity::{CurrentUser, Role};
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{RequestContext, format, render};

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

    fn from_code(code: &str) -> Option<Self> {
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

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(index))
}

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuditFilter {
    actie: String,
    gebruiker: String,
    van: String,
    tot: String,
    /// Keyset pagination: show entries older than this id.
    voor: Option<i64>,
}

struct AuditRow {
    id: i64,
    when: String,
    action: String,
    actor: String,
    object: String,
    details: String,
    client_ip: String,
    request_id: String,
}

#[derive(Template)]
#[template(path = "audit/index.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<AuditRow>,
    actions: Vec<Choice>,
    user_filter: String,
    from: String,
    to: String,
    problems: Vec<String>,
    older_link: Option<String>,
}

fn parse_date(value: &str, label: &str, problems: &mut Vec<String>) -> Option<NaiveDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = crate::web::forms::parse_any_date(value);
    if parsed.is_none() {
        problems.push(format!(
            "De datum '{label}' is niet geldig (dd/mm/jjjj); die filter werd niet toegepast."
        ));
    }
    parsed
}

async fn index(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Query(filter): Query<AuditFilter>,
) -> Result<Response> {
    let mut problems = Vec::new();
    let action = Action::from_code(filter.actie.trim());
    let from = parse_date(&filter.van, "van", &mut problems);
    let to = parse_date(&filter.tot, "tot en met", &mut problems);
    let user = filter.gebruiker.trim();

    let rows = sqlx::query!(
        r#"select e.audit_event_id, e.occurred_at as "occurred_at: Timestamp", e.action, e.object_type, e.object_id,
                  e.details, host(e.client_ip) as client_ip, e.request_id,
                  e.actor_role as "actor_role: Role",
                  u.email as "actor_email?", u.full_name as "actor_name?"
           from audit_events e
           left join users u on u.user_id = e.actor_user_id
           where ($1::text is null or e.action = $1)
             and ($2::text = '' or strpos(lower(u.email), lower($2)) > 0
                  or strpos(lower(u.full_name), lower($2)) > 0
                  or strpos(lower(e.details->>'email'), lower($2)) > 0)
             and ($3::date is null or e.occurred_at >= ($3::date::timestamp at time zone 'Europe/Brussels'))
             and ($4::date is null or e.occurred_at < (($4::date + 1)::timestamp at time zone 'Europe/Brussels'))
             and ($5::bigint is null or e.audit_event_id < $5)
           order by e.audit_event_id desc
           limit $6"#,
        action.map(Action::code),
        user,
        // chrono dates; the macros would otherwise expect the `time` crate's.
        from as _,
        to as _,
        filter.voor,
        PAGE_SIZE + 1,
    )
    .fetch_all(&state.db)
    .await?;

    let has_more = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<AuditRow> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| AuditRow {
            id: r.audit_event_id,
            when: format::datetime_seconds(r.occurred_at),
            action: Action::from_code(&r.action)
                .map_or(r.action.clone(), |a| a.label().to_string()),
            actor: actor(
                Action::from_code(&r.action),
                r.actor_name,
                r.actor_email,
                r.actor_role,
                &r.details,
            ),
            object: match (r.object_type, r.object_id) {
                (Some(kind), Some(id)) => format!("{} {id}", object_label(&kind)),
                _ => String::new(),
            },
            details: describe_details(&r.details),
            client_ip: r.client_ip.unwrap_or_default(),
            request_id: r.request_id.unwrap_or_default(),
        })
        .collect();

    let older_link = has_more
        .then(|| rows.last().map(|r| r.id))
        .flatten()
        .map(|last| {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("actie", filter.actie.trim())
                .append_pair("gebruiker", user)
                .append_pair("van", filter.van.trim())
                .append_pair("tot", filter.tot.trim())
                .append_pair("voor", &last.to_string())
                .finish();
            format!("/admin/audit?{query}")
        });

    render(&AuditPage {
        layout: admin.layout("Audit").await?,
        rows,
        actions: Action::ALL
            .iter()
            .map(|a| Choice::new(a.code(), a.label(), Some(*a) == action))
            .collect(),
        user_filter: user.to_string(),
        from: from
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        to: to
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        problems,
        older_link,
    })
}

/// Who did it, as the "Door" column says it. A failed or blocked sign-in was made by an
/// anonymous visitor, whoever's account it named: "onbekende bezoeker (aanmelding als
/// a@b.be mislukt)", even for entries recorded before the account was kept out of the actor.
fn actor(
    action: Option<Action>,
    name: Option<String>,
    email: Option<String>,
    role: Option<Role>,
    details: &serde_json::Value,
) -> String {
    let attempted = details
        .get("email")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("onbekend e-mailadres");
    match (action, name, email) {
        (Some(Action::SignInFailed), _, _) => {
            format!("onbekende bezoeker (aanmelding als {attempted} mislukt)")
        }
        (Some(Action::SignInThrottled), _, _) => {
            format!("onbekende bezoeker (aanmelding als {attempted} geblokkeerd)")
        }
        (_, Some(name), Some(email)) => {
            format!("{name} <{email}> ({})", role.map_or("", Role::label))
        }
        _ => "-".to_string(),
    }
}

/// The kind of object an entry names, in Dutch: `partnership` -> `werkingsgebied`.
fn object_label(kind: &str) -> &str {
    match kind {
        "agreement" => "samenwerkingsovereenkomst",
        "allocation_rule" => "verdeelregel",
        "appointment" => "aanstelling",
        "budget_envelope" => "budget (envelop)",
        "budget_year" => "budgetjaar",
        "commitment" => "engagement",
        "partnership" => "werkingsgebied",
        "payment" => "betaling",
        "policy_period" => "beleidsperiode",
        "report" => "jaarrapport",
        "report_deadline" => "indiendatum",
        "unemployment_year" => "jaar werkloosheidsgraden",
        "user" => "gebruiker",
        other => other,
    }
}

/// A detail's key in Dutch: `email` -> `e-mailadres`; an unknown key as it is.
fn detail_label(key: &str) -> &str {
    match key {
        "email" | "person_email" => "e-mailadres",
        "path" => "pagina",
        "method" => "methode",
        "role" => "rol",
        "name" => "naam",
        "from" => "van",
        "to" => "naar",
        "year" => "jaar",
        "motivation" => "motivering",
        "nis_code" => "NIS-code",
        "second_step" => "tweede stap",
        "previous" => "vorige",
        "partnership_id" | "partnership" => "werkingsgebied",
        "agreement_id" => "overeenkomst",
        "action_id" => "actie",
        "user_id" => "gebruiker",
        "reviewer_id" => "beoordelaar",
        "period" | "periods" => "beleidsperiode",
        "province" => "provincie",
        "source" => "bron",
        "budget" => "budget",
        "totals" => "totalen",
        "changes" => "wijzigingen",
        "due_on" => "indiendatum",
        "ended_on" => "einddatum",
        "noted_on" => "datum",
        "objective" => "doelstelling",
        "rate_bp" => "werkloosheidsgraad (basispunten)",
        "email_off" => "e-mails uit",
        "password_link" => "wachtwoordlink",
        "comment_id" => "opmerking",
        "note_id" => "nota",
        "error" => "fout",
        other => other,
    }
}

/// `{"email": "a@b.be", "path": "/x"}` -> `e-mailadres: a@b.be, pagina: /x` (escaped by the
/// template).
fn describe_details(details: &serde_json::Value) -> String {
    match details.as_object() {
        Some(map) => map
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{}: {s}", detail_label(k)),
                other => format!("{}: {other}", detail_label(k)),
            })
            .collect::<Vec<_>>()
            .join(", "),
        None => details.to_string(),
    }
}
