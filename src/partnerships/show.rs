//! The page of one werkingsgebied: `GET /werkingsgebieden/{id}` (signed in).
//!
//! It shows a lot (members, regisseurs, appointments, agreements, the priority matrix, the
//! reviewer), which used to cost nine to twelve statements in a row. Now what changes only with
//! the reference data (the werkingsgebied, its members with their population) comes from the
//! in-process cache, and everything else in ONE statement; who may do what is told from the
//! session's user without a query.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use sqlx::types::Json;

use super::{Partnership, PartnershipLink, db, find};
use crate::actions::matrix::{self, PartnershipMatrix};
use crate::actions::model::Origin;
use crate::agreements::model::AgreementStatus;
use crate::agreements::overview::{PartnershipAgreement, PartnershipSection};
use crate::appointments::db::Appointment;
use crate::appointments::{HistoryLine, history_lines};
use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::identity::Role;
use crate::periods::Period;
use crate::reference::Reference;
use crate::reports::reviewers::{self, Assigned, Candidate, ReviewerSection};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::layout::Layout;
use crate::web::{format, render};

struct MemberRow {
    nis_code: String,
    name: String,
    province: String,
    population: String,
    centre_city: bool,
}

/// What the page shows that is derived from reference tables only, cached per reference
/// version.
struct Facts {
    p: Partnership,
    period: Period,
    carried_over_from: Option<PartnershipLink>,
    members: Vec<MemberRow>,
    /// Inhabitants in the period's population year.
    population: i64,
    flags: Vec<&'static str>,
}

async fn load_facts(state: &AppState, reference: &Reference, id: i64) -> Result<Facts> {
    let p = find(&state.db, id).await?;
    let period = reference
        .periods(&state.db)
        .await?
        .iter()
        .find(|period| period.policy_period_id == p.policy_period_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let members = db::members_with_population(&state.db, id, period.population_year).await?;
    let population = members
        .iter()
        .filter_map(|m| m.population)
        .map(i64::from)
        .sum();
    let only_centre_cities = !members.is_empty() && members.iter().all(|m| m.centre_city);
    let carried_over_from = match p.carried_over_from {
        Some(source) => Some(PartnershipLink {
            id: source,
            name: find(&state.db, source).await?.name,
        }),
        None => None,
    };
    Ok(Facts {
        flags: db::flags(members.len() as i64, population, only_centre_cities),
        members: members
            .into_iter()
            .map(|m| MemberRow {
                population: m
                    .population
                    .map_or_else(|| "-".into(), |n| format::thousands(n.into())),
                nis_code: m.nis_code,
                name: m.name_nl,
                province: m.province,
                centre_city: m.centre_city,
            })
            .collect(),
        population,
        carried_over_from,
        period,
        p,
    })
}

/// The page's data that changes with the daily work, read in one statement: the action count,
/// the priority counts, the regisseurs on the period's reference day, the appointments (with
/// the names of who asked and decided, which can change without the reference data), the
/// agreements and the reviewer (with who may become one, for admins).
struct Live {
    action_count: i64,
    regisseurs: Vec<String>,
    matrix: PartnershipMatrix,
    appointments: Vec<HistoryLine>,
    agreements: Vec<PartnershipAgreement>,
    reviewer: ReviewerSection,
}

async fn load_live(state: &AppState, facts: &Facts, is_admin: bool) -> Result<Live> {
    let (id, period) = (facts.p.partnership_id, &facts.period);
    let r = sqlx::query!(
        r#"select
             (select count(*) from actions where partnership_id = $1 and deleted_at is null)
               as "action_count!",
             -- As the werkingsgebieden list has them (db::summaries).
             coalesce((select array_agg(a.person_name order by a.person_name)
                         from appointments a
                        where a.partnership_id = $1
                          and a.status in ('goedgekeurd', 'beeindigd')
                          and greatest(pp.starts_on, least(current_date, pp.ends_on))
                              between a.starts_on and coalesce(a.ended_on, a.ends_on)),
                      '{}') as "regisseurs!",
             c.years as "count_years!: Vec<i16>", c.priorities as "count_priorities!: Vec<i16>",
             c.actions as "count_actions!: Vec<i32>",
             g.ids as "agreement_ids!: Vec<i64>", g.titles as "agreement_titles!: Vec<String>",
             g.statuses as "agreement_statuses!: Vec<AgreementStatus>",
             g.starts as "agreement_starts!: Vec<NaiveDate>",
             g.ends as "agreement_ends!: Vec<NaiveDate>",
             g.origins as "agreement_origins!: Vec<Origin>",
             -- The fields of appointments::db::Appointment, newest first.
             coalesce((select json_agg(h order by h.appointment_id desc) from (
                 select a.appointment_id, a.partnership_id, p.name as partnership_name,
                        pp.name as period_name, a.person_name, a.person_email,
                        (a.fte * 100)::bigint as fte_hundredths, a.starts_on, a.ends_on,
                        a.status, rq.full_name as requested_by, a.requested_at, a.request_note,
                        dc.full_name as decided_by, a.decided_at, a.decision_motivation,
                        en.full_name as ended_by, a.ended_on, a.end_motivation, a.user_id,
                        a.is_demo
                 from appointments a
                 join partnerships p on p.partnership_id = a.partnership_id
                 left join users rq on rq.user_id = a.requested_by
                 left join users dc on dc.user_id = a.decided_by
                 left join users en on en.user_id = a.ended_by
                 where a.partnership_id = $1) h), '[]') as "appointments!: Json<Vec<Appointment>>",
             rv.user_id as "reviewer_id?", rv.full_name as "reviewer_name?",
             rv.reachable as "reviewer_reachable?",
             case when $5 then coalesce(
                 (select json_agg(json_build_object('user_id', u.user_id,
                                                    'full_name', u.full_name, 'email', u.email)
                                  order by u.full_name, u.user_id)
                    from users u where u.role = 'ministry' and u.active), '[]') end
               as "candidates: Json<Vec<Candidate>>"
           from policy_periods pp
           cross join lateral (
               select coalesce(array_agg(c.year order by c.year, c.priority), '{}') as years,
                      coalesce(array_agg(c.priority order by c.year, c.priority), '{}')
                        as priorities,
                      coalesce(array_agg(c.actions order by c.year, c.priority), '{}') as actions
               from action_priority_counts c
               where c.partnership_id = $1 and c.year between $3 and $4 and c.actions > 0
           ) c
           cross join lateral (
               select coalesce(array_agg(g.agreement_id order by g.starts_on, g.agreement_id),
                               '{}') as ids,
                      coalesce(array_agg(g.title order by g.starts_on, g.agreement_id), '{}')
                        as titles,
                      coalesce(array_agg(g.status order by g.starts_on, g.agreement_id), '{}')
                        as statuses,
                      coalesce(array_agg(g.starts_on order by g.starts_on, g.agreement_id),
                               '{}') as starts,
                      coalesce(array_agg(g.ends_on order by g.starts_on, g.agreement_id), '{}')
                        as ends,
                      coalesce(array_agg(g.origin order by g.starts_on, g.agreement_id), '{}')
                        as origins
               from agreements g where g.partnership_id = $1
           ) g
           left join lateral (
               select u.user_id, u.full_name, (u.active and u.role = 'ministry') as reachable
               from partnership_reviewers r join users u on u.user_id = r.reviewer_id
               where r.partnership_id = $1
           ) rv on true
           where pp.policy_period_id = $2"#,
        id,
        period.policy_period_id,
        period.starts_on.year() as i16,
        period.ends_on.year() as i16,
        is_admin,
    )
    .fetch_one(&state.db)
    .await?;
    let counts = r
        .count_years
        .into_iter()
        .zip(r.count_priorities)
        .zip(r.count_actions);
    let agreements = r
        .agreement_ids
        .into_iter()
        .zip(r.agreement_titles)
        .zip(r.agreement_statuses)
        .zip(r.agreement_starts.into_iter().zip(r.agreement_ends))
        .zip(r.agreement_origins)
        .map(|((((id, title), status), (starts, ends)), origin)| {
            PartnershipAgreement::new(id, title, status, starts, ends, origin)
        })
        .collect();
    let reviewer = match (r.reviewer_id, r.reviewer_name, r.reviewer_reachable) {
        (Some(user_id), Some(full_name), Some(reachable)) => Some(Assigned {
            user_id,
            full_name,
            reachable,
        }),
        _ => None,
    };
    Ok(Live {
        action_count: r.action_count,
        regisseurs: r.regisseurs,
        matrix: matrix::from_counts(
            period,
            id,
            &facts.p.name,
            &counts
                .map(|((year, priority), actions)| {
                    ((id, i32::from(year), priority), i64::from(actions))
                })
                .collect(),
        )?,
        appointments: history_lines(r.appointments.0),
        agreements,
        reviewer: reviewers::section_of(id, reviewer, r.candidates.map(|c| c.0)),
    })
}

struct AppointmentRow {
    id: i64,
    person_name: String,
    fte: String,
    dates: String,
    status: &'static str,
    requested: String,
    decided: String,
    motivation: String,
}

#[derive(Template)]
#[template(path = "partnerships/show.html")]
struct PartnershipPage<'a> {
    layout: Layout,
    p: &'a Partnership,
    period: &'a Period,
    legal_form: &'static str,
    members: &'a [MemberRow],
    population: String,
    flags: &'a [&'static str],
    regisseurs: Vec<String>,
    appointments: Vec<AppointmentRow>,
    carried_over_from: Option<&'a PartnershipLink>,
    is_admin: bool,
    is_staff: bool,
    may_edit_contact: bool,
    /// Links to the werkingsgebied's budget page for who may read it.
    may_read_budget: bool,
    matrix: PartnershipMatrix,
    action_count: i64,
    agreements: PartnershipSection,
    /// Who reviews its yearly reports; admins assign them.
    reviewer: ReviewerSection,
}

pub(super) async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
    Path(id): Path<i64>,
) -> Result<Response> {
    let facts: Arc<Facts> = reference
        .get_or_load(format!("partnership-page:{id}"), || {
            load_facts(&state, &reference, id)
        })
        .await?;
    let user = &signed_in.user;
    let role = user.role;
    let live = load_live(&state, &facts, role == Role::Admin).await?;
    // The same answers as db::may_edit_contact and budget::access::of, from the session's own
    // werkingsgebieden (an approved appointment running today) instead of a query each.
    let own = user.is_regisseur_of(id);
    render(&PartnershipPage {
        layout: signed_in.layout(facts.p.name.clone()).await?,
        p: &facts.p,
        period: &facts.period,
        legal_form: facts.p.legal_form.label(),
        members: &facts.members,
        population: format::thousands(facts.population),
        flags: &facts.flags,
        regisseurs: live.regisseurs,
        appointments: live
            .appointments
            .into_iter()
            .map(|a| AppointmentRow {
                id: a.appointment_id,
                person_name: a.person_name,
                fte: a.fte,
                dates: a.dates,
                status: a.status.label(),
                requested: a.requested,
                decided: a.decided,
                // Why a request was rejected or an appointment ended is about a person: for
                // the staff who decide, not for every signed-in user.
                motivation: if role == Role::Regisseur {
                    String::new()
                } else {
                    a.motivation
                },
            })
            .collect(),
        carried_over_from: facts.carried_over_from.as_ref(),
        is_admin: role == Role::Admin,
        is_staff: role != Role::Regisseur,
        may_edit_contact: role == Role::Admin || own,
        may_read_budget: matches!(role, Role::Admin | Role::Ministry) || own,
        matrix: live.matrix,
        action_count: live.action_count,
        agreements: PartnershipSection::new(id, live.agreements, user),
        reviewer: live.reviewer,
    })
}
