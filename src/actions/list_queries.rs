//! The queries of the action lists: a count up to a limit, pages by date along a keyset, and
//! search results by relevance (by date when too many match) with the matches marked.

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
    /// How many actions match a search, up to [`RANK_LIMIT`] + 1 ([`search`] only).
    #[sqlx(default)]
    pub matches: i64,
    /// How many actions the window of a page with too few rows held ([`by_date`] only).
    #[sqlx(default)]
    pub window_read: Option<i64>,
}

/// Counting stops here: "meer dan 100 acties". An exact count of a broad filter costs a scan of
/// thousands of rows on every page view and tells a reader nothing the first page does not;
/// exact counts per werkingsgebied, year and priority are on the priority check.
pub const COUNT_LIMIT: i64 = 100;

/// A search ranks its matches by relevance when they number at most this many. Ranking reads
/// every match: `q=netwerk` matched 36,000 of the benchmark's 195,000 actions, 14,000 table
/// pages per view, 20 views a second. A broader search is listed by date instead, which reads
/// only as far as its page ([`search`]); its readers are told so and how to narrow it.
pub const RANK_LIMIT: i64 = 1_000;

/// `select` the columns of a [`ListRow`]: with a search, its matches marked in the title and a
/// snippet of the description; `name` is the werkingsgebied's name as the `from` has it.
fn push_columns<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &'a Parsed, name: &str) {
    qb.push(format_args!(
        "select a.action_id, a.title, a.priorities, a.kind, a.status, a.starts_on, a.ends_on, \
         a.origin, a.partnership_id, {name} as partnership, "
    ));
    if f.query.is_empty() {
        qb.push("'' as title_marked, '' as snippet, '' as snippet_source");
        return;
    }
    let options = format!(
        "StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter={FRAGMENT}"
    );
    let title_options = format!("StartSel={HIT_START}, StopSel={HIT_END}, HighlightAll=true");
    qb.push("ts_headline('dutch', a.title, websearch_to_tsquery('dutch', ")
        .push_bind(&f.query)
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
}

/// How many actions, in list order, a page with narrowing filters ([`narrows`]) reads looking
/// for its rows before it takes the other way: every match by the filters' indexes, then sorted.
/// Walking the date index until a page is full is fastest while matches are common, but a
/// filter that matches little or nothing (`doelgroep=ander`, an old period newest first) walked
/// all 195,000 actions of the benchmark: 110 ms against 0.3 ms for the first page. Reading at
/// most this many costs about 1.5 ms; the other way costs what the matches number, and it is
/// only taken when they are few among the newest. A filter tied to dates can still have many
/// in all: a large old period, newest first, sorts all its actions.
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

/// Whether a list by date looks among a [`WINDOW`] first: with a narrowing filter or a search.
fn windowed(f: &Parsed) -> bool {
    narrows(f) || !f.query.is_empty()
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
    push_narrowing(qb, f, Over::Joined);
}

/// The werkingsgebied's name of a row of a [`push_window`], looked up for the rows of the page
/// only: a join along the window cost a lookup for each of its actions.
const WINDOW_NAME: &str =
    "(select p.name from partnerships p where p.partnership_id = a.partnership_id)";

/// `from` the first [`WINDOW`] actions of the list (after `after`) `where` the narrowing filters
/// hold: the conditions the walked index applies inside the window, the others on its rows.
/// For a period filter the window carries its werkingsgebied's period, joined along the walk;
/// otherwise no join: the page's few rows look up their werkingsgebied's name ([`WINDOW_NAME`]).
fn push_window<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &'a Parsed, after: Option<Cursor>) {
    if f.period.is_some() {
        qb.push(
            " from (select a.*, p.policy_period_id from actions a \
             join partnerships p on p.partnership_id = a.partnership_id",
        );
    } else {
        qb.push(" from (select a.* from actions a");
    }
    push_walked(qb, f);
    push_after(qb, f, after);
    push_order(qb, f, "a.");
    qb.push(" limit ").push_bind(WINDOW).push(") a where true");
    push_narrowing(qb, f, Over::Window);
}

/// `(select count(*) …)`: how many actions the [`push_window`] after `after` holds, up to
/// [`WINDOW`]; fewer means it holds the rest of the list.
fn push_window_held<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &'a Parsed, after: Option<Cursor>) {
    qb.push("(select count(*) from (select 1 from actions a");
    push_walked(qb, f);
    push_after(qb, f, after);
    qb.push(" limit ").push_bind(WINDOW).push(") w)");
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

/// Where [`push_narrowing`] applies its conditions.
#[derive(Clone, Copy, PartialEq)]
enum Over {
    /// `actions a join partnerships p`, read by whatever index suits.
    Joined,
    /// The rows of a [`push_window`], read in order.
    Window,
}

/// ` and …` for the other filters and the search. The array filters are written as containment
/// (`@>`), which their GIN indexes answer, where `= any (…)` in `filtered_actions` is the same
/// test unindexed. The province's werkingsgebieden are listed once per statement (`array(…)`),
/// not looked up per action as `exists` did.
fn push_narrowing<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &'a Parsed, over: Over) {
    if let Some(id) = f.period {
        qb.push(match over {
            Over::Joined => " and p.policy_period_id = ",
            Over::Window => " and a.policy_period_id = ",
        })
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
    // In a window the query is a subquery, parsed once per statement; as an expression it was
    // parsed again for every action read (6 µs each). Elsewhere it stays an expression: the
    // planner must see that the search index answers it.
    if !f.query.is_empty() {
        qb.push(match over {
            Over::Joined => " and a.search @@ websearch_to_tsquery('dutch', ",
            Over::Window => " and a.search @@ (select websearch_to_tsquery('dutch', ",
        })
        .push_bind(&f.query)
        .push(if over == Over::Window { "))" } else { ")" });
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

/// The number of results of a list by date, up to [`COUNT_LIMIT`] (more is reported as
/// `COUNT_LIMIT + 1`). With narrowing filters, first among the first [`WINDOW`] actions of the
/// list; when at most `COUNT_LIMIT` match there and the window did not hold the whole list,
/// among all, by the filters' indexes. (A search counts its matches as it ranks them,
/// [`search`].)
///
/// `sparse`: the page of the same list found fewer than a page in its window ([`DatePage`]), so
/// that the count goes to all matches at once.
pub async fn count(state: &AppState, f: &Parsed, sparse: bool) -> Result<i64> {
    if sparse {
        return count_all(state, f).await;
    }
    if !windowed(f) {
        let mut qb = QueryBuilder::new("select count(*) from (select 1");
        push_filtered(&mut qb, f);
        qb.push(" limit ")
            .push_bind(COUNT_LIMIT + 1)
            .push(") limited");
        return Ok(qb.build_query_scalar().fetch_one(&state.db).await?);
    }
    // With few matches in the window, also how many actions the window held (read only then):
    // when fewer than [`WINDOW`], it held the whole list and the count is exact.
    let mut qb = QueryBuilder::new("select count(*), case when count(*) <= ");
    qb.push_bind(COUNT_LIMIT).push(" then ");
    push_window_held(&mut qb, f, None);
    qb.push(" end from (select 1");
    push_window(&mut qb, f, None);
    qb.push(" limit ")
        .push_bind(COUNT_LIMIT + 1)
        .push(") limited");
    let (counted, read): (i64, Option<i64>) = qb.build_query_as().fetch_one(&state.db).await?;
    if counted > COUNT_LIMIT || read.is_some_and(|read| read < WINDOW) {
        return Ok(counted);
    }
    count_all(state, f).await
}

/// [`count`] among all matches, by the filters' indexes.
async fn count_all(state: &AppState, f: &Parsed) -> Result<i64> {
    // A materialized set of matches is planned for all of them, so by the filters' indexes; a
    // plain `limit` would be planned for the first few, by walking the date index.
    let mut qb = QueryBuilder::new("with matches as materialized (select 1");
    push_filtered(&mut qb, f);
    qb.push(") select count(*) from (select 1 from matches limit ")
        .push_bind(COUNT_LIMIT + 1)
        .push(") limited");
    Ok(qb.build_query_scalar().fetch_one(&state.db).await?)
}

/// A page of a list by date.
pub struct DatePage {
    pub rows: Vec<ListRow>,
    /// Fewer than a page matched among the actions the first look read ([`WINDOW`]).
    pub sparse: bool,
}

/// Newest or oldest first, by keyset (indexes `actions_list_idx` and `actions_partnership_idx`,
/// read forward or backward): a deep page costs what the first one does, as long as its
/// window holds a page of matches ([`by_date`]).
pub async fn fetch_by_date(
    state: &AppState,
    f: &Parsed,
    after: Option<Cursor>,
    limit: i64,
) -> Result<DatePage> {
    by_date(state, f, after, limit, 0).await
}

/// By date, past `after` and `offset`. With narrowing filters or a search, the page is looked
/// for among the next [`WINDOW`] actions first; when they hold fewer than `limit` matches and
/// were not the whole rest of the list (or none match), it is taken from all matches, sorted,
/// which costs what the matches number (`sparse`).
async fn by_date(
    state: &AppState,
    f: &Parsed,
    after: Option<Cursor>,
    limit: i64,
    offset: i64,
) -> Result<DatePage> {
    let mut qb = QueryBuilder::new("");
    if !windowed(f) {
        push_columns(&mut qb, f, "p.name");
        push_filtered(&mut qb, f);
        push_after(&mut qb, f, after);
        push_order(&mut qb, f, "a.");
        push_page(&mut qb, limit, offset);
        let rows = qb.build_query_as().fetch_all(&state.db).await?;
        return Ok(DatePage {
            rows,
            sparse: false,
        });
    }
    // With fewer rows than a page, also how many actions the window held (read only then):
    // when fewer than [`WINDOW`], it held the rest of the list and the page is complete.
    qb.push("select *, case when count(*) over () < ")
        .push_bind(limit)
        .push(" then ");
    push_window_held(&mut qb, f, after);
    qb.push(" end as window_read from (");
    push_columns(&mut qb, f, WINDOW_NAME);
    push_window(&mut qb, f, after);
    push_order(&mut qb, f, "a.");
    push_page(&mut qb, limit, offset);
    qb.push(") page");
    push_order(&mut qb, f, "");
    let rows: Vec<ListRow> = qb.build_query_as().fetch_all(&state.db).await?;
    let complete = rows
        .first()
        .and_then(|r| r.window_read)
        .is_some_and(|read| read < WINDOW);
    if rows.len() as i64 == limit || complete {
        return Ok(DatePage {
            rows,
            sparse: false,
        });
    }
    // The matches' keys only, so that the set is read from indexes where the filters allow
    // (a period's actions by `actions_partnership_idx`); their rows for the page alone, by key
    // (`any (array(…))`, where a join was planned as a merge along every action's key).
    let mut qb = QueryBuilder::new("with matches as materialized (select a.action_id, a.starts_on");
    push_filtered(&mut qb, f);
    push_after(&mut qb, f, after);
    qb.push(") ");
    push_columns(&mut qb, f, "p.name");
    qb.push(
        " from actions a join partnerships p on p.partnership_id = a.partnership_id \
         where a.action_id = any (array(select action_id from matches",
    );
    push_order(&mut qb, f, "");
    push_page(&mut qb, limit, offset);
    qb.push("))");
    push_order(&mut qb, f, "a.");
    let rows = qb.build_query_as().fetch_all(&state.db).await?;
    Ok(DatePage { rows, sparse: true })
}

/// ` limit … offset …`.
fn push_page(qb: &mut QueryBuilder<'_, Postgres>, limit: i64, offset: i64) {
    qb.push(" limit ").push_bind(limit);
    if offset > 0 {
        qb.push(" offset ").push_bind(offset);
    }
}

/// A page of search results, and how many actions match: up to [`RANK_LIMIT`], or
/// `RANK_LIMIT + 1` for more; 0 for a page past the last, which holds no row to tell.
pub struct Found {
    pub rows: Vec<ListRow>,
    pub matches: i64,
}

impl Found {
    /// Whether the search matched too many to rank, so that its results are by date.
    pub fn broad(&self) -> bool {
        self.matches > RANK_LIMIT
    }
}

/// Search results in the order asked for, with matches marked; by page number. Up to
/// [`RANK_LIMIT`] matches are all read and sorted, in one statement that also counts them.
/// More are listed by date instead, newest first unless the oldest were asked for
/// ([`by_date`]): a relevance order would read them all.
pub async fn search(state: &AppState, f: &Parsed, limit: i64, offset: i64) -> Result<Found> {
    let mut qb = QueryBuilder::new("");
    push_columns(&mut qb, f, "a.partnership_name");
    qb.push(", count(*) over () as matches from (select a.*, p.name as partnership_name");
    push_filtered(&mut qb, f);
    qb.push(" limit ").push_bind(RANK_LIMIT + 1).push(") a");
    match f.sort {
        Sort::Relevance => {
            qb.push(" order by ts_rank(a.search, websearch_to_tsquery('dutch', ")
                .push_bind(&f.query)
                .push(")) desc nulls last, a.starts_on desc, a.action_id desc");
        }
        Sort::Oldest | Sort::Newest => push_order(&mut qb, f, "a."),
    }
    push_page(&mut qb, limit, offset);
    let rows: Vec<ListRow> = qb.build_query_as().fetch_all(&state.db).await?;
    let matches = rows.first().map_or(0, |r| r.matches);
    if matches <= RANK_LIMIT {
        return Ok(Found { rows, matches });
    }
    let by_date_order = Parsed {
        sort: if f.sort == Sort::Oldest {
            Sort::Oldest
        } else {
            Sort::Newest
        },
        ..f.clone()
    };
    Ok(Found {
        rows: by_date(state, &by_date_order, None, limit, offset)
            .await?
            .rows,
        matches,
    })
}
