//! An action's history: who changed it when, and which fields went from what to what. A save
//! stores the changed fields as a person reads them ([`describe`]), so the history shows what
//! the page showed at the time. The same reading lets the conflict page compare two versions.

use std::collections::BTreeMap;

use serde::Deserialize;
use sqlx::PgConnection;

use super::form::ActionInput;
use super::model::{Change, priorities_label, target_group_label};
use crate::database::Timestamp;
use crate::error::Result;
use crate::web::format;

/// Adds an entry to an action's history; `fields` as [`diff`] makes them, or `{}`.
pub async fn record_change(
    conn: &mut PgConnection,
    action_id: i64,
    user_id: i64,
    change: Change,
    fields: serde_json::Value,
) -> Result<()> {
    sqlx::query!(
        "insert into action_changes (action_id, changed_by, change, fields) values ($1, $2, $3, $4)",
        action_id,
        user_id,
        change.code(),
        fields
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Each field as a person reads it, for the history and the conflict page.
pub fn describe(input: &ActionInput) -> BTreeMap<&'static str, String> {
    let mut fields = BTreeMap::new();
    fields.insert("titel", input.title.clone());
    fields.insert("beschrijving", input.description.clone());
    fields.insert("prioriteiten", priorities_label(&input.priorities));
    fields.insert("soort", input.kind.label().to_string());
    fields.insert(
        "doelgroepen",
        input
            .target_groups
            .iter()
            .map(|t| target_group_label(t))
            .collect::<Vec<_>>()
            .join(", "),
    );
    fields.insert(
        "partners",
        input
            .partners
            .iter()
            .map(|(k, n)| format!("{n} ({})", k.label()))
            .collect::<Vec<_>>()
            .join(", "),
    );
    fields.insert("gemeenten", input.municipalities.join(", "));
    fields.insert("begindatum", format::date(input.starts_on));
    fields.insert(
        "einddatum",
        input.ends_on.map(format::date).unwrap_or_default(),
    );
    fields.insert("status", input.status.code().to_string());
    fields.insert(
        "deelnemers",
        input
            .participants
            .iter()
            .map(|(t, p, r)| format!("{}: {p} gepland, {r} bereikt", target_group_label(t)))
            .collect::<Vec<_>>()
            .join("; "),
    );
    fields.insert(
        "kostprijs",
        input.cost_cents.map(format::euro_cents).unwrap_or_default(),
    );
    fields.insert("resultaten", input.results.clone());
    fields
}

/// `{field: {from, to}}` for the fields that changed.
pub fn diff(before: &ActionInput, after: &ActionInput) -> serde_json::Value {
    let (b, a) = (describe(before), describe(after));
    let changed: serde_json::Map<String, serde_json::Value> = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, v)| {
            (
                k.to_string(),
                serde_json::json!({ "from": v, "to": a.get(k).cloned().unwrap_or_default() }),
            )
        })
        .collect();
    serde_json::Value::Object(changed)
}

/// One stored history entry, as the action page's statement brings it (JSON).
#[derive(Debug, Deserialize)]
pub struct Entry {
    pub changed_at: Timestamp,
    /// The user's name; `None` once the user is gone.
    pub who: Option<String>,
    /// A [`Change`] code.
    pub change: String,
    /// `{field: {from, to}}` as [`diff`] stored it.
    pub fields: serde_json::Value,
}

/// One field of a history entry: what it was and what it became.
pub struct FieldChange {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// A history entry as the action page shows it.
pub struct HistoryLine {
    pub when: String,
    pub who: String,
    pub change: &'static str,
    pub fields: Vec<FieldChange>,
}

impl From<Entry> for HistoryLine {
    fn from(e: Entry) -> Self {
        Self {
            when: format::datetime(e.changed_at),
            who: e.who.unwrap_or_else(|| "-".into()),
            change: Change::parse(&e.change).label(),
            fields: e
                .fields
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    let text = |key: &str| v[key].as_str().unwrap_or_default().to_string();
                    FieldChange {
                        field: k.clone(),
                        from: text("from"),
                        to: text("to"),
                    }
                })
                .collect(),
        }
    }
}
