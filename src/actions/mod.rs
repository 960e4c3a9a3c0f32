//! Actions (acties): what regisseurs organise for their werkingsgebied, linked to the Flemish
//! priorities. The regisseur of a werkingsgebied writes its actions; ministry staff and admins
//! read all of them; admins restore deleted ones.
//!
//! Routes: `GET/POST /acties/nieuw`, `GET /acties/{id}`, `GET/POST /acties/{id}/bewerken`,
//! `POST /acties/{id}/verwijderen`, `POST /acties/{id}/herstellen` (admins),
//! `POST /acties/{id}/overnemen`; lists and search in [`list`], the priority check in [`matrix`].

pub mod db;
pub mod form;
pub mod list;
pub mod matrix;
pub mod model;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::auth::{AdminOnly, SignedIn, deny};
use anyhow::anyhow;

use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Query, RawForm};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::FieldErrors;
use crate::web::layout::Layout;
use crate::web::{format, render, render_with_status};
use db::{Action, Inserted, Origin};
use form::{ActionForm, ActionInput};
use model::{
    Kind, PRIORITIES, PartnerKind, Status, TARGET_GROUPS, priority_code, target_group_label,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/acties/nieuw", get(new).post(create))
        .route("/acties/{id}", get(show))
        .route("/acties/{id}/bewerken", get(edit).post(update))
        .route("/acties/{id}/verwijderen", post(delete))
        .route("/acties/{id}/herstellen", post(restore))
        .route("/acties/{id}/overnemen", post(copy))
        .merge(list::router())
        .merge(matrix::router())
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

/// Everything the form template needs besides the typed values.
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
    partner_kinds: Vec<(&'static str, &'static str)>,
    recent_partners: Vec<String>,
    participants: Vec<(String, &'static str, String, String)>,
    back: String,
}

fn choices(
    all: impl IntoIterator<Item = (String, String)>,
    checked: impl Fn(&str) -> bool,
) -> Vec<Choice> {
    all.into_iter()
        .map(|(value, label)| Choice {
            checked: checked(&value),
            value,
            label,
        })
        .collect()
}

impl ActionFormPage {
    #[expect(
        clippy::too_many_arguments,
        reason = "one call per form use; a builder adds nothing"
    )]
    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        heading: String,
        action_url: String,
        own: Vec<(i64, String)>,
        fixed_partnership: Option<String>,
        partnership_id: Option<i64>,
        form: ActionForm,
        errors: FieldErrors,
        back: String,
    ) -> Result<Self> {
        let form = form.padded();
        let (members, recent) = match partnership_id {
            Some(id) => (
                db::members(&state.db, id).await?,
                db::recent_partners(&state.db, id).await?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        Ok(Self {
            layout: signed_in.layout(heading.clone()).await?,
            heading,
            action_url,
            partnerships: choices(
                own.into_iter().map(|(id, name)| (id.to_string(), name)),
                |v| Some(v.to_string()) == partnership_id.map(|p| p.to_string()),
            ),
            fixed_partnership,
            priorities: choices(
                PRIORITIES
                    .iter()
                    .map(|(n, code, label)| (n.to_string(), format!("{code}: {label}"))),
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
            municipalities: choices(members, |v| form.municipalities.contains(v)),
            partner_kinds: PartnerKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
            recent_partners: recent,
            participants: form
                .participants
                .iter()
                .map(|(code, p, r)| (code.clone(), target_group_label(code), p.clone(), r.clone()))
                .collect(),
            form,
            errors,
            back,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    werkingsgebied: Option<i64>,
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
        .filter(|id| own.iter().any(|(p, _)| p == id))
        .or(if own.len() == 1 { Some(own[0].0) } else { None });
    let form = ActionForm {
        status: "gepland".into(),
        partnership_id: chosen.map(|c| c.to_string()).unwrap_or_default(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    let page = ActionFormPage::build(
        &state,
        &signed_in,
        "Nieuwe actie".into(),
        "/acties/nieuw".into(),
        own,
        None,
        chosen,
        form,
        FieldErrors::new(),
        "/acties".into(),
    )
    .await?;
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawForm(body): RawForm,
) -> Result<Response> {
    let form = ActionForm::from_pairs(&pairs(&body));
    let own = db::own_partnerships(&state.db, &signed_in.user).await?;
    if own.is_empty() {
        return Err(deny(&state, &signed_in).await);
    }
    let partnership_id: Option<i64> = form.partnership_id.trim().parse().ok();
    // Only the regisseur's own werkingsgebieden; anything else in the form is an attempt.
    if let Some(id) = partnership_id
        && !own.iter().any(|(p, _)| *p == id)
    {
        return Err(deny(&state, &signed_in).await);
    }
    let members: Vec<String> = match partnership_id {
        Some(id) => db::members(&state.db, id)
            .await?
            .into_iter()
            .map(|m| m.0)
            .collect(),
        None => Vec::new(),
    };
    let (input, mut errors) = form::validate(&form, &members);
    if partnership_id.is_none() {
        errors.add("partnership_id", "Kies het werkingsgebied.");
    }
    if let (Some(input), Some(pid)) = (input.filter(|_| errors.is_empty()), partnership_id) {
        let key = uuid::Uuid::parse_str(form.idempotency_key.trim()).ok();
        let mut conn = state.db.acquire().await?;
        let inserted =
            db::insert(&mut conn, pid, &input, signed_in.user.user_id, key, None).await?;
        let (Inserted::New(id) | Inserted::Duplicate(id)) = inserted;
        return Ok(saved(id));
    }
    let page = ActionFormPage::build(
        &state,
        &signed_in,
        "Nieuwe actie".into(),
        "/acties/nieuw".into(),
        own,
        None,
        partnership_id,
        form,
        errors,
        "/acties".into(),
    )
    .await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// Loads an action for reading: everyone signed in, except that deleted actions are visible to
/// ministry staff and admins only.
async fn readable(state: &AppState, signed_in: &SignedIn, id: i64) -> Result<Action> {
    let mut conn = state.db.acquire().await?;
    let action = db::find(&mut conn, id).await?;
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

struct HistoryView {
    when: String,
    who: String,
    change: &'static str,
    fields: Vec<(String, String, String)>,
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
    participants: Vec<(&'static str, i32, i32)>,
    history: Vec<HistoryView>,
    may_write: bool,
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
    let a = readable(&state, &signed_in, id).await?;
    let names: std::collections::HashMap<String, String> = db::members(&state.db, a.partnership_id)
        .await?
        .into_iter()
        .collect();
    let may_write = a.deleted_at.is_none()
        && db::may_write(&state.db, &signed_in.user, a.partnership_id).await?;
    let own = db::own_partnerships(&state.db, &signed_in.user).await?;
    let i = &a.input;
    let page = ActionPage {
        layout: signed_in.layout(i.title.clone()).await?,
        priorities: i
            .priorities
            .iter()
            .map(|p| {
                let (_, code, label) = PRIORITIES
                    .iter()
                    .find(|(n, _, _)| n == p)
                    .copied()
                    .unwrap_or((0, "?", ""));
                format!("{code}: {label}")
            })
            .collect(),
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
        municipalities: i
            .municipalities
            .iter()
            .map(|n| names.get(n).cloned().unwrap_or_else(|| n.clone()))
            .collect(),
        dates: match i.ends_on {
            Some(e) if e != i.starts_on => {
                format!("{} - {}", format::date(i.starts_on), format::date(e))
            }
            _ => format::date(i.starts_on),
        },
        cost: i
            .cost_cents
            .map(format::euro_cents)
            .unwrap_or_else(|| "-".into()),
        participants: i
            .participants
            .iter()
            .map(|(t, p, r)| (target_group_label(t), *p, *r))
            .collect(),
        history: db::history(&state.db, id)
            .await?
            .into_iter()
            .map(|h| HistoryView {
                when: h.when,
                who: h.who,
                change: h.change,
                fields: h.fields,
            })
            .collect(),
        may_write,
        may_copy: a.deleted_at.is_none() && own.iter().any(|(p, _)| *p != a.partnership_id),
        is_admin: signed_in.user.role == Role::Admin,
        origin: origin_label(a.origin),
        just_saved: query.bewaard.is_some(),
        a,
    };
    render(&page)
}

async fn edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let a = writable(&state, &signed_in, id).await?;
    let page = ActionFormPage::build(
        &state,
        &signed_in,
        format!("{} bewerken", a.input.title),
        format!("/acties/{id}/bewerken"),
        Vec::new(),
        Some(a.partnership_name.clone()),
        Some(a.partnership_id),
        db::form_of(&a),
        FieldErrors::new(),
        format!("/acties/{id}"),
    )
    .await?;
    render(&page)
}

#[derive(Template)]
#[template(path = "actions/conflict.html")]
struct ConflictPage {
    layout: Layout,
    action_id: i64,
    rows: Vec<(&'static str, String, String, bool)>,
    /// The user's values, resubmitted against the current version if they choose theirs.
    form_pairs: Vec<(String, String)>,
}

async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response> {
    let before = writable(&state, &signed_in, id).await?;
    let raw = pairs(&body);
    let form = ActionForm::from_pairs(&raw);
    let members: Vec<String> = db::members(&state.db, before.partnership_id)
        .await?
        .into_iter()
        .map(|m| m.0)
        .collect();
    let (input, mut errors) = form::validate(&form, &members);
    let version: Option<i32> = form.version.trim().parse().ok();
    if version.is_none() {
        errors.add(
            "version",
            "Het formulier is onvolledig; open de actie opnieuw.",
        );
    }
    let (Some(input), Some(version)) = (input.filter(|_| errors.is_empty()), version) else {
        let page = ActionFormPage::build(
            &state,
            &signed_in,
            format!("{} bewerken", before.input.title),
            format!("/acties/{id}/bewerken"),
            Vec::new(),
            Some(before.partnership_name.clone()),
            Some(before.partnership_id),
            form,
            errors,
            format!("/acties/{id}"),
        )
        .await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };

    let mut tx = state.db.begin().await?;
    // The version check happens in the UPDATE itself: of two saves of the same version, one wins.
    let current = db::find(&mut tx, id).await?;
    if !db::update(&mut tx, &current, &input, version, signed_in.user.user_id).await? {
        drop(tx);
        return conflict(&state, &signed_in, &current, &input, raw).await;
    }
    tx.commit().await?;
    Ok(saved(id))
}

/// After a save: the action page, told to confirm it. The confirmation rides in the URL rather
/// than as a session flash, so saving an action commits once instead of twice (the session
/// row would be written too); saving is the busiest write in regie.
fn saved(id: i64) -> Response {
    Redirect::to(&format!("/acties/{id}?bewaard=1")).into_response()
}

/// Someone saved the action since this user opened it: show both versions side by side and
/// let the user keep the stored one or save theirs over it.
async fn conflict(
    state: &AppState,
    signed_in: &SignedIn,
    current: &Action,
    mine: &ActionInput,
    raw: Vec<(String, String)>,
) -> Result<Response> {
    let (stored, theirs) = (db::describe(&current.input), db::describe(mine));
    let rows = stored
        .iter()
        .map(|(field, value)| {
            let mine = theirs.get(field).cloned().unwrap_or_default();
            (*field, value.clone(), mine.clone(), *value != mine)
        })
        .collect();
    let form_pairs = raw
        .into_iter()
        .filter(|(k, _)| k != "version" && k != crate::web::csrf::FIELD)
        .chain(std::iter::once((
            "version".to_string(),
            current.version.to_string(),
        )))
        .collect();
    let _ = state;
    render_with_status(
        StatusCode::CONFLICT,
        &ConflictPage {
            layout: signed_in
                .layout("Iemand anders wijzigde deze actie")
                .await?,
            action_id: current.action_id,
            rows,
            form_pairs,
        },
    )
}

async fn delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response> {
    let a = writable(&state, &signed_in, id).await?;
    let mut tx = state.db.begin().await?;
    sqlx::query!(
        "update actions set deleted_at = now(), deleted_by = $2, version = version + 1 where action_id = $1 and deleted_at is null",
        id,
        signed_in.user.user_id
    )
    .execute(&mut *tx)
    .await?;
    db::record_change(
        &mut tx,
        id,
        signed_in.user.user_id,
        "deleted",
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Actie verwijderd. Een beheerder kan ze herstellen.",
        &format!("/werkingsgebieden/{}/acties", a.partnership_id),
    )
    .await
}

async fn restore(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    let restored = sqlx::query!(
        "update actions set deleted_at = null, deleted_by = null, version = version + 1 where action_id = $1 and deleted_at is not null",
        id
    )
    .execute(&mut *tx)
    .await?;
    if restored.rows_affected() == 0 {
        db::find(&mut tx, id).await?;
    } else {
        db::record_change(
            &mut tx,
            id,
            admin.user.user_id,
            "restored",
            serde_json::json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Actie hersteld.",
        &format!("/acties/{id}"),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CopyForm {
    partnership_id: String,
}

/// "Overnemen": a regisseur copies another area's action into their own werkingsgebied as a
/// new planned action that links back to its source. Municipalities, results and counts stay
/// behind: they belong to the other area.
async fn copy(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CopyForm>,
) -> Result<Response> {
    let source = readable(&state, &signed_in, id).await?;
    let own = db::own_partnerships(&state.db, &signed_in.user).await?;
    let target = form
        .partnership_id
        .trim()
        .parse::<i64>()
        .ok()
        .or(own.first().map(|o| o.0))
        .filter(|t| own.iter().any(|(p, _)| p == t));
    let Some(target) = target else {
        return Err(deny(&state, &signed_in).await);
    };
    let input = ActionInput {
        municipalities: Vec::new(),
        participants: Vec::new(),
        results: String::new(),
        cost_cents: None,
        status: Status::Gepland,
        ..source.input.clone()
    };
    let mut conn = state.db.acquire().await?;
    let Inserted::New(new_id) = db::insert(
        &mut conn,
        target,
        &input,
        signed_in.user.user_id,
        None,
        Some(id),
    )
    .await?
    else {
        return Err(anyhow!("copy without key reported a duplicate").into());
    };
    flash::redirect(
        &signed_in.session,
        FlashKind::Success,
        "Actie overgenomen als geplande actie in uw werkingsgebied. Pas ze nu aan.",
        &format!("/acties/{new_id}/bewerken"),
    )
    .await
}

/// A label for where an action comes from, for lists and pages.
pub fn origin_label(origin: Origin) -> &'static str {
    match origin {
        Origin::Real => "",
        Origin::Demo => "demo",
        Origin::Synthetic => "synthetisch",
    }
}

pub fn priorities_label(priorities: &[i16]) -> String {
    priorities
        .iter()
        .map(|p| priority_code(*p))
        .collect::<Vec<_>>()
        .join(", ")
}
