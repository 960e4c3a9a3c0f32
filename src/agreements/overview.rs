//! The overview of a period's agreements, one row per werkingsgebied: which have a signed
//! agreement, when they last followed it up, how many commitments are late, and a map coloured
//! by the most advanced agreement of each werkingsgebied. A VDAB account manager sees only the
//! werkingsgebieden assigned to them; everyone else signed in sees all. The filters live in the
//! URL, and the exports in [`super::export`] take the same ones.
//!
//! Route: `GET /samenwerkingsovereenkomsten?periode=&status=&provincie=&werkingsgebied=&achterstand=1`.
//! The map is in [`status_map`]; the section of the werkingsgebied page that lists its
//! agreements in [`partnership`].

mod partnership;
mod status_map;

use std::collections::{BTreeSet, HashMap, HashSet};

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::{PgConnection, PgPool};

use super::access;
use super::model::AgreementStatus;
use crate::auth::SignedIn;
use crate::coverage::db::cached_snapshot;
use crate::error::{AppError, Result};
use crate::identity::{CurrentUser, Role};
use crate::municipalities::PROVINCES;
use crate::periods::{self, Period};
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::Query;
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{format, render};

pub use partnership::{PartnershipAgreement, PartnershipSection};
use status_map::{StatusMap, status_map};

pub fn router() -> Router<AppState> {
    Router::new().route("/samenwerkingsovereenkomsten", get(index))
}

/// The filters as the query string has them (a GET form, so a view can be bookmarked).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Filters {
    pub periode: String,
    /// An agreement status code, or `geen` for werkingsgebieden without any agreement.
    pub status: String,
    pub provincie: String,
    pub werkingsgebied: String,
    /// `1`: only werkingsgebieden with overdue commitments.
    pub achterstand: String,
}

/// The `status` filter value for "no agreement at all".
const NONE: &str = "geen";

/// The filters parsed; unknown values are ignored rather than failing the page.
pub struct Parsed {
    pub period: Period,
    /// A status code or [`NONE`].
    pub status: Option<String>,
    pub province: Option<String>,
    pub partnership: Option<i64>,
    pub overdue_only: bool,
}

impl Filters {
    /// Parses the filters against the periods `all`; the period defaults to the current one,
    /// else the latest. A period that does not exist is a 404.
    pub fn parse(&self, all: &[Period]) -> Result<Parsed> {
        let period = periods::choose(all, self.periode.trim().parse().ok())
            .ok_or(AppError::NotFound)?
            .clone();
        let status = self.status.trim();
        Ok(Parsed {
            period,
            status: (status == NONE || AgreementStatus::parse(status).is_some())
                .then(|| status.to_string()),
            province: PROVINCES
                .iter()
                .find(|p| **p == self.provincie.trim())
                .map(|p| p.to_string()),
            partnership: self.werkingsgebied.trim().parse().ok(),
            overdue_only: self.achterstand.trim() == "1",
        })
    }

    /// The query string of these filters, for the export links (`?periode=..`), or empty.
    fn query_string(&self, period: i64) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("periode", &period.to_string());
        for (k, v) in [
            ("status", &self.status),
            ("provincie", &self.provincie),
            ("werkingsgebied", &self.werkingsgebied),
            ("achterstand", &self.achterstand),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        format!("?{}", s.finish())
    }
}

/// One agreement in a row of the overview.
pub struct AgreementLink {
    pub agreement_id: i64,
    pub title: String,
    pub status: AgreementStatus,
}

/// One werkingsgebied of the period with its agreements and follow-up.
pub struct AreaRow {
    pub partnership_id: i64,
    pub name: String,
    pub is_demo: bool,
    pub agreements: Vec<AgreementLink>,
    pub last_meeting: Option<NaiveDate>,
    /// Overdue commitments, here and in the exports: of a signed agreement (ondertekend, in
    /// opvolging, geëvalueerd: the promises that bind), past their deadline and still planned or
    /// running. A draft's deadlines are not promises yet, and a stopped agreement's no longer.
    pub overdue: i64,
    /// The municipalities its agreements bind (NIS code), each with the binding agreement's
    /// status: what the map colours.
    pub bindings: Vec<(String, AgreementStatus)>,
}

impl AreaRow {
    pub fn has_signed(&self) -> bool {
        self.agreements.iter().any(|a| a.status.is_signed())
    }
}

/// The provinces of each werkingsgebied of a period, for the province filter.
pub type Provinces = HashMap<i64, BTreeSet<String>>;

/// The provinces of the werkingsgebieden of `period`, from the cached coverage figures (the
/// members of a period are reference data).
pub async fn provinces(db: &PgPool, reference: &Reference, period: &Period) -> Result<Provinces> {
    let snapshot = cached_snapshot(reference, db, period, period.population_year).await?;
    Ok(snapshot.area_provinces())
}

impl Parsed {
    /// Whether `row` passes the filters other than the period.
    fn keeps(&self, row: &AreaRow, provinces: &Provinces) -> bool {
        let status = match self.status.as_deref() {
            None => true,
            Some(NONE) => row.agreements.is_empty(),
            Some(code) => row.agreements.iter().any(|a| a.status.code() == code),
        };
        status
            && self.partnership.is_none_or(|id| id == row.partnership_id)
            && self.province.as_ref().is_none_or(|province| {
                provinces
                    .get(&row.partnership_id)
                    .is_some_and(|theirs| theirs.contains(province))
            })
            && (!self.overdue_only || row.overdue > 0)
    }
}

/// The werkingsgebieden of the period that match the filters and that `visible` allows (`None`:
/// all), by name, each with its agreements: [`period_rows`] filtered.
pub async fn rows(
    conn: &mut PgConnection,
    parsed: &Parsed,
    provinces: &Provinces,
    visible: Option<&[i64]>,
) -> Result<Vec<AreaRow>> {
    let mut rows = period_rows(conn, parsed.period.policy_period_id, visible).await?;
    rows.retain(|r| parsed.keeps(r, provinces));
    Ok(rows)
}

/// Every werkingsgebied of period `period_id` that `visible` allows (`None`: all), by name,
/// with its agreements, follow-up and bound municipalities. One statement with no optional
/// conditions, whose one plan (see `database::tune`) suits every view; the page's filters are
/// applied to its few dozen rows here ([`Parsed::keeps`]). With every filter optional in the
/// statement, planning it anew for each view cost more than running it. Each part is
/// aggregated once for the whole period and joined, not looked up per werkingsgebied (a
/// lateral subquery each): 0.5 against 1.4 ms with 39 werkingsgebieden.
pub async fn period_rows(
    conn: &mut PgConnection,
    period_id: i64,
    visible: Option<&[i64]>,
) -> Result<Vec<AreaRow>> {
    let rows = sqlx::query!(
        r#"with areas as (
               select partnership_id, name, is_demo from partnerships where policy_period_id = $1
           ),
           ag as (
               select a.partnership_id,
                      array_agg(a.agreement_id order by a.starts_on, a.agreement_id) as ids,
                      array_agg(a.title order by a.starts_on, a.agreement_id) as titles,
                      array_agg(a.status::text order by a.starts_on, a.agreement_id) as statuses
               from agreements a join areas using (partnership_id)
               group by a.partnership_id
           ),
           mt as (
               select a.partnership_id, max(m.held_on) as last_meeting
               from agreement_meetings m join agreements a using (agreement_id)
               join areas using (partnership_id)
               group by a.partnership_id
           ),
           ov as (
               select a.partnership_id, count(*) as overdue
               from commitments c join agreements a using (agreement_id)
               join areas using (partnership_id)
               where a.status in ('ondertekend', 'in_opvolging', 'geevalueerd')
                 and c.deadline < $2 and c.status in ('gepland', 'lopend')
               group by a.partnership_id
           ),
           bd as (
               select am.partnership_id, array_agg(am.nis_code) as nis_codes,
                      array_agg(a.status::text) as statuses
               from agreement_municipalities am join agreements a using (agreement_id)
               join areas on areas.partnership_id = am.partnership_id
               group by am.partnership_id
           )
           select r.partnership_id as "partnership_id!", r.name as "name!",
                  r.is_demo as "is_demo!",
                  coalesce(ag.ids, '{}') as "ids!", coalesce(ag.titles, '{}') as "titles!",
                  coalesce(ag.statuses, '{}') as "statuses!",
                  mt.last_meeting as "last_meeting?: NaiveDate",
                  coalesce(ov.overdue, 0) as "overdue!",
                  coalesce(bd.nis_codes, '{}') as "bound_nis_codes!",
                  coalesce(bd.statuses, '{}') as "bound_statuses!"
           from areas r
           left join ag using (partnership_id)
           left join mt using (partnership_id)
           left join ov using (partnership_id)
           left join bd using (partnership_id)
           order by r.name, r.partnership_id"#,
        period_id,
        crate::web::format::today() as NaiveDate,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| visible.is_none_or(|ids| ids.contains(&r.partnership_id)))
        .map(|r| AreaRow {
            partnership_id: r.partnership_id,
            name: r.name,
            is_demo: r.is_demo,
            agreements: r
                .ids
                .into_iter()
                .zip(r.titles)
                .zip(r.statuses)
                .filter_map(|((agreement_id, title), status)| {
                    Some(AgreementLink {
                        agreement_id,
                        title,
                        status: AgreementStatus::parse(&status)?,
                    })
                })
                .collect(),
            last_meeting: r.last_meeting,
            overdue: r.overdue,
            bindings: r
                .bound_nis_codes
                .into_iter()
                .zip(r.bound_statuses)
                .filter_map(|(nis, status)| Some((nis, AgreementStatus::parse(&status)?)))
                .collect(),
        })
        .collect())
}

/// The figure "X van Y werkingsgebieden hebben een ondertekende overeenkomst" over all
/// visible werkingsgebieden, whatever the other filters.
fn signed_count(all: &[AreaRow]) -> (i64, i64) {
    let signed = all.iter().filter(|r| r.has_signed()).count();
    (signed as i64, all.len() as i64)
}

struct RowView {
    partnership_id: i64,
    name: String,
    is_demo: bool,
    agreements: Vec<AgreementView>,
    signed: bool,
    last_meeting: String,
    overdue: i64,
    may_write: bool,
}

struct AgreementView {
    agreement_id: i64,
    title: String,
    status_code: &'static str,
    status: &'static str,
}

struct AreaLink {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "agreements/index.html")]
struct OverviewPage {
    layout: Layout,
    period: Period,
    periods: Vec<Choice>,
    statuses: Vec<Choice>,
    provinces: Vec<Choice>,
    areas: Vec<Choice>,
    overdue_only: bool,
    signed: i64,
    total: i64,
    share: String,
    without_signed: Vec<AreaLink>,
    map: StatusMap,
    rows: Vec<RowView>,
    export: String,
    /// Werkingsgebied pages are not for VDAB account managers: their names are not links.
    link_areas: bool,
    any_demo: bool,
}

/// The werkingsgebieden `user` may add agreements to: `None` for all (admins). Only what the
/// page offers: the form checks again.
fn writable(user: &CurrentUser) -> Option<HashSet<i64>> {
    match user.role {
        Role::Admin => None,
        Role::Regisseur => Some(user.own_partnerships.iter().copied().collect()),
        Role::Ministry | Role::Vdab => Some(HashSet::new()),
    }
}

/// The period a VDAB account manager's overview opens on: the usual one (current, else latest)
/// when it holds one of their werkingsgebieden, else the latest period that does, so the page
/// never opens empty while their werkingsgebieden sit in another period. Empty: the usual one.
async fn own_period(conn: &mut sqlx::PgConnection, all: &[Period], own: &[i64]) -> Result<String> {
    let theirs = sqlx::query_scalar!(
        "select distinct policy_period_id from partnerships where partnership_id = any($1)",
        own
    )
    .fetch_all(&mut *conn)
    .await?;
    let usual = periods::choose(all, None).map(|p| p.policy_period_id);
    if usual.is_some_and(|id| theirs.contains(&id)) {
        return Ok(String::new());
    }
    Ok(all
        .iter()
        .rev()
        .find(|p| theirs.contains(&p.policy_period_id))
        .map(|p| p.policy_period_id.to_string())
        .unwrap_or_default())
}

async fn index(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let all_periods = reference.periods(&state.db).await?;
    let mut conn = state.db.acquire().await?;
    let visible = access::visible_partnerships(&mut *conn, &signed_in.user).await?;
    let mut filters = filters;
    if let (true, Some(own)) = (filters.periode.trim().is_empty(), visible.as_deref()) {
        filters.periode = own_period(&mut conn, &all_periods, own).await?;
    }
    let parsed = filters.parse(&all_periods)?;
    let all = period_rows(
        &mut conn,
        parsed.period.policy_period_id,
        visible.as_deref(),
    )
    .await?;
    drop(conn);
    let period = &parsed.period;
    let snapshot = cached_snapshot(&reference, &state.db, period, period.population_year).await?;
    let provinces = snapshot.area_provinces();
    let writable = writable(&signed_in.user);
    let (signed, total) = signed_count(&all);
    let map = status_map(&state, &reference, &snapshot, &all, visible.is_some()).await?;
    // The choices, the figure and the map take every visible werkingsgebied; the rows only
    // those the filters keep.
    let areas = all
        .iter()
        .map(|a| {
            let selected = parsed.partnership == Some(a.partnership_id);
            Choice::new(a.partnership_id, &a.name, selected)
        })
        .collect();
    let without_signed = all
        .iter()
        .filter(|a| !a.has_signed())
        .map(|a| AreaLink {
            id: a.partnership_id,
            name: a.name.clone(),
        })
        .collect();
    let shown: Vec<AreaRow> = all
        .into_iter()
        .filter(|r| parsed.keeps(r, &provinces))
        .collect();

    let chosen = |value: &str, current: &str| value == current.trim();
    let page = OverviewPage {
        layout: signed_in
            .layout(format!(
                "Samenwerkingsovereenkomsten {}",
                parsed.period.name
            ))
            .await?,
        periods: crate::partnerships::period_choices(&all_periods, parsed.period.policy_period_id),
        statuses: std::iter::once(Choice::new(
            NONE,
            "geen overeenkomst",
            chosen(NONE, &filters.status),
        ))
        .chain(
            AgreementStatus::ALL
                .into_iter()
                .map(|s| Choice::new(s.code(), s.label(), chosen(s.code(), &filters.status))),
        )
        .collect(),
        provinces: PROVINCES
            .iter()
            .map(|p| Choice::new(p, *p, chosen(p, &filters.provincie)))
            .collect(),
        areas,
        overdue_only: parsed.overdue_only,
        signed,
        total,
        share: format::percent(signed, total),
        without_signed,
        map,
        any_demo: shown.iter().any(|r| r.is_demo),
        rows: shown
            .into_iter()
            .map(|r| RowView {
                signed: r.has_signed(),
                may_write: writable
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&r.partnership_id)),
                partnership_id: r.partnership_id,
                name: r.name,
                is_demo: r.is_demo,
                agreements: r
                    .agreements
                    .into_iter()
                    .map(|a| AgreementView {
                        agreement_id: a.agreement_id,
                        title: a.title,
                        status_code: a.status.code(),
                        status: a.status.label(),
                    })
                    .collect(),
                last_meeting: r.last_meeting.map_or_else(|| "-".into(), format::date),
                overdue: r.overdue,
            })
            .collect(),
        export: filters.query_string(parsed.period.policy_period_id),
        link_areas: signed_in.user.role != Role::Vdab,
        period: parsed.period,
    };
    render(&page)
}
