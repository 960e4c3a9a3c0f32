//! Regisseur appointments (aanstellingen): requested, then approved or rejected by an admin,
//! later ended. Approval creates or re-activates the regisseur's account and gives the admin a
//! one-time link to pass on; ending removes the regisseur's write access at once.
//!
//! A request must start within its werkingsgebied's policy period and must not overlap another
//! request or appointment of the same person for the same werkingsgebied.
//!
//! Routes: `GET /aanstellingen`, `GET/POST /aanstellingen/nieuw`, `GET /aanstellingen/{id}`
//! (ministry staff and admins); `POST /aanstellingen/{id}/goedkeuren`, `.../afwijzen`,
//! `.../beeindigen` (admins), decided in [`decisions`] after the confirmation pages
//! `GET .../goedkeuren` and `GET .../beeindigen` in [`confirm`]; the queries pages share in
//! [`db`].

mod confirm;
pub mod db;
mod decisions;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action};
use crate::auth::{SignedIn, StaffOnly};
use crate::error::Result;
use crate::identity::Role;
use crate::identity::is_plausible_email;
use crate::periods;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Query};
use crate::web::flash::{self, FlashKind};
use crate::web::format::today;
use crate::web::forms::{self, Choice, FieldErrors};
use crate::web::idempotency::{self, Claim};
use crate::web::layout::Layout;
use crate::web::{render, render_with_status};
use db::Appointment;

/// Where an appointment stands. Stored as the PostgreSQL enum `appointment_status`; read from
/// JSON as PostgreSQL writes it (the werkingsgebied page gets its history inside one statement).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "appointment_status", rename_all = "lowercase")]
#[serde(rename_all(deserialize = "lowercase"))]
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

/// Who asked, who decided, when and why: a line per appointment, in their order (newest first
/// on the werkingsgebied page, which loads them).
pub fn history_lines(appointments: Vec<Appointment>) -> Vec<HistoryLine> {
    appointments
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
        .collect()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/aanstellingen", get(index))
        .route("/aanstellingen/nieuw", get(new).post(create))
        .route("/aanstellingen/{id}", get(show))
        .merge(decisions::router())
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

#[derive(Template)]
#[template(path = "appointments/index.html")]
struct AppointmentsPage {
    layout: Layout,
    rows: Vec<ListRow>,
    statuses: Vec<Choice>,
    /// Said when no policy period runs today.
    period_gap: Option<String>,
    is_admin: bool,
}

async fn index(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let wanted = Status::ALL.into_iter().find(|s| s.code() == query.status);
    let rows = db::list(&state.db, None)
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
    let period_gap = periods::gap_on(&periods::list(&state.db).await?, today());
    render(&AppointmentsPage {
        period_gap,
        is_admin: staff.user.role == Role::Admin,
        layout: staff.layout("Aanstellingen").await?,
        rows,
        statuses: Status::ALL
            .into_iter()
            .map(|s| Choice::new(s.code(), s.label(), Some(s) == wanted))
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
    idempotency_key: String,
}

#[derive(Template)]
#[template(path = "appointments/new.html")]
struct NewAppointmentPage {
    layout: Layout,
    partnerships: Vec<Choice>,
    form: RequestForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    werkingsgebied: Option<i64>,
}

/// The werkingsgebieden to choose from, `selected` chosen.
async fn partnership_choices(state: &AppState, selected: Option<i64>) -> Result<Vec<Choice>> {
    Ok(db::partnerships(&state.db)
        .await?
        .into_iter()
        .map(|p| {
            Choice::new(
                p.partnership_id,
                format!("{} ({})", p.name, p.period),
                Some(p.partnership_id) == selected,
            )
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
        idempotency_key: idempotency::new_key(),
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
    let partnership_exists = match partnership_id {
        Some(id) => db::partnership_exists(&state.db, id).await?,
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

    if let (true, Some(pid), Some(starts_on)) = (errors.is_empty(), partnership_id, starts_on) {
        let period = db::period_of(&state.db, pid).await?;
        if let Some(message) = outside(&period, starts_on) {
            errors.add("starts_on", message);
        }
    }

    if let (true, Some(pid), Some(fte), Some(starts_on), Some(ends_on)) =
        (errors.is_empty(), partnership_id, fte, starts_on, ends_on)
    {
        let user_id = staff.user.user_id;
        let submission = idempotency::Submission::new(
            &form.idempotency_key,
            &(
                pid,
                &person_name,
                &person_email,
                fte,
                starts_on,
                ends_on,
                &note,
            ),
        );
        let mut tx = state.db.begin().await?;
        // A request sent twice is answered as the first one was (it would find itself as an
        // overlapping request of the same person).
        if let Claim::Answered { location } =
            idempotency::claim(&mut tx, user_id, &submission).await?
        {
            drop(tx);
            return Ok(idempotency::replay(&location));
        }
        // One request at a time per werkingsgebied, so that two at once cannot both pass the
        // overlap check below. (Not a constraint: older rows may overlap, and a hand-over
        // between two people may, deliberately.)
        sqlx::query!(
            "select partnership_id from partnerships where partnership_id = $1 for no key update",
            pid
        )
        .fetch_one(&mut *tx)
        .await?;
        let same_person = db::overlapping(&mut *tx, pid, starts_on, ends_on, None)
            .await?
            .into_iter()
            .find(|o| o.person_email.to_lowercase() == person_email.to_lowercase());
        if let Some(o) = same_person {
            drop(tx);
            errors.add(
                "starts_on",
                format!(
                    "{} heeft voor dit werkingsgebied al een aanstelling die met deze data overlapt: {}.",
                    person_email,
                    o.label()
                ),
            );
            return refused(&state, &staff, partnership_id, form, errors).await;
        }
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
        let location = format!("/aanstellingen/{id}");
        let message = "Aanstelling aangevraagd.";
        idempotency::answer(&mut tx, user_id, &submission, &location).await?;
        tx.commit().await?;
        return flash::redirect(&staff.session, FlashKind::Success, message, &location).await;
    }
    refused(&state, &staff, partnership_id, form, errors).await
}

/// Why a request's start date does not fit the werkingsgebied's policy period, if it does not.
/// An end after the period is allowed (the admin is warned when approving): a regisseur may
/// stay on to finish the last year's report.
fn outside(period: &db::PeriodOf, starts_on: NaiveDate) -> Option<String> {
    if starts_on < period.starts_on {
        Some(format!(
            "De aanstelling kan niet beginnen vóór de beleidsperiode van dit werkingsgebied: {}.",
            period.label()
        ))
    } else if starts_on > period.ends_on {
        Some(format!(
            "De aanstelling moet beginnen binnen de beleidsperiode van dit werkingsgebied: {}. Vraag ze voor een latere periode aan bij het werkingsgebied van die periode.",
            period.label()
        ))
    } else {
        None
    }
}

/// The request form again, with its errors and the input kept (422).
async fn refused(
    state: &AppState,
    staff: &SignedIn,
    partnership_id: Option<i64>,
    form: RequestForm,
    errors: FieldErrors,
) -> Result<Response> {
    // A refused form did not act: it keeps its key.
    let form = RequestForm {
        idempotency_key: idempotency::keep_or_new(&form.idempotency_key),
        ..form
    };
    render_with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &NewAppointmentPage {
            layout: staff.layout("Aanstelling aanvragen").await?,
            partnerships: partnership_choices(state, partnership_id).await?,
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
    /// For the rejection form.
    idempotency_key: String,
}

impl AppointmentPage {
    /// The page as first shown: no errors, empty motivation. Takes the one-time link out of
    /// the session when it belongs to this appointment.
    async fn build(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Self> {
        let a = db::find(&state.db, id).await?;
        let issued: Option<IssuedLink> =
            flash::take_once(&signed_in.session, ISSUED_LINK_KEY).await?;
        // From the configuration, never from the request's Host header: a forged Host would
        // otherwise put an attacker's site into a link the admin passes on.
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
            errors: FieldErrors::new(),
            motivation: String::new(),
            idempotency_key: idempotency::new_key(),
            a,
        })
    }

    /// The same page after a refused decision: the errors and the motivation as typed.
    fn with_errors(self, errors: FieldErrors, motivation: String) -> Self {
        Self {
            errors,
            motivation,
            ..self
        }
    }
}

async fn show(
    State(state): State<AppState>,
    StaffOnly(staff): StaffOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    render(&AppointmentPage::build(&state, &staff, id).await?)
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
