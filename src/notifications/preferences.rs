//! Which notifications a user also gets by e-mail: one checkbox per kind that can reach their
//! role, on unless they turned it off (no row in `notification_preferences` means on).
//!
//! Routes (every signed-in role, each their own): `GET/POST /meldingen/voorkeuren`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use super::Kind;
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::Result;
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::RawForm;
use crate::web::flash::{self, FlashKind};
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::render;

pub fn router() -> Router<AppState> {
    Router::new().route("/meldingen/voorkeuren", get(edit).post(update))
}

const PATH: &str = "/meldingen/voorkeuren";

/// The kinds of notification that can reach `role`: a regisseur hears about their own
/// werkingsgebied's reports and deadlines, ministry staff about the reports they review and
/// appointments they requested, an admin about appointments they requested; nothing is sent
/// to a VDAB account manager.
pub fn kinds_for(role: Role) -> &'static [Kind] {
    match role {
        Role::Regisseur => &[
            Kind::ReportInReview,
            Kind::ReportSentBack,
            Kind::ReportApproved,
            Kind::ReportReopened,
            Kind::ReportMessage,
            Kind::DeadlineNear,
            Kind::DeadlinePassed,
            Kind::AppointmentApproved,
        ],
        Role::Ministry => &[
            Kind::ReportSubmitted,
            Kind::ReportMessage,
            Kind::DeadlinePassed,
            Kind::AppointmentApproved,
        ],
        Role::Admin => &[Kind::AppointmentApproved],
        Role::Vdab => &[],
    }
}

#[derive(Template)]
#[template(path = "notifications/preferences.html")]
struct PreferencesPage {
    layout: Layout,
    /// One checkbox per kind: its code, label and whether e-mail is on.
    kinds: Vec<Choice>,
}

async fn edit(State(state): State<AppState>, signed_in: SignedIn) -> Result<Response> {
    let off = sqlx::query_scalar!(
        r#"select kind as "kind: Kind" from notification_preferences
           where user_id = $1 and not email"#,
        signed_in.user.user_id
    )
    .fetch_all(&state.db)
    .await?;
    let kinds = kinds_for(signed_in.user.role)
        .iter()
        .map(|k| Choice::new(k.code(), k.label(), !off.contains(k)))
        .collect();
    render(&PreferencesPage {
        layout: signed_in.layout("Voorkeuren voor meldingen").await?,
        kinds,
    })
}

/// Stores a row for every kind the page showed: checked is on, unchecked (or a form without
/// any checkbox) is off. Codes of other kinds in the form are ignored.
async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response> {
    let checked: Vec<Kind> = form_urlencoded::parse(&body)
        .filter(|(name, _)| name == "email")
        .filter_map(|(_, value)| Kind::parse(&value))
        .collect();
    let shown = kinds_for(signed_in.user.role);
    let codes: Vec<&str> = shown.iter().map(|k| k.code()).collect();
    let on: Vec<bool> = shown.iter().map(|k| checked.contains(k)).collect();
    let mut tx = state.db.begin().await?;
    sqlx::query!(
        r#"insert into notification_preferences (user_id, kind, email)
           select $1, shown.code::notification_kind, shown.email
           from unnest($2::text[], $3::boolean[]) as shown (code, email)
           on conflict (user_id, kind) do update set email = excluded.email"#,
        signed_in.user.user_id,
        &codes as &[&str],
        &on
    )
    .execute(&mut *tx)
    .await?;
    let off: Vec<&str> = shown
        .iter()
        .zip(&on)
        .filter(|(_, on)| !**on)
        .map(|(k, _)| k.code())
        .collect();
    audit::Entry::new(Action::NotificationPreferencesChanged)
        .actor(&signed_in.user)
        .object("user", signed_in.user.user_id)
        .details(serde_json::json!({ "email_off": off }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Voorkeuren bewaard.",
        PATH,
    )
    .await
}
