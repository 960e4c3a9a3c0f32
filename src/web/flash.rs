//! One-shot messages shown on the next page ("Gebruiker aangemaakt.").

use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::Result;

const KEY: &str = "flash";

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum FlashKind {
    Success,
    Info,
    Error,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

impl Flash {
    /// CSS class and ARIA role for the template.
    pub fn class(&self) -> &'static str {
        match self.kind {
            FlashKind::Success => "flash flash-success",
            FlashKind::Info => "flash flash-info",
            FlashKind::Error => "flash flash-error",
        }
    }

    pub fn role(&self) -> &'static str {
        match self.kind {
            FlashKind::Error => "alert",
            _ => "status",
        }
    }
}

/// Adds a message for the next page this session renders.
pub async fn push(session: &Session, kind: FlashKind, message: impl Into<String>) -> Result<()> {
    let mut all: Vec<Flash> = session.get(KEY).await?.unwrap_or_default();
    all.push(Flash {
        kind,
        message: message.into(),
    });
    session.insert(KEY, all).await?;
    Ok(())
}

/// Leaves a message for the next page and sends the browser there (303 See Other): the end of
/// most successful POSTs.
pub async fn redirect(
    session: &Session,
    kind: FlashKind,
    message: impl Into<String>,
    to: &str,
) -> Result<Response> {
    push(session, kind, message).await?;
    Ok(Redirect::to(to).into_response())
}

/// Takes the pending messages; they are shown once.
pub async fn take(session: &Session) -> Result<Vec<Flash>> {
    Ok(take_once(session, KEY).await?.unwrap_or_default())
}

/// Reads a value that is shown once and removes it. Only a value that is there is removed:
/// a removal marks the session changed, and a changed session is written back to PostgreSQL,
/// which every page view would otherwise pay for.
pub async fn take_once<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>> {
    let value: Option<T> = session.get(key).await?;
    if value.is_some() {
        session.remove::<serde_json::Value>(key).await?;
    }
    Ok(value)
}
