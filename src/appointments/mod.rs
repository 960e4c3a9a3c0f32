//! Regisseur appointments (aanstellingen): requested, then approved or rejected by an admin,
//! later ended. Approval creates or re-activates the regisseur's account and gives the admin a
//! one-time link to pass on; ending removes the regisseur's write access at once.
//!
//! Routes: `GET /aanstellingen`, `GET/POST /aanstellingen/nieuw`, `GET /aanstellingen/{id}`
//! (ministry staff and admins); `POST /aanstellingen/{id}/goedkeuren`, `.../afwijzen`,
//! `.../beeindigen` (admins).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor};

use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn, StaffOnly, password_link};
use crate::database::Timestamp;
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::state::AppState;
use crate::users::is_plausible_email;
use crate::web::extract::{Form, Path, Query};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "appointment_status", rename_all = "lowercase")]
pub enum Status {
    Aangevraagd,
    Goedgekeurd,
    Afgewezen,
    Beeindigd,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Self::Aangevraagd,
        Self::Goedgekeurd,
        Self::Afgewezen,
        Self::Beeindigd,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Aangevraagd => "aangevraagd",
            Self::Goedgekeurd => "goedgekeurd",
            Self::Afgewezen => "afgewezen",
            Self::Beeindigd => "beeindigd",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Aangevraagd => "aangevraagd",
            Self::Goedgekeurd => "goedgekeurd",
            Self::Afgewezen => "afgewezen",
            Self::Beeindigd => "beëindigd",
        }
    }
}

/// FTE as Belgians write it: `0,80`.
fn fte_label(hundredths: i64) -> String {
    format!("{},{:02}", hundredths / 100, hundredths % 100)
}

/// An appointment with the names of who asked and who decided, for pages.
pub struct Appointment {
    pub appointment_id: i64,
    pub partnership_id: i64,
    pub partnership_name: String,
    pub period_name: String,
    pub person_name: String,
    pub person_email: String,
    pub fte_hundredths: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: Status,
    pub requested_by: Option<String>,
    pub requested_at: Timestamp,
    pub request_note: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
    pub decision_motivation: String,
    pub ended_by: Option<String>,
    pub ended_on: Option<NaiveDate>,
    pub end_motivation: String,
    pub user_id: Option<i64>,
    pub is_demo: bool,
}

async fn load(
    db: impl PgExecutor<'_>,
    partnership: Option<i64>,
    id: Option<i64>,
) -> Result<Vec<Appointment>> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"select a.appointment_id, a.partnership_id, p.name as partnership_name,
                  pp.name as period_name, a.person_name, a.person_email,
                  (a.fte * 100)::bigint as "fte_hundredths!",
                  a.starts_on as "starts_on: NaiveDate", a.ends_on as "ends_on: NaiveDate",
                  a.status as "status: Status",
                  rq.full_name as "requested_by?", a.requested_at as "requested_at: Timestamp",
                  a.request_note,
                  dc.full_name as "decided_by?", a.decided_at as "decided_at: Timestamp",
                  a.decision_motivation,
                  en.full_name as "ended_by?", a.ended_on as "ended_on: NaiveDate",
                  a.end_motivation, a.user_id, a.is_demo
           from appointments a
           join partnerships p on p.partnership_id = a.partnership_id
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           left join users rq on rq.user_id = a.requested_by
           left join users dc on dc.user_id = a.decided_by
           left join users en on en.user_id = a.ended_by
           where ($1::bigint is null or a.partnership_id = $1)
             and ($2::bigint is null or a.appointment_id = $2)
           order by a.appointment_id desc"#,
        partnership,
        id
    )
    .fetch_all(db)
    .await?)
}

/// One line of a werkingsgebied's appointment history.
pub struct HistoryLine {
    pub appointment_id: i64,
    pub person_name: String,
    pub fte: String,
    pub dates: String,
    pub status: Status,
    pub requested: String,
    pub decided: String,
    pub motivation: String,
}

fn by(name: &Option<String>) -> String {
    name.as_deref()
        .map_or_else(String::new, |n| format!(" door {n}"))
}

impl Appointment {
    fn dates(&self) -> String {
        match self.ended_on {
            Some(ended) => format!(
                "{} - {} (beëindigd op {})",
                format::date(self.starts_on),
                format::date(self.ends_on),
                format::date(ended)
            ),
            None => format!(
                "{} - {}",
                format::date(self.starts_on),
                format::date(self.ends_on)
            ),
        }
    }

    fn requested(&self) -> String {
        format!(
            "{}{}",
            format::datetime(self.requested_at),
            by(&self.requested_by)
        )
    }

    fn decided(&self) -> String {
        match self.decided_at {
            Some(at) => format!("{}{}", format::datetime(at), by(&self.decided_by)),
            None => String::new(),
        }
    }

    fn motivation(&self) -> String {
        [
            self.decision_motivation.as_str(),
            self.end_motivation.as_str(),
        ]
        .into_iter()
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

/// Who asked, who decided, when and why, newest first.
pub async fn history(db: impl PgExecutor<'_>, partnership_id: i64) -> Result<Vec<HistoryLine>> {
    Ok(load(db, Some(partnership_id), None)
        .await?
        .into_iter()
        .map(|a| HistoryLine {
            appointment_id: a.appointment_id,
            fte: fte_label(a.fte_hundredths),
            dates: a.dates(),
            requested: a.requested(),
            decided: a.decided(),
            motivation: a.motivation(),
            status: a.status,
            person_name: a.person_name,
        })
        .collect())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/aanstellingen", get(index))
        .route("/aanstellingen/nieuw", get(new).post(create))
        .route("/aanstellingen/{id}", get(show))
        .route("/aanstellingen/{id}/goedkeuren", post(approve))
        .route("/aanstellingen/{id}/afwijzen", post(reject))
        .route("/aanstellingen/{id}/beeindigen", post(end))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: String,
}

struct ListRow {
    id: i64,
    partnership_id: i64,
    partnership: String,
    period: String,
    person: String,
    fte: String,
    dates: String,
    status: &'static str,
    requested: String,
}

struct StatusChoice {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "appointments/index.html")]
struct AppointmentsPage {
    layout: Layout,
    rows: Vec<ListRow>,
    statuses: Vec<StatusChoice>,
}

async fn index(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let wanted = Status::ALL.into_iter().find(|s| s.code() == query.status);
    let rows = load(&state.db, None, None)
        .await?
        .into_iter()
        .filter(|a| wanted.is_none_or(|w| a.status == w))
        .map(|a| ListRow {
            id: a.appointment_id,
            partnership_id: a.partnership_id,
            fte: fte_label(a.fte_hundredths),
            dates: a.dates(),
            status: a.status.label(),
            requested: a.requested(),
            partnership: a.partnership_name,
            period: a.period_name,
            person: a.person_name,
        })
        .collect();
    render(&AppointmentsPage {
        layout: staff.layout("Aanstellingen").await?,
        rows,
        statuses: Status::ALL
            .into_iter()
            .map(|s| StatusChoice {
                code: s.code(),
                label: s.label(),
                selected: Some(s) == wanted,
            })
            .collect(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RequestForm {
    partnership_id: String,
    person_name: String,
    person_email: String,
    fte: String,
    starts_on: String,
    ends_on: String,
    request_note: String,
}

struct PartnershipChoice {
    id: i64,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "appointments/new.html")]
struct NewAppointmentPage {
    layout: Layout,
    partnerships: Vec<PartnershipChoice>,
    form: RequestForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    werkingsgebied: Option<i64>,
}

async fn partnership_choices(
    state: &AppState,
    selected: Option<i64>,
) -> Result<Vec<PartnershipChoice>> {
    let rows = sqlx::query!(
        r#"select p.partnership_id, p.name, pp.name as period
           from partnerships p join policy_periods pp using (policy_period_id)
           order by pp.starts_on desc, lower(p.name)"#
    )
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PartnershipChoice {
            selected: Some(r.partnership_id) == selected,
            id: r.partnership_id,
            label: format!("{} ({})", r.name, r.period),
        })
        .collect())
}

async fn new(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    Query(query): Query<NewQuery>,
) -> Result<Response> {
    let form = RequestForm {
        fte: "1,00".into(),
        partnership_id: query
            .werkingsgebied
            .map(|id| id.to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    render(&NewAppointmentPage {
        layout: staff.layout("Aanstelling aanvragen").await?,
        partnerships: partnership_choices(&state, query.werkingsgebied).await?,
        form,
        errors: FieldErrors::new(),
    })
}

/// `0,8`, `0.80` or `1` -> hundredths of an FTE, when between 0,10 and 1,00.
fn parse_fte(value: &str) -> Option<i64> {
    let value = value.trim().replace(',', ".");
    let (whole, fraction) = value.split_once('.').unwrap_or((&value, ""));
    if fraction.len() > 2 || whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<2}").parse().ok()?
    };
    let hundredths = whole.checked_mul(100)?.checked_add(fraction)?;
    (10..=100).contains(&hundredths).then_some(hundredths)
}

async fn create(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    Form(form): Form<RequestForm>,
) -> Result<Response> {
    let mut errors = FieldErrors::new();
    let partnership_id: Option<i64> = form.partnership_id.trim().parse().ok();
    let partnership_exists =
        match partnership_id {
            Some(id) => sqlx::query_scalar!(
                r#"select exists(select 1 from partnerships where partnership_id = $1) as "e!""#,
                id
            )
            .fetch_one(&state.db)
            .await?,
            None => false,
        };
    if !partnership_exists {
        errors.add("partnership_id", "Kies een werkingsgebied.");
    }
    let person_name = forms::text(
        &mut errors,
        "person_name",
        "de naam van de regisseur",
        &form.person_name,
        200,
    );
    let person_email = form.person_email.trim().to_string();
    if !is_plausible_email(&person_email) {
        errors.add(
            "person_email",
            "Vul een geldig e-mailadres in, zoals naam@gemeente.be.",
        );
    }
    let fte = parse_fte(&form.fte);
    if fte.is_none() {
        errors.add(
            "fte",
            "Vul een VTE in tussen 0,1 en 1,0 (bijvoorbeeld 0,8).",
        );
    }
    let (starts_on, ends_on) = forms::date_range(&mut errors, &form.starts_on, &form.ends_on);
    let note = form.request_note.trim().to_string();
    if note.chars().count() > 2000 {
        errors.add(
            "request_note",
            "De toelichting mag hoogstens 2000 tekens lang zijn.",
        );
    }

    if let (true, Some(pid), Some(fte), Some(starts_on), Some(ends_on)) =
        (errors.is_empty(), partnership_id, fte, starts_on, ends_on)
    {
        let mut tx = state.db.begin().await?;
        let id = sqlx::query_scalar!(
            r#"insert into appointments (partnership_id, person_name, person_email, fte,
                                         starts_on, ends_on, requested_by, request_note)
               values ($1, $2, $3, ($4::bigint)::numeric / 100, $5, $6, $7, $8)
               returning appointment_id"#,
            pid,
            person_name,
            person_email,
            fte,
            starts_on as NaiveDate,
            ends_on as NaiveDate,
            staff.user.user_id,
            note
        )
        .fetch_one(&mut *tx)
        .await?;
        audit::Entry::new(Action::AppointmentRequested)
            .actor(&staff.user)
            .object("appointment", id)
            .details(serde_json::json!({ "partnership": pid, "person_email": person_email }))
            .record(&mut *tx, &staff.ctx)
            .await?;
        tx.commit().await?;
        return flash::redirect(
            &staff.session,
            FlashKind::Success,
            "Aanstelling aangevraagd.",
            &format!("/aanstellingen/{id}"),
        )
        .await;
    }
    render_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &NewAppointmentPage {
            layout: staff.layout("Aanstelling aanvragen").await?,
            partnerships: partnership_choices(&state, partnership_id).await?,
            form,
            errors,
        },
    )
}

/// Where the set-password link waits to be shown to the admin, once.
const ISSUED_LINK_KEY: &str = "issued_password_link";

#[derive(Serialize, Deserialize)]
struct IssuedLink {
    appointment_id: i64,
    path: String,
}

#[derive(Template)]
#[template(path = "appointments/show.html")]
struct AppointmentPage {
    layout: Layout,
    a: Appointment,
    fte: String,
    dates: String,
    requested: String,
    decided: String,
    is_admin: bool,
    link: Option<String>,
    errors: FieldErrors,
    motivation: String,
    today: String,
}

impl AppointmentPage {
    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        id: i64,
        headers: &HeaderMap,
        errors: FieldErrors,
        motivation: String,
    ) -> Result<Self> {
        let a = load(&state.db, None, Some(id))
            .await?
            .pop()
            .ok_or(AppError::NotFound)?;
        let issued: Option<IssuedLink> =
            flash::take_once(&signed_in.session, ISSUED_LINK_KEY).await?;
        // From the configuration, never from the request's Host header: a forged Host would
        // otherwise put an attacker's site into a link the admin passes on.
        let _ = headers;
        let base = &state.config.public_url;
        Ok(Self {
            layout: signed_in
                .layout(format!("Aanstelling {}", a.person_name))
                .await?,
            fte: fte_label(a.fte_hundredths),
            dates: a.dates(),
            requested: a.requested(),
            decided: a.decided(),
            is_admin: signed_in.user.role == Role::Admin,
            link: issued
                .filter(|l| l.appointment_id == id)
                .map(|l| format!("{base}{}", l.path)),
            errors,
            motivation,
            today: chrono::Utc::now().date_naive().to_string(),
            a,
        })
    }
}

async fn show(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response> {
    let page = AppointmentPage::build(
        &state,
        &staff,
        id,
        &headers,
        FieldErrors::new(),
        String::new(),
    )
    .await?;
    render(&page)
}

async fn conflict(admin: &SignedIn, id: i64, message: &str) -> Result<Response> {
    flash::redirect(
        &admin.session,
        FlashKind::Error,
        message,
        &format!("/aanstellingen/{id}"),
    )
    .await
}

/// Finds or creates the regisseur's account for an approved appointment. Returns the user id
/// and whether they need a link to set a password (new, re-activated or never set one).
async fn regisseur_account(
    conn: &mut PgConnection,
    email: &str,
    name: &str,
) -> Result<Result<(i64, bool), String>> {
    let existing = sqlx::query!(
        r#"select user_id, role as "role: Role", active, password_hash is not null as "has_password!"
           from users where lower(email) = lower($1) for update"#,
        email
    )
    .fetch_optional(&mut *conn)
    .await?;
    match existing {
        Some(u) if u.role != Role::Regisseur => Ok(Err(format!(
            "{email} hoort al bij een account met de rol {}. Gebruik een ander e-mailadres voor de regisseur.",
            u.role.label()
        ))),
        Some(u) => {
            if !u.active {
                sqlx::query!(
                    "update users set active = true, updated_at = now() where user_id = $1",
                    u.user_id
                )
                .execute(&mut *conn)
                .await?;
            }
            Ok(Ok((u.user_id, !u.active || !u.has_password)))
        }
        None => {
            let created = crate::users::db::create(
                &mut *conn,
                crate::users::db::NewUser {
                    email,
                    full_name: name,
                    role: Role::Regisseur,
                    password_hash: None,
                    must_change_password: false,
                },
            )
            .await?;
            match created {
                Ok(id) => Ok(Ok((id, true))),
                Err(crate::users::db::EmailTaken) => Ok(Err(format!(
                    "{email} is net door iemand anders in gebruik genomen; probeer opnieuw."
                ))),
            }
        }
    }
}

async fn approve(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    // Lock the request: two admins approving at once must not create two accounts.
    let request = sqlx::query!(
        r#"select person_email, person_name, status as "status: Status"
           from appointments where appointment_id = $1 for update"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if request.status != Status::Aangevraagd {
        return conflict(&admin, id, "Over deze aanvraag is al beslist.").await;
    }
    let (user_id, needs_link) =
        match regisseur_account(&mut tx, &request.person_email, &request.person_name).await? {
            Ok(account) => account,
            Err(message) => return conflict(&admin, id, &message).await,
        };
    sqlx::query!(
        r#"update appointments
           set status = 'goedgekeurd', decided_by = $2, decided_at = now(), user_id = $3
           where appointment_id = $1"#,
        id,
        admin.user.user_id,
        user_id
    )
    .execute(&mut *tx)
    .await?;
    let link = if needs_link {
        Some(password_link::issue(&mut tx, user_id).await?)
    } else {
        None
    };
    audit::Entry::new(Action::AppointmentApproved)
        .actor(&admin.user)
        .object("appointment", id)
        .details(serde_json::json!({ "user_id": user_id, "password_link": link.is_some() }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;

    let message = match &link {
        Some(_) => {
            "Aanstelling goedgekeurd. Geef de eenmalige link hieronder door aan de regisseur."
        }
        None => {
            "Aanstelling goedgekeurd. De regisseur kan zich aanmelden met het bestaande account."
        }
    };
    if let Some(path) = link {
        admin
            .session
            .insert(
                ISSUED_LINK_KEY,
                IssuedLink {
                    appointment_id: id,
                    path,
                },
            )
            .await?;
    }
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        message,
        &format!("/aanstellingen/{id}"),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DecisionForm {
    motivation: String,
    ended_on: String,
}

async fn reject(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Result<Response> {
    let motivation = form.motivation.trim().to_string();
    let mut errors = FieldErrors::new();
    if motivation.is_empty() {
        errors.add(
            "motivation",
            "Een afwijzing heeft een schriftelijke motivering nodig.",
        );
    } else if motivation.chars().count() > 2000 {
        errors.add(
            "motivation",
            "De motivering mag hoogstens 2000 tekens lang zijn.",
        );
    }
    if !errors.is_empty() {
        let page =
            AppointmentPage::build(&state, &admin, id, &headers, errors, form.motivation).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let mut tx = state.db.begin().await?;
    let updated = sqlx::query_scalar!(
        r#"update appointments
           set status = 'afgewezen', decided_by = $2, decided_at = now(), decision_motivation = $3
           where appointment_id = $1 and status = 'aangevraagd'
           returning appointment_id"#,
        id,
        admin.user.user_id,
        motivation
    )
    .fetch_optional(&mut *tx)
    .await?;
    if updated.is_none() {
        load(&state.db, None, Some(id))
            .await?
            .pop()
            .ok_or(AppError::NotFound)?;
        return conflict(&admin, id, "Over deze aanvraag is al beslist.").await;
    }
    audit::Entry::new(Action::AppointmentRejected)
        .actor(&admin.user)
        .object("appointment", id)
        .details(serde_json::json!({ "motivation": motivation }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Aanvraag afgewezen.",
        &format!("/aanstellingen/{id}"),
    )
    .await
}

async fn end(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(form): Form<DecisionForm>,
) -> Result<Response> {
    let a = load(&state.db, None, Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let ended_on = forms::parse_date(&form.ended_on);
    match ended_on {
        None => errors.add("ended_on", "Vul een geldige einddatum in (dd/mm/jjjj)."),
        Some(d) if d < a.starts_on => errors.add(
            "ended_on",
            "De aanstelling kan niet eindigen vóór ze begon.",
        ),
        Some(_) => {}
    }
    let motivation = form.motivation.trim().to_string();
    if motivation.chars().count() > 2000 {
        errors.add(
            "motivation",
            "De motivering mag hoogstens 2000 tekens lang zijn.",
        );
    }
    let Some(ended_on) = ended_on.filter(|_| errors.is_empty()) else {
        let page =
            AppointmentPage::build(&state, &admin, id, &headers, errors, form.motivation).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let mut tx = state.db.begin().await?;
    // From now on current_appointments no longer lists it: write access ends at once.
    let updated = sqlx::query_scalar!(
        r#"update appointments
           set status = 'beeindigd', ended_by = $2, ended_at = now(), ended_on = $3,
               end_motivation = $4
           where appointment_id = $1 and status = 'goedgekeurd'
           returning appointment_id"#,
        id,
        admin.user.user_id,
        ended_on as NaiveDate,
        motivation
    )
    .fetch_optional(&mut *tx)
    .await?;
    if updated.is_none() {
        return conflict(
            &admin,
            id,
            "Alleen een goedgekeurde aanstelling kan beëindigd worden.",
        )
        .await;
    }
    audit::Entry::new(Action::AppointmentEnded)
        .actor(&admin.user)
        .object("appointment", id)
        .details(serde_json::json!({ "ended_on": ended_on.to_string(), "motivation": motivation }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    flash::push(
        &admin.session,
        FlashKind::Success,
        "Aanstelling beëindigd; de regisseur kan dit werkingsgebied niet meer bewerken.",
    )
    .await?;
    Ok(Redirect::to(&format!("/aanstellingen/{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fte_is_read_with_a_comma_or_a_point_between_0_1_and_1() {
        assert_eq!(parse_fte("0,8"), Some(80));
        assert_eq!(parse_fte("0.75"), Some(75));
        assert_eq!(parse_fte("1"), Some(100));
        assert_eq!(parse_fte("1,0"), Some(100));
        assert_eq!(parse_fte(",5"), Some(50));
        assert_eq!(parse_fte("0,05"), None);
        assert_eq!(parse_fte("1,2"), None);
        assert_eq!(parse_fte("0,125"), None);
        assert_eq!(parse_fte("veel"), None);
        assert_eq!(parse_fte(""), None);
        assert_eq!(fte_label(80), "0,80");
    }
}
