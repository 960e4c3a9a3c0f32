//! The queries of the action lists: a count up to a limit, pages by date along a keyset, and
//! search results by relevance with the matches marked.

use chrono::NaiveDate;
use sqlx::{Postgres, QueryBuilder};

use super::filters::{Cursor, Parsed, Sort};
use super::model::{Kind, Origin, Status};
use crate::error::Result;
use crate::state::AppState;

/// Marks a search match in `ts_headline` output; control characters cannot come from a form.
pub const HIT_START: char = '\u{1}';
pub const HIT_END: char = '\u{2}';
/// Separates the fragments of a `ts_headline` snippet (shown as `…`, see `list::snippet`).
pub const FRAGMENT: char = '\u{3}';

/// One row as the list queries return it.
#[derive(sqlx::FromRow)]
pub struct ListRow {
    pub action_id: i64,
    pub title: String,
    pub priorities: Vec<i16>,
    pub kind: Kind,
    pub status: Status,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub origin: Origin,
    pub partnership_id: i64,
    pub partnership: String,
    pub title_marked: String,
    pub snippet: String,
    /// The text the snippet was cut from (empty without a search).
    pub snippet_source: String,
}

/// Counting stops here: "meer dan 100 acties". An exact count of a broad filter costs a scan of
/// thousands of rows on every page view and tells a reader nothing the first page does not;
/// exact counts per werkingsgebied, year and priority are on the priority check.
pub const COUNT_LIMIT: i64 = 100;

/// The columns of a [`ListRow`] without a search (no marks, no snippet).
const COLUMNS: &str = "select a.action_id, a.title, a.priorities, a.kind, a.status, a.starts_on, \
     a.ends_on, a.origin, p.partnership_id, p.name as partnership, \
     '' as title_marked, '' as snippet, '' as snippet_source";

/// `from … where …` with a condition for each filter present in `f`, its value bound.
///
/// The statement text differs per combination of filters present, and sqlx prepares each text
/// once per connection, so each combination gets a plan of its own, made once (see
/// `database::tune`). One plan for a statement with every filter optional (`filter is null or
/// …`, as the `filtered_actions` function the export uses) cannot leave out the filters not
/// given; planning it for its values on every run instead cost 0.6 ms per statement with
/// 195,000 actions, as long as running it. The conditions are those of `filtered_actions`
/// (migration `20261127000005_actions`); the test `the_list_selects_what_filtered_actions_selects`
/// holds the two together.
fn push_filtered<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &'a Parsed) {
    qb.push(
        " from actions a join partnerships p on p.partnership_id = a.partnership_id \
         where a.deleted_at is null",
    );
    if let Some(period) = f.period {
        qb.push(" and p.policy_period_id = ").push_bind(period);
    }
    if let Some(year) = f.year {
        qb.push(" and a.starts_on <= make_date(")
            .push_bind(year)
            .push(", 12, 31) and coalesce(a.ends_on, a.starts_on) >= make_date(")
            .push_bind(year)
            .push(", 1, 1)");
    }
    if let Some(priority) = f.priority {
        qb.push(" and ")
            .push_bind(priority)
            .push(" = any (a.priorities)");
    }
    if let Some(kind) = f.kind {
        qb.push(" and a.kind = ").push_bind(kind);
    }
    if let Some(group) = &f.target_group {
        qb.push(" and ")
            .push_bind(group)
            .push(" = any (a.target_groups)");
    }
    if let Some(status) = f.status {
        qb.push(" and a.status = ").push_bind(status);
    }
    if let Some(province) = &f.province {
        qb.push(
            " and exists (select 1 from partnership_members pm \
             join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code \
             where pm.partnership_id = a.partnership_id and mu.province = ",
        )
        .push_bind(province)
        .push(")");
    }
    if let Some(partnership) = f.partnership {
        qb.push(" and a.partnership_id = ").push_bind(partnership);
    }
    if !f.query.is_empty() {
        qb.push(" and a.search @@ websearch_to_tsquery('dutch', ")
            .push_bind(&f.query)
            .push(")");
    }
}

/// The number of results, up to [`COUNT_LIMIT`] (more is reported as `COUNT_LIMIT + 1`).
pub async fn count(state: &AppState, f: &Parsed) -> Result<i64> {
    let mut qb = QueryBuilder::new("select count(*) from (select 1");
    push_filtered(&mut qb, f);
    qb.push(" limit ")
        .push_bind(COUNT_LIMIT + 1)
        .push(") limited");
    Ok(qb.build_query_scalar().fetch_one(&state.db).await?)
}

/// Newest or oldest first, by keyset: a deep page costs what the first one does (indexes
/// `actions_list_idx` and `actions_partnership_idx`, read forward or backward). Only a plain
/// `order by starts_on, action_id` in either direction walks the index.
pub async fn fetch_by_date(
    state: &AppState,
    f: &Parsed,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<ListRow>> {
    let oldest = f.sort == Sort::Oldest;
    let mut qb = QueryBuilder::new(COLUMNS);
    push_filtered(&mut qb, f);
    if let Some(after) = after {
        qb.push(if oldest {
            " and (a.starts_on, a.action_id) > ("
        } else {
            " and (a.starts_on, a.action_id) < ("
        })
        .push_bind(after.starts_on)
        .push(", ")
        .push_bind(after.action_id)
        .push(")");
    }
    qb.push(if oldest {
        " order by a.starts_on, a.action_id limit "
    } else {
        " order by a.starts_on desc, a.action_id desc limit "
    })
    .push_bind(limit);
    Ok(qb.build_query_as().fetch_all(&state.db).await?)
}

/// Search results by relevance, or another order, with matches marked; by page number. Only
/// for a search: without one the list goes by keyset ([`Parsed::keyset`], [`fetch_by_date`]).
pub async fn fetch_sorted(
    state: &AppState,
    f: &Parsed,
    limit: i64,
    offset: i64,
) -> Result<Vec<ListRow>> {
    let options = format!(
        "StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter={FRAGMENT}"
    );
    let title_options = format!("StartSel={HIT_START}, StopSel={HIT_END}, HighlightAll=true");
    let mut qb = QueryBuilder::new(
        "select a.action_id, a.title, a.priorities, a.kind, a.status, a.starts_on, a.ends_on, \
         a.origin, p.partnership_id, p.name as partnership, \
         ts_headline('dutch', a.title, websearch_to_tsquery('dutch', ",
    );
    qb.push_bind(&f.query)
        .push("), ")
        .push_bind(title_options)
        .push(
            ") as title_marked, \
             ts_headline('dutch', a.description || ' ' || a.results, websearch_to_tsquery('dutch', ",
        )
        .push_bind(&f.query)
        .push("), ")
        .push_bind(options)
        .push(") as snippet, a.description || ' ' || a.results as snippet_source");
    push_filtered(&mut qb, f);
    match f.sort {
        Sort::Relevance => {
            qb.push(" order by ts_rank(a.search, websearch_to_tsquery('dutch', ")
                .push_bind(&f.query)
                .push(")) desc nulls last, a.starts_on desc, a.action_id desc");
        }
        // Ties by the newest id first, as by relevance.
        Sort::Oldest => {
            qb.push(" order by a.starts_on, a.action_id desc");
        }
        Sort::Newest => {
            qb.push(" order by a.starts_on desc, a.action_id desc");
        }
    }
    qb.push(" limit ")
        .push_bind(limit)
        .push(" offset ")
        .push_bind(offset);
    Ok(qb.build_query_as().fetch_all(&state.db).await?)
}
