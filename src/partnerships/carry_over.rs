//! Carrying a werkingsgebied over to the next policy period: a copy with its members, re-mapped
//! to the new municipality list through the 2025 mergers when the list changes. A confirmation
//! page first says which municipalities go along and what stays behind.
//!
//! Routes (admins): `GET /werkingsgebieden/{id}/overdragen` (the confirmation),
//! `POST /werkingsgebieden/{id}/overdragen`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::{Partnership, db::LegalForm, find, period_of};
use crate::audit::{self, Action};
use crate::auth::AdminOnly;
use crate::error::{Result, ResultExt};
use crate::periods::{self, Period};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::flash::{self, FlashKind};
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/werkingsgebieden/{id}/overdragen",
        get(confirm).post(create),
    )
}

/// A municipality of the new werkingsgebied, as the confirmation lists it.
struct CarriedMember {
    name: String,
    /// The old municipalities it comes from, when that is not just itself (a 2025 merger).
    merged_from: String,
    /// The werkingsgebied of the next period that has it already (it then stays there).
    taken_by: Option<String>,
}

/// "Carry this werkingsgebied over?": into which period, with which municipalities.
#[derive(Template)]
#[template(path = "partnerships/carry_over.html")]
struct CarryOverPage {
    layout: Layout,
    p: Partnership,
    period: Period,
    next: Period,
    members: Vec<CarriedMember>,
    /// How many of them go along.
    carried: usize,
    actions: i64,
}

async fn confirm(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = find(&state.db, id).await?;
    let period = period_of(&state.db, &p).await?;
    let all = periods::list(&state.db).await?;
    let Some(next) = periods::next_after(&all, &period).cloned() else {
        return flash::redirect(
            &admin.session,
            FlashKind::Error,
            "Er is nog geen volgende beleidsperiode. Een beheerder maakt die eerst aan.",
            &format!("/werkingsgebieden/{id}"),
        )
        .await;
    };
    // Carried over once already: the page would list every municipality as taken (by the copy).
    if let Some(copy) = sqlx::query!(
        "select partnership_id, name from partnerships where carried_over_from = $1 limit 1",
        id
    )
    .fetch_optional(&state.db)
    .await?
    {
        return flash::redirect(
            &admin.session,
            FlashKind::Info,
            &format!(
                "Dit werkingsgebied werd al overgedragen, als {}.",
                copy.name
            ),
            &format!("/werkingsgebieden/{}", copy.partnership_id),
        )
        .await;
    }
    let members: Vec<CarriedMember> = sqlx::query!(
        r#"with mapped as (
               select coalesce(mm.to_nis_code, m.nis_code) as nis_code, old.name_nl as old_name
               from partnership_members m
               join municipalities old on old.vintage = m.vintage and old.nis_code = m.nis_code
               left join municipality_mergers mm
                      on mm.from_vintage = m.vintage and mm.from_nis_code = m.nis_code
                     and mm.to_vintage = $2
               where m.partnership_id = $1
           )
           select mu.name_nl, array_agg(mapped.old_name order by mapped.old_name) as "from_names!",
                  (select p.name from partnership_members pm
                   join partnerships p on p.partnership_id = pm.partnership_id
                   where pm.policy_period_id = $3 and pm.nis_code = mapped.nis_code) as taken_by
           from mapped join municipalities mu on mu.vintage = $2 and mu.nis_code = mapped.nis_code
           group by mu.name_nl, mapped.nis_code
           order by mu.name_nl"#,
        id,
        next.vintage,
        next.policy_period_id
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|m| CarriedMember {
        merged_from: if m.from_names == [m.name_nl.clone()] {
            String::new()
        } else {
            m.from_names.join(", ")
        },
        name: m.name_nl,
        taken_by: m.taken_by,
    })
    .collect();
    let actions = sqlx::query_scalar!(
        r#"select count(*) as "count!" from actions where partnership_id = $1 and deleted_at is null"#,
        id
    )
    .fetch_one(&state.db)
    .await?;
    render(&CarryOverPage {
        layout: admin
            .layout(format!("{} overdragen naar {}?", p.name, next.name))
            .await?,
        carried: members.iter().filter(|m| m.taken_by.is_none()).count(),
        members,
        actions,
        p,
        period,
        next,
    })
}

async fn create(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Path(id): Path<i64>,
) -> Result<Response> {
    // The same checks as before the confirmation: the periods may have changed since.
    let p = find(&state.db, id).await?;
    let period = period_of(&state.db, &p).await?;
    let all = periods::list(&state.db).await?;
    let back = Redirect::to(&format!("/werkingsgebieden/{id}")).into_response();
    let Some(next) = periods::next_after(&all, &period) else {
        flash::push(
            &admin.session,
            FlashKind::Error,
            "Er is nog geen volgende beleidsperiode. Een beheerder maakt die eerst aan.",
        )
        .await?;
        return Ok(back);
    };

    let mut tx = state.db.begin().await?;
    let copied = sqlx::query_scalar!(
        r#"insert into partnerships (policy_period_id, name, legal_form, lead_organisation,
                                     contact_name, contact_email, contact_phone, is_demo,
                                     carried_over_from)
           select $2, name, legal_form, lead_organisation, contact_name, contact_email,
                  contact_phone, is_demo, partnership_id
           from partnerships where partnership_id = $1
           returning partnership_id"#,
        id,
        next.policy_period_id
    )
    .fetch_one(&mut *tx)
    .await
    .on_constraint(&[(super::NAME_KEY, ())])?;
    let new_id = match copied {
        Ok(new_id) => new_id,
        Err(()) => {
            drop(tx);
            flash::push(
                &admin.session,
                FlashKind::Error,
                format!(
                    "In {} bestaat al een werkingsgebied met de naam {}; het werd niet opnieuw overgedragen.",
                    next.name, p.name
                ),
            )
            .await?;
            return Ok(back);
        }
    };

    // Members in the new list: merged municipalities become their 2025 municipality (two
    // members that merged become one). Those already in another werkingsgebied of the new
    // period stay there (on conflict do nothing) and are reported below.
    let carried = sqlx::query!(
        r#"with mapped as (
               select distinct coalesce(mm.to_nis_code, m.nis_code) as nis_code
               from partnership_members m
               left join municipality_mergers mm
                      on mm.from_vintage = m.vintage and mm.from_nis_code = m.nis_code
                     and mm.to_vintage = $3
               where m.partnership_id = $1
           ), inserted as (
               insert into partnership_members (partnership_id, policy_period_id, vintage, nis_code)
               select $2, $4, $3, mapped.nis_code
               from mapped join municipalities mu on mu.vintage = $3 and mu.nis_code = mapped.nis_code
               on conflict do nothing
               returning nis_code
           )
           select mu.name_nl, (i.nis_code is not null) as "carried!"
           from mapped
           join municipalities mu on mu.vintage = $3 and mu.nis_code = mapped.nis_code
           left join inserted i on i.nis_code = mapped.nis_code
           order by mu.name_nl"#,
        id,
        new_id,
        next.vintage,
        next.policy_period_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let count = carried.iter().filter(|c| c.carried).count();
    let skipped: Vec<&str> = carried
        .iter()
        .filter(|c| !c.carried)
        .map(|c| c.name_nl.as_str())
        .collect();

    audit::Entry::new(Action::PartnershipCarriedOver)
        .actor(&admin.user)
        .object("partnership", new_id)
        .details(serde_json::json!({
            "from_partnership": id,
            "to_period": next.name,
            "members": count,
            "skipped": skipped,
        }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;

    let mut message = format!(
        "Overgedragen naar {} met {}.",
        next.name,
        format::count(count as i64, "gemeente", "gemeenten")
    );
    if !skipped.is_empty() {
        message.push_str(&format!(
            " Niet overgenomen, want al in een ander werkingsgebied: {}.",
            skipped.join(", ")
        ));
    }
    if p.legal_form == LegalForm::Centrumstad && count != 1 {
        message.push_str(" Controleer de rechtsvorm.");
    }
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        message,
        &format!("/werkingsgebieden/{new_id}"),
    )
    .await
}
