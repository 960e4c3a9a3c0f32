//! The member municipalities of a werkingsgebied (admins). Search-as-you-type with htmx; the
//! same form works without JavaScript.
//!
//! Routes: `GET /werkingsgebieden/{id}/leden?q=`, `POST /werkingsgebieden/{id}/leden/toevoegen`,
//! `POST /werkingsgebieden/{id}/leden/verwijderen`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Partnership, PartnershipLink, db, find, period_of};
use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn};
use crate::error::{Result, ResultExt};
use crate::periods::Period;
use crate::state::AppState;
use crate::web::extract::{Form, Path, Query};
use crate::web::flash::{self, FlashKind};
use crate::web::layout::Layout;
use crate::web::{format, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/werkingsgebieden/{id}/leden", get(index))
        .route("/werkingsgebieden/{id}/leden/toevoegen", post(add))
        .route("/werkingsgebieden/{id}/leden/verwijderen", post(remove))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchQuery {
    q: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MemberForm {
    nis_code: String,
    q: String,
}

struct Member {
    nis_code: String,
    name: String,
    population: String,
}

struct Candidate {
    nis_code: String,
    name: String,
    province: String,
    population: String,
    /// The werkingsgebied it belongs to in this period, if any.
    taken_by: Option<PartnershipLink>,
}

#[derive(Template)]
#[template(path = "partnerships/members.html")]
struct MembersPage {
    layout: Layout,
    p: Partnership,
    period: Period,
    members: Vec<Member>,
    total_population: String,
    q: String,
    candidates: Vec<Candidate>,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    admin: &SignedIn,
    id: i64,
    q: &str,
    error: Option<String>,
) -> Result<MembersPage> {
    let p = find(&state.db, id).await?;
    let period = period_of(&state.db, &p).await?;
    let members = db::members_with_population(&state.db, id, period.population_year).await?;
    let q = q.trim();
    let candidates = if q.is_empty() {
        Vec::new()
    } else {
        sqlx::query!(
            r#"select mu.nis_code, mu.name_nl, mu.province, pop.population as "population?",
                      other.partnership_id as "other_id?", other.name as "other_name?"
               from municipalities mu
               left join municipality_populations pop
                      on pop.vintage = mu.vintage and pop.nis_code = mu.nis_code and pop.year = $3
               left join partnership_members pm
                      on pm.policy_period_id = $2 and pm.nis_code = mu.nis_code
               left join partnerships other on other.partnership_id = pm.partnership_id
               where mu.vintage = $1
                 and (mu.nis_code = $4 or strpos(lower(mu.name_nl), lower($4)) > 0)
               order by mu.name_nl
               limit 30"#,
            period.vintage,
            period.policy_period_id,
            period.population_year,
            q
        )
        .fetch_all(&state.db)
        .await?
        .into_iter()
        .map(|c| Candidate {
            nis_code: c.nis_code,
            name: c.name_nl,
            province: c.province,
            population: c
                .population
                .map_or_else(|| "-".into(), |n| format::thousands(n.into())),
            taken_by: c
                .other_id
                .zip(c.other_name)
                .map(|(id, name)| PartnershipLink { id, name }),
        })
        .collect()
    };
    let total: i64 = members
        .iter()
        .filter_map(|m| m.population)
        .map(i64::from)
        .sum();
    Ok(MembersPage {
        layout: admin.layout(format!("Gemeenten van {}", p.name)).await?,
        members: members
            .into_iter()
            .map(|m| Member {
                nis_code: m.nis_code,
                name: m.name_nl,
                population: m
                    .population
                    .map_or_else(|| "-".into(), |n| format::thousands(n.into())),
            })
            .collect(),
        total_population: format::thousands(total),
        q: q.to_string(),
        candidates,
        error,
        period,
        p,
    })
}

async fn index(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    Query(query): Query<SearchQuery>,
) -> Result<Response> {
    let page = page(&state, &admin, id, &query.q, None).await?;
    render_with_status(StatusCode::OK, &page)
}

fn back_to(id: i64, q: &str) -> String {
    let q = q.trim();
    if q.is_empty() {
        format!("/werkingsgebieden/{id}/leden")
    } else {
        format!(
            "/werkingsgebieden/{id}/leden?q={}",
            form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    }
}

/// Why the database refused a new member.
#[derive(Clone, Copy)]
enum Refused {
    /// The municipality is in another werkingsgebied (or this one) in this period.
    InAnother,
    /// Already a member of this werkingsgebied: a repeated submit.
    AlreadyMember,
}

async fn add(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response> {
    let p = find(&state.db, id).await?;
    let period = period_of(&state.db, &p).await?;
    let nis = form.nis_code.trim();
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query_scalar!(
        r#"insert into partnership_members (partnership_id, policy_period_id, vintage, nis_code)
           select $1, $2, $3, nis_code from municipalities where vintage = $3 and nis_code = $4
           returning nis_code"#,
        id,
        period.policy_period_id,
        period.vintage,
        nis
    )
    .fetch_optional(&mut *tx)
    .await
    // The database decides: a municipality is in at most one werkingsgebied per period.
    .on_constraint(&[
        ("partnership_members_one_per_period", Refused::InAnother),
        ("partnership_members_pkey", Refused::AlreadyMember),
    ])?;
    let error = match inserted {
        Ok(Some(_)) => None,
        Ok(None) => Some(format!(
            "De NIS-code {nis} hoort niet bij de gemeentelijst van deze periode."
        )),
        Err(Refused::InAnother) => {
            drop(tx);
            let other = sqlx::query!(
                r#"select o.partnership_id, o.name as other, mu.name_nl
                   from partnership_members m
                   join partnerships o on o.partnership_id = m.partnership_id
                   join municipalities mu on mu.vintage = m.vintage and mu.nis_code = m.nis_code
                   where m.policy_period_id = $1 and m.nis_code = $2"#,
                period.policy_period_id,
                nis
            )
            .fetch_optional(&state.db)
            .await?;
            // Removed from the other werkingsgebied at this very moment: back to the list,
            // where it can be added now.
            let Some(other) = other else {
                return Ok(Redirect::to(&back_to(id, &form.q)).into_response());
            };
            if other.partnership_id == id {
                // Added twice (a double click): already a member.
                return Ok(Redirect::to(&back_to(id, &form.q)).into_response());
            }
            let error = format!(
                "{} hoort in {} al bij werkingsgebied {}. Haal de gemeente daar eerst weg.",
                other.name_nl, period.name, other.other
            );
            let page = page(&state, &admin, id, &form.q, Some(error)).await?;
            return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(Refused::AlreadyMember) => {
            return Ok(Redirect::to(&back_to(id, &form.q)).into_response());
        }
    };
    if let Some(error) = error {
        drop(tx);
        let page = page(&state, &admin, id, &form.q, Some(error)).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    audit::Entry::new(Action::MemberAdded)
        .actor(&admin.user)
        .object("partnership", id)
        .details(serde_json::json!({ "nis_code": nis }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        "Gemeente toegevoegd.",
        &back_to(id, &form.q),
    )
    .await
}

async fn remove(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response> {
    find(&state.db, id).await?;
    let nis = form.nis_code.trim();
    let mut tx = state.db.begin().await?;
    let removed = sqlx::query!(
        "delete from partnership_members where partnership_id = $1 and nis_code = $2",
        id,
        nis
    )
    .execute(&mut *tx)
    .await
    // A municipality bound by a VDAB agreement stays a member until the agreement lets go.
    .on_constraint(&[("agreement_municipalities_partnership_id_nis_code_fkey", ())])?;
    let Ok(removed) = removed else {
        flash::push(
            &admin.session,
            FlashKind::Error,
            "Deze gemeente is gebonden door een samenwerkingsovereenkomst met VDAB van dit \
             werkingsgebied. Haal ze eerst uit die overeenkomst.",
        )
        .await?;
        return Ok(Redirect::to(&back_to(id, &form.q)).into_response());
    };
    if removed.rows_affected() > 0 {
        audit::Entry::new(Action::MemberRemoved)
            .actor(&admin.user)
            .object("partnership", id)
            .details(serde_json::json!({ "nis_code": nis }))
            .record(&mut *tx, &admin.ctx)
            .await?;
        tx.commit().await?;
        flash::push(&admin.session, FlashKind::Success, "Gemeente verwijderd.").await?;
    }
    Ok(Redirect::to(&back_to(id, &form.q)).into_response())
}
