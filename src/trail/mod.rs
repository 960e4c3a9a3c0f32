//! The audit trail's page for admins: every entry of [`crate::audit`], newest first, with
//! filters on action, user and dates, and its details in words.
//!
//! Route: `GET /admin/audit` (admins).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::audit::Action;
use crate::auth::AdminOnly;
use crate::database::Timestamp;
use crate::error::Result;
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{format, render};

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
#[template(path = "trail/index.html")]
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
