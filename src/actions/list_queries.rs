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

/// The columns of a [`ListRow`] without a search (no marks, no snippet), the werkingsgebied's
/// name from `$name`.
macro_rules! columns {
    ($name:literal) => {
        concat!(
            "select a.action_id, a.title, a.priorities, a.kind, a.status, a.starts_on, \
             a.ends_on, a.origin, a.partnership_id, ",
            $name,
            " as partnership, '' as title_marked, '' as snippet, '' as snippet_source"
        )
    };
}

/// [`columns!`] for `from` [`push_filtered`].
const COLUMNS: &str = columns!("p.name");

/// [`columns!`] for `from` [`push_window`].
const WINDOW_COLUMNS: &str = columns!("a.partnership_name");

/// How many actions, in list order, a page with narrowing filters ([`narrows`]) reads looking
/// for its rows before it takes the other way: every match by the filters' indexes, then sorted.
/// Walking the date index until a page is full is fastest while matches are common, but a
/// filter that matches little or nothing (`doelgroep=ander`, an old period newest first) walked
/// all 195,000 actions of the benchmark: 110 ms against 0.3 ms for the first page. Reading at
/// most this many costs about 1.5 ms; the other way costs what the matches number, and it is
/// only taken when they are few among the newest.
pub const WINDOW: i64 = 2_000;

/// Whether `f` has a filter that the walked index cannot apply, so that a page may have to read
/// many actions to find a few: all but the werkingsgebied, the year and the search (which goes
/// by its own index).
fn narrows(f: &Parsed) -> bool {
    f.period.is_some()
        || f.priority.is_some()
        || f.kind.is_some()
        || f.target_group.is_some()
        || f.status.is_some()
        || f.province.is_some()
}

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
    qb.push(" from actions a join partnerships p on p.partnership_id = a.partnership_id");
    push_walked(qb, f);
    push_narrowing(qb, f, "p.");
}

/// `from` the first [`WINDOW`] actions of the list (after `after`) `where` the narrowing filters
/// hold: the conditions the walked index applies inside the window, the others on its rows.
/// For [`WINDOW_COLUMNS`] (`named`) or a period filter the window carries its werkingsgebied's
/// name and period, joined along the walk, so that nothing needs a join after it.
fn push_window<'a>(
    qb: &mut QueryBuilder<'a, Postgres>,
    f: &'a Parsed,
    after: Option<Cursor>,
    named: bool,
) {
    if named || f.period.is_some() {
        qb.push(
            " from (select a.*, p.name as partnership_name, p.policy_period_id from actions a \
             join partnerships p on p.partnership_id = a.partnership_id",
        );
    } else {
        qb.push(" from (select a.* from actions a");
    }
    push_walked(qb, f);
    push_after(qb, f, after);
    push_order(qb, f, "a.");
    qb.push(" limit ").push_bind(WINDOW).push(") a where true");
    push_narrowing(qb, f, "a.");
}

/// `where` the conditions an index walk applies: not deleted (`actions_list_idx` is partial),
/// the werkingsgebied (`actions_partnership_idx`) and the year (a range of `starts_on`).
fn push_walked<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &'a Parsed) {
    qb.push(" where a.deleted_at is null");
    if let Some(partnership) = f.partnership {
        qb.push(" and a.partnership_id = ").push_bind(partnership);
    }
    if let Some(year) = f.year {
        qb.push(" and a.starts_on <= make_date(")
            .push_bind(year)
            .push(", 12, 31) and coalesce(a.ends_on, a.starts_on) >= make_date(")
            .push_bind(year)
            .push(", 1, 1)");
    }
}

/// ` and …` for the other filters; `period` qualifies the column `policy_period_id`. The array
/// filters are written as containment (`@>`), which their GIN indexes answer, where
/// `= any (…)` in `filtered_actions` is the same test unindexed. The province's werkingsgebieden
/// are listed once per statement (`array(…)`), not looked up per action as `exists` did.
fn push_narrowing<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &'a Parsed, period: &str) {
    if let Some(id) = f.period {
        qb.push(format_args!(" and {period}policy_period_id = "))
            .push_bind(id);
    }
    if let Some(priority) = f.priority {
        qb.push(" and a.priorities @> array[")
            .push_bind(priority)
            .push("]");
    }
    if let Some(kind) = f.kind {
        qb.push(" and a.kind = ").push_bind(kind);
    }
    if let Some(group) = &f.target_group {
        qb.push(" and a.target_groups @> array[")
            .push_bind(group)
            .push("]");
    }
    if let Some(status) = f.status {
        qb.push(" and a.status = ").push_bind(status);
    }
    if let Some(province) = &f.province {
        qb.push(
            " and a.partnership_id = any (array(select pm.partnership_id \
             from partnership_members pm \
             join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code \
             where mu.province = ",
        )
        .push_bind(province)
        .push("))");
    }
    if !f.query.is_empty() {
        qb.push(" and a.search @@ websearch_to_tsquery('dutch', ")
            .push_bind(&f.query)
            .push(")");
    }
}

/// ` and` past the keyset cursor, in the list's direction.
fn push_after<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &Parsed, after: Option<Cursor>) {
    if let Some(after) = after {
        qb.push(if f.sort == Sort::Oldest {
            " and (a.starts_on, a.action_id) > ("
        } else {
            " and (a.starts_on, a.action_id) < ("
        })
        .push_bind(after.starts_on)
        .push(", ")
        .push_bind(after.action_id)
        .push(")");
    }
}

/// ` order by` date in the list's direction; `alias` is `a.` or empty for a result's columns.
/// Only a plain `order by starts_on, action_id` in either direction walks the index.
fn push_order(qb: &mut QueryBuilder<'_, Postgres>, f: &Parsed, alias: &str) {
    let direction = if f.sort == Sort::Oldest { "" } else { " desc" };
    qb.push(format_args!(
        " order by {alias}starts_on{direction}, {alias}action_id{direction}"
    ));
}

/// The number of results, up to [`COUNT_LIMIT`] (more is reported as `COUNT_LIMIT + 1`).
/// With narrowing filters, first among the [`WINDOW`] newest actions; when fewer than that
/// many match there, among all, by the filters' indexes.
pub async fn count(state: &AppState, f: &Parsed) -> Result<i64> {
    let windowed = narrows(f) && f.query.is_empty();
    let mut qb = QueryBuilder::new("select count(*) from (select 1");
    if windowed {
        push_window(&mut qb, f, None, false);
    } else {
        push_filtered(&mut qb, f);
    }
    qb.push(" limit ")
        .push_bind(COUNT_LIMIT + 1)
        .push(") limited");
    let counted: i64 = qb.build_query_scalar().fetch_one(&state.db).await?;
    if !windowed || counted > COUNT_LIMIT {
        return Ok(counted);
    }
    // A materialized set of matches is planned for all of them, so by the filters' indexes; a
    // plain `limit` would be planned for the first few, by walking the date index.
    let mut qb = QueryBuilder::new("with matches as materialized (select 1");
    push_filtered(&mut qb, f);
    qb.push(") select count(*) from (select 1 from matches limit ")
        .push_bind(COUNT_LIMIT + 1)
        .push(") limited");
    Ok(qb.build_query_scalar().fetch_one(&state.db).await?)
}

/// Newest or oldest first, by keyset: a deep page costs what the first one does (indexes
/// `actions_list_idx` and `actions_partnership_idx`, read forward or backward). With narrowing
/// filters, the page is looked for among the next [`WINDOW`] actions first; when they hold
/// fewer than `limit` matches, it is taken from all matches, sorted.
pub async fn fetch_by_date(
    state: &AppState,
    f: &Parsed,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<ListRow>> {
    if !narrows(f) {
        let mut qb = QueryBuilder::new(COLUMNS);
        push_filtered(&mut qb, f);
        push_after(&mut qb, f, after);
        push_order(&mut qb, f, "a.");
        qb.push(" limit ").push_bind(limit);
        return Ok(qb.build_query_as().fetch_all(&state.db).await?);
    }
    let mut qb = QueryBuilder::new(WINDOW_COLUMNS);
    push_window(&mut qb, f, after, true);
    push_order(&mut qb, f, "a.");
    qb.push(" limit ").push_bind(limit);
    let rows: Vec<ListRow> = qb.build_query_as().fetch_all(&state.db).await?;
    if rows.len() as i64 == limit {
        return Ok(rows);
    }
    // The matches' keys only, so that the set is read from indexes where the filters allow
    // (a period's actions by `actions_partnership_idx`); their rows for the page alone, by key
    // (`any (array(…))`, where a join was planned as a merge along every action's key).
    let mut qb = QueryBuilder::new("with matches as materialized (select a.action_id, a.starts_on");
    push_filtered(&mut qb, f);
    push_after(&mut qb, f, after);
    qb.push(") ");
    qb.push(COLUMNS);
    qb.push(
        " from actions a join partnerships p on p.partnership_id = a.partnership_id \
         where a.action_id = any (array(select action_id from matches",
    );
    push_order(&mut qb, f, "");
    qb.push(" limit ").push_bind(limit).push("))");
    push_order(&mut qb, f, "a.");
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
