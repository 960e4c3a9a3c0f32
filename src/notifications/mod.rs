//! Notifications: an in-app list per user (the header shows the unread count) and e-mail
//! through an outbox table that a background worker sends over SMTP. A change that notifies
//! calls [`notify`] inside its own transaction.
//!
//! Routes, by file:
//! - [`list`]: `GET /meldingen`, `POST /meldingen/{id}/gelezen`, `POST /meldingen/gelezen`.
//! - [`preferences`]: `GET/POST /meldingen/voorkeuren` (e-mail on or off per kind).
//! - [`mailbox`]: `GET /admin/uitgaande-post`, `GET /admin/uitgaande-post/{id}` (admins read
//!   the outbox; without SMTP it is the mailbox).
//!
//! Background: [`outbox`] sends the mail, [`reminders`] notifies of deadlines in 14 days and
//! passed, once per deadline.

mod list;
pub mod mailbox;
pub mod model;
pub mod outbox;
mod preferences;
pub mod reminders;
mod send;

pub use model::{Kind, Notice};
pub use send::notify;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(list::router())
        .merge(preferences::router())
        .merge(mailbox::router())
}
