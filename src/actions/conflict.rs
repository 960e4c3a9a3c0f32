//! The conflict page: the action was saved since this user opened it, in another tab or by
//! someone else. Both versions side by side, municipalities by name; the user keeps the stored
//! one or saves theirs over it.
//!
//! No route of its own: `POST /acties/{id}/bewerken` answers with it (409 Conflict).

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::db::{self, Action};
use super::form::ActionInput;
use super::history::describe;
use crate::auth::SignedIn;
use crate::error::Result;
use crate::web::layout::Layout;
use crate::web::render_with_status;

/// One field in both versions.
struct ConflictRow {
    field: &'static str,
    stored: String,
    mine: String,
    differs: bool,
}

/// A form field to submit again.
struct HiddenField {
    name: String,
    value: String,
}

#[derive(Template)]
#[template(path = "actions/conflict.html")]
struct ConflictPage {
    layout: Layout,
    action_id: i64,
    rows: Vec<ConflictRow>,
    /// The user's values, resubmitted against the current version if they choose theirs.
    form_fields: Vec<HiddenField>,
}

/// Answers a save that lost the race against `current`; `raw` is the user's form body.
pub async fn conflict(
    db: &sqlx::PgPool,
    signed_in: &SignedIn,
    current: &Action,
    mine: &ActionInput,
    raw: Vec<(String, String)>,
) -> Result<Response> {
    let names: HashMap<String, String> = db::members(db, current.partnership_id)
        .await?
        .into_iter()
        .map(|m| (m.nis_code, m.name))
        .collect();
    let (stored, theirs) = (
        describe(&by_name(&current.input, &names)),
        describe(&by_name(mine, &names)),
    );
    let rows = stored
        .into_iter()
        .map(|(field, stored)| {
            let mine = theirs.get(field).cloned().unwrap_or_default();
            ConflictRow {
                field,
                differs: stored != mine,
                stored,
                mine,
            }
        })
        .collect();
    let form_fields = raw
        .into_iter()
        .filter(|(k, _)| k != "version" && k != crate::web::csrf::FIELD)
        .chain(std::iter::once((
            "version".to_string(),
            current.version.to_string(),
        )))
        .map(|(name, value)| HiddenField { name, value })
        .collect();
    render_with_status(
        StatusCode::CONFLICT,
        &ConflictPage {
            layout: signed_in
                .layout("Deze actie werd intussen gewijzigd")
                .await?,
            action_id: current.action_id,
            rows,
            form_fields,
        },
    )
}

/// The input with its municipalities named (`Kortrijk` rather than `34022`) and sorted by
/// name; a code that is no longer a member stays a code.
fn by_name(input: &ActionInput, names: &HashMap<String, String>) -> ActionInput {
    let mut named: Vec<String> = input
        .municipalities
        .iter()
        .map(|n| names.get(n).cloned().unwrap_or_else(|| n.clone()))
        .collect();
    named.sort();
    ActionInput {
        municipalities: named,
        ..input.clone()
    }
}
