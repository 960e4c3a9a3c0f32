//! Actions (acties): what regisseurs organise for their werkingsgebied, linked to the Flemish
//! priorities. The regisseur of a werkingsgebied writes its actions; ministry staff and admins
//! read all of them; admins restore deleted ones.
//!
//! Routes: `GET/POST /acties/nieuw` (`?werkingsgebied=&prioriteit=` preselect),
//! `GET/POST /acties/{id}/bewerken`; deleting (after a confirmation) and restoring (admins) in
//! [`delete`]; the action page in [`show`], a lost race between two saves in [`conflict`],
//! copying another area's action into a prefilled new form in [`copy`]; lists and search in
//! [`list`] and [`filters`], exports in [`export`], the priority
//! check in [`matrix`].

mod conflict;
mod copy;
pub mod db;
mod delete;
mod export;
mod filters;
pub mod form;
mod history;
mod list;
mod list_queries;
pub mod matrix;
pub mod model;
pub mod own;
mod show;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::auth::{SignedIn, deny};
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::{Path, Query, RawForm};
use crate::web::forms::{Choice, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{render, render_with_status};
use db::{Action, Inserted, OwnPartnership};
use form::ActionForm;
use model::{Kind, PRIORITIES, PartnerKind, Status, TARGET_GROUPS, target_group_label};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/acties/nieuw", get(new).post(create))
        .route("/acties/{id}/bewerken", get(edit).post(update))
        .merge(delete::router())
        .merge(show::router())
        .merge(copy::router())
        .merge(list::router())
        .merge(export::router())
        .merge(matrix::router())
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// One partner row of the form: the kinds to choose from and the name.
struct PartnerRow {
    kinds: Vec<Choice>,
    name: String,
}

/// One target group's participant counts on the form, as typed.
struct ParticipantRow {
    code: String,
    label: &'static str,
    planned: String,
    reached: String,
}

/// The form of a new action or of an existing one; built by [`ActionFormPage::for_new`] and
/// [`ActionFormPage::for_edit`].
#[derive(Template)]
#[template(path = "actions/form.html")]
struct ActionFormPage {
    layout: Layout,
    action_url: String,
    heading: String,
    partnerships: Vec<Choice>,
    fixed_partnership: Option<String>,
    form: ActionForm,
    errors: FieldErrors,
    priorities: Vec<Choice>,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    target_groups: Vec<Choice>,
    municipalities: Vec<Choice>,
    partners: Vec<PartnerRow>,
    recent_partners: Vec<String>,
    participants: Vec<ParticipantRow>,
    back: String,
    copied_from: Option<CopySource>,
}

/// What differs between the new and the edit form.
struct Frame {
    heading: String,
    action_url: String,
    back: String,
    /// The werkingsgebieden to choose from (new), or the one it belongs to (edit).
    partnerships: Vec<Choice>,
    fixed_partnership: Option<String>,
    partnership_id: Option<i64>,
    copied_from: Option<CopySource>,
}

/// The action a new one is copied from, as the copy form names it.
struct CopySource {
    action_id: i64,
    title: String,
    partnership_name: String,
}

fn choices(
    all: impl IntoIterator<Item = (String, String)>,
    chosen: impl Fn(&str) -> bool,
) -> Vec<Choice> {
    all.into_iter()
        .map(|(value, label)| {
            let selected = chosen(&value);
            Choice::new(value, label, selected)
        })
        .collect()
}

impl ActionFormPage {
    /// The form for a new action in one of the user's own werkingsgebieden; `chosen` is the one
    /// selected, if any.
    /// `source` is the action being copied ("Overnemen"): the form then posts to its copy route
    /// and says where it comes from.
    async fn for_new(
        state: &AppState,
        signed_in: &SignedIn,
        own: &[OwnPartnership],
        chosen: Option<i64>,
        source: Option<&Action>,
        form: ActionForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let (heading, action_url, back) = match source {
            Some(s) => (
                format!("Actie overnemen: {}", s.input.title),
                format!("/acties/{}/overnemen", s.action_id),
                format!("/acties/{}", s.action_id),
            ),
            None => (
                "Nieuwe actie".into(),
                "/acties/nieuw".into(),
                "/acties".into(),
            ),
        };
        let frame = Frame {
            heading,
            action_url,
            back,
            copied_from: source.map(|s| CopySource {
                action_id: s.action_id,
                title: s.input.title.clone(),
                partnership_name: s.partnership_name.clone(),
            }),
            partnerships: own
                .iter()
                .map(|p| {
                    Choice::new(
                        p.partnership_id,
                        p.label(),
                        Some(p.partnership_id) == chosen,
                    )
                })
                .collect(),
            fixed_partnership: None,
            partnership_id: chosen,
        };
        Self::build(state, signed_in, frame, form, errors).await
    }

    /// The form for editing a stored action; its werkingsgebied cannot change.
    async fn for_edit(
        state: &AppState,
        signed_in: &SignedIn,
        action: &Action,
        form: ActionForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let id = action.action_id;
        let frame = Frame {
            heading: format!("{} bewerken", action.input.title),
            action_url: format!("/acties/{id}/bewerken"),
            back: format!("/acties/{id}"),
            partnerships: Vec::new(),
            fixed_partnership: Some(action.partnership_name.clone()),
            partnership_id: Some(action.partnership_id),
            copied_from: None,
        };
        Self::build(state, signed_in, frame, form, errors).await
    }

    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        frame: Frame,
        form: ActionForm,
        errors: FieldErrors,
    ) -> Result<Self> {
        let form = form.padded();
        let (members, recent_partners) = match frame.partnership_id {
            Some(id) => (
                db::members(&state.db, id).await?,
                db::recent_partners(&state.db, id).await?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        Ok(Self {
            layout: signed_in.layout(frame.heading.clone()).await?,
            heading: frame.heading,
            action_url: frame.action_url,
            partnerships: frame.partnerships,
            fixed_partnership: frame.fixed_partnership,
            priorities: choices(
                PRIORITIES
                    .iter()
                    .map(|(n, _, _)| (n.to_string(), model::priority_title(*n))),
                |v| form.priorities.contains(v),
            ),
            kinds: choices(
                Kind::ALL
                    .iter()
                    .map(|k| (k.code().to_string(), k.label().to_string())),
                |v| form.kind == v,
            ),
            statuses: choices(
                Status::ALL
                    .iter()
                    .map(|s| (s.code().to_string(), s.code().to_string())),
                |v| form.status == v,
            ),
            target_groups: choices(
                TARGET_GROUPS
                    .iter()
                    .map(|(c, l)| (c.to_string(), l.to_string())),
                |v| form.target_groups.contains(v),
            ),
            municipalities: choices(members.into_iter().map(|m| (m.nis_code, m.name)), |v| {
                form.municipalities.contains(v)
            }),
            partners: form
                .partners
                .iter()
                .map(|(kind, name)| PartnerRow {
                    kinds: PartnerKind::ALL
                        .iter()
                        .map(|k| Choice::new(k.code(), k.label(), kind == k.code()))
                        .collect(),
                    name: name.clone(),
                })
                .collect(),
            recent_partners,
            participants: form
                .participants
                .iter()
                .map(|(code, planned, reached)| ParticipantRow {
                    code: code.clone(),
                    label: target_group_label(code),
                    planned: planned.clone(),
                    reached: reached.clone(),
                })
                .collect(),
            form,
            errors,
            back: frame.back,
            copied_from: frame.copied_from,
        })
    }
}

/// `?werkingsgebied=&prioriteit=`: what the new-action form starts with.
#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    werkingsgebied: Option<i64>,
    /// A priority (1 to 4) to tick, from a gap in the priority check.
    prioriteit: Option<i16>,
}

async fn new(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NewQuery>,
) -> Result<Response> {
    let own = db::own_partnerships(&state.db, &signed_in.user).await?;
    if own.is_empty() {
        return Err(deny(&state, &signed_in).await);
    }
    let chosen = query
        .werkingsgebied
        .filter(|id| own.iter().any(|p| p.partnership_id == *id))
        .or(if own.len() == 1 {
            Some(own[0].partnership_id)
        } else {
            None
        });
    let form = ActionForm {
        status: "gepland".into(),
        partnership_id: chosen.map(|c| c.to_string()).unwrap_or_default(),
        priorities: query
            .prioriteit
            .filter(|p| PRIORITIES.iter().any(|(n, _, _)| n == p))
            .map(|p| p.to_string())
            .into_iter()
            .collect(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let page = ActionFormPage::for_new(
        &state,
        &signed_in,
        &own,
        chosen,
        None,
        form,
        FieldErrors::new(),
    )
    .await?;
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response> {
    save_new(&state, &signed_in, &body, None).await
}

/// Stores a new action from the form, in one of the user's own werkingsgebieden; `source` is
/// the action it copies ("Overnemen"), which the new one links back to.
async fn save_new(
    state: &AppState,
    signed_in: &SignedIn,
    body: &[u8],
    source: Option<&Action>,
) -> Result<Response> {
    let form = ActionForm::from_pairs(&pairs(body));
    let own = db::own_partnerships(&state.db, &signed_in.user).await?;
    if own.is_empty() {
        return Err(deny(state, signed_in).await);
    }
    let partnership_id: Option<i64> = form.partnership_id.trim().parse().ok();
    // Only the regisseur's own werkingsgebieden; anything else in the form is an attempt.
    if let Some(id) = partnership_id
        && !own.iter().any(|p| p.partnership_id == id)
    {
        return Err(deny(state, signed_in).await);
    }
    let scope = match partnership_id {
        Some(id) => db::scope(&state.db, id).await?,
        None => form::Scope::unchosen(),
    };
    let (input, mut errors) = form::validate(&form, &scope);
    if partnership_id.is_none() {
        errors.add("partnership_id", "Kies het werkingsgebied.");
    }
    if let (Some(input), Some(pid)) = (input.filter(|_| errors.is_empty()), partnership_id) {
        let key = uuid::Uuid::parse_str(form.idempotency_key.trim()).ok();
        let mut conn = state.db.acquire().await?;
        let copied_from = source.map(|s| s.action_id);
        let inserted = db::insert(
            &mut conn,
            pid,
            &input,
            signed_in.user.user_id,
            key,
            copied_from,
        )
        .await;
        match inserted {
            Ok(Inserted::New(id) | Inserted::Duplicate(id)) => return Ok(saved(id)),
            Err(err) if err.constraint() == Some(PERIOD) => errors.add("starts_on", PERIOD_CHANGED),
            Err(err) => return Err(err),
        }
    }
    let page =
        ActionFormPage::for_new(state, signed_in, &own, partnership_id, source, form, errors)
            .await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// Loads an action for reading: everyone signed in, except that deleted actions are visible to
/// ministry staff and admins only.
async fn readable(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Action> {
    visible(signed_in, db::find(&state.db, id).await?)
}

/// The action if this user may read it ([`readable`]).
fn visible(signed_in: &SignedIn, action: Action) -> Result<Action> {
    if action.deleted_at.is_some() && signed_in.user.role == Role::Regisseur {
        return Err(AppError::NotFound);
    }
    Ok(action)
}

/// Loads an action for writing by its werkingsgebied's current regisseur.
async fn writable(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Action> {
    let action = readable(state, signed_in, id).await?;
    if !db::may_write(&state.db, &signed_in.user, action.partnership_id).await? {
        return Err(deny(state, signed_in).await);
    }
    if action.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(action)
}

/// Loads an action for editing: by its werkingsgebied's current regisseur, or by an admin who
/// fixes what the data-quality list (`/admin/kwaliteit`) found, such as dates outside the
/// policy period. The change history names who edited.
async fn editable(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Action> {
    if signed_in.user.role != Role::Admin {
        return writable(state, signed_in, id).await;
    }
    let action = readable(state, signed_in, id).await?;
    if action.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(action)
}

async fn edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let a = editable(&state, &signed_in, id).await?;
    let form = ActionForm::of(&a);
    let page = ActionFormPage::for_edit(&state, &signed_in, &a, form, FieldErrors::new()).await?;
    render(&page)
}

async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response> {
    let before = editable(&state, &signed_in, id).await?;
    let raw = pairs(&body);
    let form = ActionForm::from_pairs(&raw);
    let scope = db::scope(&state.db, before.partnership_id).await?;
    let (input, mut errors) = form::validate(&form, &scope);
    let version: Option<i32> = form.version.trim().parse().ok();
    if version.is_none() {
        errors.add(
            "version",
            "Het formulier is onvolledig; open de actie opnieuw.",
        );
    }
    let (Some(input), Some(version)) = (input.filter(|_| errors.is_empty()), version) else {
        let page = ActionFormPage::for_edit(&state, &signed_in, &before, form, errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };

    let mut tx = state.db.begin().await?;
    // The version check happens in the UPDATE itself: of two saves of the same version, one wins.
    let current = db::find(&mut *tx, id).await?;
    match db::update(&mut tx, &current, &input, version, signed_in.user.user_id).await {
        Ok(true) => {}
        Ok(false) => {
            drop(tx);
            return conflict::conflict(&state.db, &signed_in, &current, &input, raw).await;
        }
        Err(err) if err.constraint() == Some(PERIOD) => {
            drop(tx);
            errors.add("starts_on", PERIOD_CHANGED);
            let page = ActionFormPage::for_edit(&state, &signed_in, &before, form, errors).await?;
            return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(err) => return Err(err),
    }
    tx.commit().await?;
    Ok(saved(id))
}

/// The database's check of an action's dates against its policy period: the form checks the
/// same first, so only a period changed in between breaks it.
const PERIOD: &str = "actions_dates_in_period";
const PERIOD_CHANGED: &str = "De beleidsperiode van dit werkingsgebied is intussen gewijzigd: \
                              kies datums binnen de periode zoals ze nu is.";

/// After a save: the action page, told to confirm it. The confirmation rides in the URL rather
/// than as a session flash, so saving an action commits once instead of twice (the session
/// row would be written too); saving is the busiest write in regie.
fn saved(id: i64) -> Response {
    Redirect::to(&format!("/acties/{id}?bewaard=1")).into_response()
}
