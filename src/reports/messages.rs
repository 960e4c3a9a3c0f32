//! The message thread of a report: the werkingsgebied's regisseur and ministry staff write to
//! each other, optionally asking for an answer by a date.
//!
//! Route: `POST /jaarrapporten/{partnership}/{year}/berichten` (`body`, `answer_by` dd/mm/jjjj,
//! optional; `about`, optional: the remark of a sent-back report it answers) for who may write
//! messages (see [`super::access`]).
//!
//! A message on a report nobody started yet creates its concept row in the same transaction:
//! the department may well ask "waar blijft het rapport?" before the regisseur wrote a word.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use chrono::NaiveDate;
use serde::Deserialize;

use super::access;
use super::db;
use super::notify::{self, Event};
use super::show::{self, Typed};
use super::show_review::about_phrase;
use crate::audit::{self, Action};
use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::{Form, Path};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{FieldErrors, parse_date};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/jaarrapporten/{partnership}/{year}/berichten",
        post(create),
    )
}

/// The longest message, as `report_messages_body` allows.
const MAX_BODY: usize = 5000;

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessageForm {
    body: String,
    answer_by: String,
    /// The remark this message answers (a checklist item's code or `terugsturen`), if any.
    about: String,
}

/// The message once valid: its text and the date an answer is asked by.
fn validate(
    form: &MessageForm,
    today: NaiveDate,
) -> std::result::Result<(String, Option<NaiveDate>), FieldErrors> {
    let mut errors = FieldErrors::new();
    let body = form.body.trim().to_string();
    if body.is_empty() {
        errors.add("body", "Schrijf uw bericht.");
    } else if body.chars().count() > MAX_BODY {
        errors.add(
            "body",
            format!("Een bericht mag hoogstens {MAX_BODY} tekens lang zijn."),
        );
    }
    let answer_by = match form.answer_by.trim() {
        "" => None,
        typed => match parse_date(typed) {
            Some(date) if date < today => {
                errors.add(
                    "answer_by",
                    "De datum voor een antwoord ligt in het verleden: kies vandaag of later, of laat het veld leeg.",
                );
                None
            }
            Some(date) => Some(date),
            None => {
                errors.add(
                    "answer_by",
                    "Vul een geldige datum in (dd/mm/jjjj), of laat het veld leeg.",
                );
                None
            }
        },
    };
    if errors.is_empty() {
        Ok((body, answer_by))
    } else {
        Err(errors)
    }
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((partnership_id, year)): Path<(i64, i32)>,
    Form(form): Form<MessageForm>,
) -> Result<Response> {
    let area = db::area(&state.db, partnership_id)
        .await?
        .filter(|a| a.covers(year))
        .ok_or(AppError::NotFound)?;
    let access = access::of(&state.db, &signed_in.user, partnership_id, year).await?;
    access::require(&state, &signed_in, access.message).await?;

    let (body, answer_by) = match validate(&form, crate::web::format::today()) {
        Ok(valid) => valid,
        Err(errors) => {
            let typed = Typed {
                message: Some((form.body, form.answer_by, errors)),
                about: Some(form.about).filter(|a| !a.is_empty()),
                ..Typed::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return show::render(&state, &signed_in, partnership_id, year, typed, status).await;
        }
    };
    // Only a known remark: anything else in the field is dropped, not stored.
    let about = Some(form.about.trim()).filter(|a| about_phrase(a).is_some());
    let user = &signed_in.user;
    let from_area = user.role == Role::Regisseur;
    let mut tx = state.db.begin().await?;
    // The thread needs a report row. For a report nobody started (the department asks where it
    // is) the message opens one at version 0: not yet written, so the regisseur's first save
    // (a form of version 0) still fits and nothing can be submitted before it.
    sqlx::query!(
        r#"insert into reports (partnership_id, year, created_by, updated_by, version)
           values ($1, $2, $3, $3, 0)
           on conflict (partnership_id, year) do nothing"#,
        partnership_id,
        year as i16,
        user.user_id
    )
    .execute(&mut *tx)
    .await?;
    let message = sqlx::query!(
        r#"insert into report_messages (report_id, author_id, side, body, answer_by, about)
           select report_id, $3, $4::text::report_side, $5, $6, $7 from reports
           where partnership_id = $1 and year = $2
           returning report_id, message_id"#,
        partnership_id,
        year as i16,
        user.user_id,
        if from_area {
            "werkingsgebied"
        } else {
            "departement"
        },
        body,
        answer_by as Option<NaiveDate>,
        about
    )
    .fetch_one(&mut *tx)
    .await?;
    // Who wrote what stays in the thread; the audit trail keeps only that a message was posted.
    audit::Entry::new(Action::ReportMessagePosted)
        .actor(user)
        .object("report", message.report_id)
        .details(serde_json::json!({
            "partnership_id": partnership_id,
            "year": year,
            "message_id": message.message_id,
            "length": body.chars().count(),
            "answer_by": answer_by,
            "about": about,
        }))
        .record(&mut *tx, &signed_in.ctx)
        .await?;
    let event = Event::Message {
        from_area,
        body: &body,
    };
    notify::send(&mut tx, &state, &area, year, &event, user.user_id).await?;
    tx.commit().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Bericht geplaatst.",
        &format!("{}#berichten", db::path(partnership_id, year)),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str, answer_by: &str) -> MessageForm {
        MessageForm {
            body: body.into(),
            answer_by: answer_by.into(),
            about: String::new(),
        }
    }

    #[test]
    fn a_message_needs_text_and_an_answer_date_not_in_the_past() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        assert_eq!(
            validate(&form("  Waar blijft het?  ", ""), today).unwrap(),
            ("Waar blijft het?".to_string(), None)
        );
        assert_eq!(
            validate(&form("Vraag", "10/03/2026"), today).unwrap().1,
            Some(today)
        );
        let errors = validate(&form("Vraag", "09/03/2026"), today).unwrap_err();
        assert!(errors.get("answer_by").unwrap().contains("verleden"));
        let errors = validate(&form("  ", "31/02/2026"), today).unwrap_err();
        assert!(errors.get("body").is_some() && errors.get("answer_by").is_some());
        assert!(validate(&form(&"x".repeat(5001), ""), today).is_err());
    }
}
