//! The page of one agreement: its facts and bound municipalities, the status with the next
//! steps the user may take, a timeline of status changes and comments, and the sections of
//! [`commitments`](super::commitments), [`meetings`](super::meetings) and
//! [`documents`](super::documents).
//!
//! Route: `GET /samenwerkingsovereenkomsten/{id}` (`?bewaard=1` after a save).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::access::{self, Access};
use super::db::{self, Agreement, Binding};
use super::model::AgreementStatus;
use super::{commitments, documents, meetings};
use crate::auth::SignedIn;
use crate::database::Timestamp;
use crate::error::Result;
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/samenwerkingsovereenkomsten/{id}", get(show))
}

/// One line of the timeline: a status change or a comment.
pub struct TimelineLine {
    pub when: String,
    pub who: String,
    /// `ontwerp → onderhandeld`, or empty for a comment.
    pub change: String,
    /// The reason of a change, or the text of a comment.
    pub text: String,
    pub is_comment: bool,
}

#[derive(Template)]
#[template(path = "agreements/show.html")]
struct AgreementPage {
    layout: Layout,
    a: Agreement,
    status: &'static str,
    origin: &'static str,
    dates: String,
    signed_on: String,
    bindings: Vec<BindingLine>,
    timeline: Vec<TimelineLine>,
    /// The statuses this user may move the agreement to now.
    next_statuses: Vec<Choice>,
    access: Access,
    commitments: commitments::Section,
    meetings: meetings::Section,
    documents: documents::Section,
    /// Makes a double-submitted comment one comment.
    comment_key: String,
    just_saved: bool,
}

struct BindingLine {
    name: String,
    decision_on: String,
    decision_url: String,
}

impl From<Binding> for BindingLine {
    fn from(b: Binding) -> Self {
        Self {
            name: b.name,
            decision_on: b
                .council_decision_on
                .map(format::date)
                .unwrap_or_else(|| "-".into()),
            decision_url: b.council_decision_url,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    bewaard: Option<String>,
}

/// Loads an agreement that `signed_in` may read, with what they may do with it; refuses (403,
/// audited) otherwise.
pub async fn readable(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
) -> Result<(Agreement, Access)> {
    let mut conn = state.db.acquire().await?;
    let agreement = db::find(&mut conn, id).await?;
    let access = access::of(&mut *conn, &signed_in.user, agreement.partnership_id).await?;
    drop(conn);
    access::require(state, signed_in, access.read).await?;
    Ok((agreement, access))
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<ShowQuery>,
) -> Result<Response> {
    let (a, access) = readable(&state, &signed_in, id).await?;
    let next_statuses = if access.write {
        AgreementStatus::ALL
            .into_iter()
            .filter(|to| a.status.may_become(*to))
            .map(|to| Choice::new(to.code(), to.label(), false))
            .collect()
    } else {
        Vec::new()
    };
    let page = AgreementPage {
        layout: signed_in.layout(a.title.clone()).await?,
        status: a.status.label(),
        origin: a.origin.label(),
        dates: format!(
            "{} - {}",
            format::date(a.starts_on),
            format::date(a.ends_on)
        ),
        signed_on: a.signed_on.map(format::date).unwrap_or_else(|| "-".into()),
        bindings: db::bindings(&state.db, id)
            .await?
            .into_iter()
            .map(BindingLine::from)
            .collect(),
        timeline: timeline(&state, id, !access.outside).await?,
        next_statuses,
        access,
        commitments: commitments::section(&state, &a, access).await?,
        meetings: meetings::section(&state, &a, access).await?,
        documents: documents::section(&state, &a, access).await?,
        comment_key: uuid::Uuid::new_v4().to_string(),
        just_saved: query.bewaard.is_some(),
        a,
    };
    render(&page)
}

/// Status changes and (unless `with_comments` is false) comments, oldest first.
async fn timeline(
    state: &AppState,
    agreement_id: i64,
    with_comments: bool,
) -> Result<Vec<TimelineLine>> {
    let rows = sqlx::query!(
        r#"select at as "at!: Timestamp", who, from_status as "from_status: AgreementStatus",
                  to_status as "to_status: AgreementStatus", text as "text!"
           from (
               select c.changed_at as at, coalesce(u.full_name, '-') as who, c.from_status,
                      c.to_status, c.reason as text, c.agreement_status_change_id as seq, 0 as kind
               from agreement_status_changes c left join users u on u.user_id = c.changed_by
               where c.agreement_id = $1
               union all
               select m.created_at, coalesce(u.full_name, '-'), null, null, m.body,
                      m.agreement_comment_id, 1
               from agreement_comments m left join users u on u.user_id = m.created_by
               where m.agreement_id = $1 and $2
           ) t
           order by at, kind, seq"#,
        agreement_id,
        with_comments
    )
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let is_comment = r.to_status.is_none();
            TimelineLine {
                when: format::datetime(r.at),
                who: r.who.unwrap_or_default(),
                change: match (r.from_status, r.to_status) {
                    (Some(from), Some(to)) => format!("{} → {}", from.label(), to.label()),
                    (None, Some(to)) => format!("aangemaakt als {}", to.label()),
                    _ => String::new(),
                },
                text: r.text,
                is_comment,
            }
        })
        .collect())
}
