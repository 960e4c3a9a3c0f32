//! The page of one action: its facts, participants, the agreement commitments it carries out
//! and its history, with the buttons to edit, delete, copy or restore it as the user may.
//!
//! Route: `GET /acties/{id}` (`?bewaard=1` after a save).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::db::{self, Action};
use super::history::HistoryLine;
use super::model::{dates_label, priority_title, target_group_label};
use super::{own, visible};
use crate::agreements::commitments::CommitmentOfAction;
use crate::agreements::model::objective_label;
use crate::auth::SignedIn;
use crate::error::Result;
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/acties/{id}", get(show))
}

/// Participants of one target group.
struct ParticipantLine {
    group: &'static str,
    planned: i32,
    reached: i32,
}

#[derive(Template)]
#[template(path = "actions/show.html")]
struct ActionPage {
    layout: Layout,
    a: Action,
    priorities: Vec<String>,
    kind: &'static str,
    target_groups: Vec<&'static str>,
    partners: Vec<String>,
    municipalities: Vec<String>,
    dates: String,
    cost: String,
    participants: Vec<ParticipantLine>,
    history: Vec<HistoryLine>,
    /// The agreement commitments this action carries out.
    commitments: Vec<CommitmentOfAction>,
    may_write: bool,
    /// Admins edit too (to fix what the data-quality list found); they do not delete.
    may_edit: bool,
    may_copy: bool,
    is_admin: bool,
    origin: &'static str,
    just_saved: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    bewaard: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<ShowQuery>,
) -> Result<Response> {
    let (a, extras) = db::find_for_page(&state.db, id).await?;
    let a = visible(&signed_in, a)?;
    let user = &signed_in.user;
    let own = own::ids(user);
    let i = &a.input;
    let page = ActionPage {
        layout: signed_in.layout(i.title.clone()).await?,
        priorities: i.priorities.iter().map(|p| priority_title(*p)).collect(),
        kind: i.kind.label(),
        target_groups: i
            .target_groups
            .iter()
            .map(|t| target_group_label(t))
            .collect(),
        partners: i
            .partners
            .iter()
            .map(|(k, n)| format!("{n} ({})", k.label()))
            .collect(),
        municipalities: extras.municipality_names,
        dates: dates_label(i.starts_on, i.ends_on),
        cost: i
            .cost_cents
            .map(format::euro_cents)
            .unwrap_or_else(|| "-".into()),
        participants: i
            .participants
            .iter()
            .map(|(t, p, r)| ParticipantLine {
                group: target_group_label(t),
                planned: *p,
                reached: *r,
            })
            .collect(),
        history: extras.history.into_iter().map(HistoryLine::from).collect(),
        commitments: extras
            .commitments
            .into_iter()
            .map(|c| CommitmentOfAction {
                description: c.description,
                objective: objective_label(c.objective),
                agreement_id: c.agreement_id,
                agreement_title: c.agreement_title,
            })
            .collect(),
        // For the buttons only: the session's werkingsgebieden. Editing checks again.
        may_write: a.deleted_at.is_none() && user.is_regisseur_of(a.partnership_id),
        may_edit: a.deleted_at.is_none()
            && (user.role == Role::Admin || user.is_regisseur_of(a.partnership_id)),
        may_copy: a.deleted_at.is_none() && own.iter().any(|p| *p != a.partnership_id),
        is_admin: user.role == Role::Admin,
        origin: a.origin.label(),
        just_saved: query.bewaard.is_some(),
        a,
    };
    render(&page)
}
