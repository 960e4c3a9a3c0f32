//! The queries of the action lists: a count up to a limit, pages by date along a keyset, and
//! search results by relevance with the matches marked.

use chrono::NaiveDate;

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

/// Whether the list is the whole list: no filter and no search.
///
/// That list, newest first, is the page most people open, and it has statements of its own
/// without the optional filters of `filtered_actions`. PostgreSQL keeps planning a statement
/// with optional filters for its values on every run (a generic plan cannot drop the unused
/// filters), and with 195,000 actions that planning cost four times the run itself (0.4
/// against 0.1 ms); a statement without them is planned once per connection.
fn unfiltered(f: &Parsed) -> bool {
    f.period.is_none()
        && f.year.is_none()
        && f.priority.is_none()
        && f.kind.is_none()
        && f.target_group.is_none()
        && f.status.is_none()
        && f.province.is_none()
        && f.partnership.is_none()
        && f.query.is_empty()
}

/// The number of results, up to [`COUNT_LIMIT`] (more is reported as `COUNT_LIMIT + 1`).
pub async fn count(state: &AppState, f: &Parsed) -> Result<i64> {
    if unfiltered(f) {
        return Ok(sqlx::query_scalar!(
            r#"select count(*) as "n!" from (
                   select 1 from actions a
                   join partnerships p on p.partnership_id = a.partnership_id
                   where a.deleted_at is null limit $1
               ) limited"#,
            COUNT_LIMIT + 1,
        )
        .fetch_one(&state.db)
        .await?);
    }
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from (
               select 1 from filtered_actions($1, $2, $3, $4, $5, $6, $7, $8, $9) limit $10
           ) limited"#,
        f.period,
        f.year,
        f.priority,
        f.kind as Option<Kind>,
        f.target_group,
        f.status as Option<Status>,
        f.province,
        f.partnership,
        f.query,
        COUNT_LIMIT + 1,
    )
    .fetch_one(&state.db)
    .await?)
}

/// Newest or oldest first, by keyset: a deep page costs what the first one does (indexes
/// `actions_list_idx` and `actions_partnership_idx`, read forward or backward).
pub async fn fetch_by_date(
    state: &AppState,
    f: &Parsed,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<ListRow>> {
    if f.sort == Sort::Oldest {
        return fetch_oldest(state, f, after, limit).await;
    }
    if unfiltered(f) {
        return newest_first(state, after, limit).await;
    }
    Ok(sqlx::query_as!(
        ListRow,
        r#"select a.action_id as "action_id!", a.title as "title!", a.priorities as "priorities!",
                  a.kind as "kind!: Kind", a.status as "status!: Status",
                  a.starts_on as "starts_on!: NaiveDate", a.ends_on as "ends_on: NaiveDate",
                  a.origin as "origin!: Origin", p.partnership_id, p.name as partnership,
                  '' as "title_marked!", '' as "snippet!", '' as "snippet_source!"
           from filtered_actions($1, $2, $3, $4, $5, $6, $7, $8, '') a
           join partnerships p on p.partnership_id = a.partnership_id
           where ($9::date is null or (a.starts_on, a.action_id) < ($9::date, $10::bigint))
           order by a.starts_on desc, a.action_id desc
           limit $11"#,
        f.period,
        f.year,
        f.priority,
        f.kind as Option<Kind>,
        f.target_group,
        f.status as Option<Status>,
        f.province,
        f.partnership,
        after.map(|c| c.starts_on) as Option<NaiveDate>,
        after.map(|c| c.action_id),
        limit,
    )
    .fetch_all(&state.db)
    .await?)
}

/// The whole list newest first (see [`unfiltered`]). The first page starts after a cursor past
/// every date, so that one statement without an optional condition serves every page.
async fn newest_first(state: &AppState, after: Option<Cursor>, limit: i64) -> Result<Vec<ListRow>> {
    let after = after.unwrap_or(Cursor {
        starts_on: NaiveDate::MAX,
        action_id: i64::MAX,
    });
    Ok(sqlx::query_as!(
        ListRow,
        r#"select a.action_id as "action_id!", a.title as "title!", a.priorities as "priorities!",
                  a.kind as "kind!: Kind", a.status as "status!: Status",
                  a.starts_on as "starts_on!: NaiveDate", a.ends_on as "ends_on: NaiveDate",
                  a.origin as "origin!: Origin", p.partnership_id, p.name as partnership,
                  '' as "title_marked!", '' as "snippet!", '' as "snippet_source!"
           from actions a
           join partnerships p on p.partnership_id = a.partnership_id
           where a.deleted_at is null and (a.starts_on, a.action_id) < ($1, $2)
           order by a.starts_on desc, a.action_id desc
           limit $3"#,
        after.starts_on,
        after.action_id,
        limit,
    )
    .fetch_all(&state.db)
    .await?)
}

/// The same query as [`fetch_by_date`] in the other direction. Two literal queries rather than
/// one with a computed ORDER BY: only a plain `order by starts_on, action_id` walks the index.
async fn fetch_oldest(
    state: &AppState,
    f: &Parsed,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<ListRow>> {
    Ok(sqlx::query_as!(
        ListRow,
        r#"select a.action_id as "action_id!", a.title as "title!", a.priorities as "priorities!",
                  a.kind as "kind!: Kind", a.status as "status!: Status",
                  a.starts_on as "starts_on!: NaiveDate", a.ends_on as "ends_on: NaiveDate",
                  a.origin as "origin!: Origin", p.partnership_id, p.name as partnership,
                  '' as "title_marked!", '' as "snippet!", '' as "snippet_source!"
           from filtered_actions($1, $2, $3, $4, $5, $6, $7, $8, '') a
           join partnerships p on p.partnership_id = a.partnership_id
           where ($9::date is null or (a.starts_on, a.action_id) > ($9::date, $10::bigint))
           order by a.starts_on, a.action_id
           limit $11"#,
        f.period,
        f.year,
        f.priority,
        f.kind as Option<Kind>,
        f.target_group,
        f.status as Option<Status>,
        f.province,
        f.partnership,
        after.map(|c| c.starts_on) as Option<NaiveDate>,
        after.map(|c| c.action_id),
        limit,
    )
    .fetch_all(&state.db)
    .await?)
}

/// Search results by relevance, or another order, with matches marked; by page number.
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
    Ok(sqlx::query_as!(
        ListRow,
        r#"select a.action_id as "action_id!", a.title as "title!", a.priorities as "priorities!",
                  a.kind as "kind!: Kind", a.status as "status!: Status",
                  a.starts_on as "starts_on!: NaiveDate", a.ends_on as "ends_on: NaiveDate",
                  a.origin as "origin!: Origin", p.partnership_id, p.name as partnership,
                  case when $9 = '' then ''
                       else ts_headline('dutch', a.title, websearch_to_tsquery('dutch', $9), $14) end
                       as "title_marked!",
                  case when $9 = '' then ''
                       else ts_headline('dutch', a.description || ' ' || a.results,
                                        websearch_to_tsquery('dutch', $9), $13) end as "snippet!",
                  case when $9 = '' then '' else a.description || ' ' || a.results end
                       as "snippet_source!"
           from filtered_actions($1, $2, $3, $4, $5, $6, $7, $8, $9) a
           join partnerships p on p.partnership_id = a.partnership_id
           order by
               case when $10 = 'relevantie'
                    then ts_rank(a.search, websearch_to_tsquery('dutch', $9)) end desc nulls last,
               case when $10 = 'oudste' then a.starts_on end asc,
               a.starts_on desc, a.action_id desc
           limit $11 offset $12"#,
        f.period,
        f.year,
        f.priority,
        f.kind as Option<Kind>,
        f.target_group,
        f.status as Option<Status>,
        f.province,
        f.partnership,
        f.query,
        f.sort.code(),
        limit,
        offset,
        options,
        title_options,
    )
    .fetch_all(&state.db)
    .await?)
}
