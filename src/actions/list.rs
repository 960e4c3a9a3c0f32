//! Lists of actions: Flanders-wide and per werkingsgebied, with filters that live in the URL
//! ([`super::filters`]), Dutch full-text search with highlighted matches, sorting and
//! pagination ([`super::list_queries`]); the same list exports in [`super::export`].
//!
//! Routes: `GET /acties`, `GET /werkingsgebieden/{id}/acties`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use super::export::EXPORT_LIMIT;
use super::filters::{Cursor, Filters, Parsed, Sort};
use super::list_queries::{
    COUNT_LIMIT, FRAGMENT, Found, HIT_END, HIT_START, ListRow, RANK_LIMIT, count, fetch_by_date,
    search,
};
use super::model::{Kind, PRIORITIES, Status, TARGET_GROUPS, dates_label, priorities_label};
use super::own;
use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::municipalities::PROVINCES;
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/acties", get(index))
        .route("/werkingsgebieden/{id}/acties", get(for_partnership))
}

const PAGE_SIZE: i64 = 25;

/// The deepest page of search results: as far as the count goes ([`COUNT_LIMIT`] results).
/// Ranked results come by OFFSET, so a deeper page cost a scan of every result before it (page
/// 8,000 took ten times the first); a reader who has not found it in 100 results refines the
/// search instead. The date orders without a search go deeper, by keyset.
const SEARCH_PAGES: i64 = COUNT_LIMIT / PAGE_SIZE;

/// A piece of a title or snippet; `hit` when it matches the search.
#[derive(Debug, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

impl Segment {
    fn new(text: &str, hit: bool) -> Self {
        Self {
            text: text.to_string(),
            hit,
        }
    }
}

/// Splits `ts_headline` output into pieces for the template to escape.
fn segments(marked: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = marked;
    while let Some(start) = rest.find(HIT_START) {
        if start > 0 {
            out.push(Segment::new(&rest[..start], false));
        }
        let after = &rest[start + HIT_START.len_utf8()..];
        let end = after.find(HIT_END).unwrap_or(after.len());
        out.push(Segment::new(&after[..end], true));
        rest = after.get(end + HIT_END.len_utf8()..).unwrap_or("");
    }
    if !rest.is_empty() {
        out.push(Segment::new(rest, false));
    }
    out
}

/// A `ts_headline` snippet with `…` where it was cut from `source`: between its fragments,
/// before a first fragment that does not open the text and after a last one that does not end
/// it. Without the marks a reader takes a fragment for the whole description.
fn snippet(headline: &str, source: &str) -> String {
    let fragments: Vec<&str> = headline
        .split(FRAGMENT)
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    let (Some(first), Some(last)) = (fragments.first(), fragments.last()) else {
        return String::new();
    };
    let plain = |f: &str| f.replace([HIT_START, HIT_END], "");
    let source = source.trim();
    let mut out = String::new();
    if !source.starts_with(plain(first).as_str()) {
        out.push_str("… ");
    }
    out.push_str(&fragments.join(" … "));
    if !source.ends_with(plain(last).as_str()) {
        out.push_str(" …");
    }
    out
}

/// Which page of how many, as the pager says it; `total` as [`count`] gives it (capped).
fn position(page: i64, total: i64) -> String {
    if total > COUNT_LIMIT {
        let known = COUNT_LIMIT / PAGE_SIZE;
        if page <= known {
            format!("Pagina {page} van meer dan {known}")
        } else {
            format!("Pagina {page}")
        }
    } else {
        format!("Pagina {page} van {}", pages(total))
    }
}

/// How many pages `total` results fill (at least one, for "no results").
fn pages(total: i64) -> i64 {
    ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
}

/// One action in a list, as a person reads it.
pub struct Row {
    pub action_id: i64,
    pub title: Vec<Segment>,
    pub snippet: Vec<Segment>,
    pub partnership_id: i64,
    pub partnership: String,
    pub priorities: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub dates: String,
    pub origin: &'static str,
}

impl From<ListRow> for Row {
    fn from(r: ListRow) -> Self {
        Row {
            action_id: r.action_id,
            title: if r.title_marked.is_empty() {
                vec![Segment {
                    text: r.title,
                    hit: false,
                }]
            } else {
                segments(&r.title_marked)
            },
            snippet: segments(&snippet(&r.snippet, &r.snippet_source)),
            partnership_id: r.partnership_id,
            partnership: r.partnership,
            priorities: priorities_label(&r.priorities),
            kind: r.kind.label(),
            status: r.status.code(),
            dates: dates_label(r.starts_on, r.ends_on),
            origin: r.origin.label(),
        }
    }
}

/// The options of one filter, the one in the URL chosen.
fn choices(all: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    all.into_iter()
        .map(|(value, label)| {
            let chosen = value == selected.trim();
            Choice::new(value, label, chosen)
        })
        .collect()
}

/// The werkingsgebied a list is limited to.
struct PartnershipLink {
    id: i64,
    name: String,
}

/// Which list: its heading, its address and, for one werkingsgebied's list, that werkingsgebied.
struct Scope {
    heading: String,
    base: String,
    partnership: Option<PartnershipLink>,
}

#[derive(Template)]
#[template(path = "actions/index.html")]
struct ActionsPage {
    layout: Layout,
    heading: String,
    base: String,
    filters: Filters,
    periods: Vec<Choice>,
    priorities: Vec<Choice>,
    kinds: Vec<Choice>,
    target_groups: Vec<Choice>,
    statuses: Vec<Choice>,
    provinces: Vec<Choice>,
    sorts: Vec<Choice>,
    /// The order in force, in words ("relevantie" when searching without a choice).
    sort_summary: &'static str,
    rows: Vec<Row>,
    total: String,
    /// "actie" after a total of 1, "acties" otherwise.
    total_noun: &'static str,
    /// "Pagina 2 van 4", in agreement with `total`.
    position: String,
    keyset: bool,
    previous: Option<String>,
    next: Option<String>,
    /// A search's last page while it has more results: refine the search to see them.
    capped: bool,
    /// A search by relevance that matched more than [`RANK_LIMIT`], shown by date instead.
    unranked: bool,
    rank_limit: String,
    search_pages: i64,
    export: String,
    export_limit: String,
    may_create: bool,
    partnership: Option<PartnershipLink>,
}

/// A page of search results, one more than fits to tell whether there is a next. No deeper
/// than [`SEARCH_PAGES`]; a page past the last shows the last.
async fn search_page(state: &AppState, parsed: &mut Parsed) -> Result<Found> {
    parsed.page = parsed.page.min(SEARCH_PAGES);
    let found = search(state, parsed, PAGE_SIZE + 1, (parsed.page - 1) * PAGE_SIZE).await?;
    if !found.rows.is_empty() || parsed.page == 1 {
        return Ok(found);
    }
    // Past the last page, which the first tells.
    let first = search(state, parsed, PAGE_SIZE + 1, 0).await?;
    parsed.page = pages(first.matches).min(SEARCH_PAGES);
    if parsed.page == 1 {
        return Ok(first);
    }
    search(state, parsed, PAGE_SIZE + 1, (parsed.page - 1) * PAGE_SIZE).await
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    reference: &Reference,
    filters: Filters,
    scope: Scope,
) -> Result<Response> {
    let Scope {
        heading,
        base,
        partnership,
    } = scope;
    let mut parsed = filters.parse();
    let keyset = parsed.keyset();
    let after = Cursor::parse(filters.na.trim()).filter(|_| keyset);
    // A keyset page without its cursor is the first page.
    if keyset && after.is_none() {
        parsed.page = 1;
    }
    let (total, rows, broad) = if !keyset {
        let found = search_page(state, &mut parsed).await?;
        let broad = found.broad();
        (found.matches.min(COUNT_LIMIT + 1), found.rows, broad)
    } else {
        // The page comes first: a first page that is not full is the whole result, its length
        // the count. Otherwise the count follows, sent straight to all matches when the page
        // found its own sparse (`DatePage::sparse`).
        let page = fetch_by_date(state, &parsed, after, PAGE_SIZE + 1).await?;
        let total = match page.rows.len() as i64 {
            n if n <= PAGE_SIZE && after.is_none() => n,
            _ => count(state, &parsed, page.sparse).await?,
        };
        // The page number must agree with the count: a page past the last known one shows the
        // last.
        if total <= COUNT_LIMIT {
            parsed.page = parsed.page.min(pages(total));
        }
        (total, page.rows, false)
    };
    // A search that matched too many to rank is by date; its readers are told why.
    let unranked = broad && parsed.sort == Sort::Relevance;
    let has_more = rows.len() as i64 > PAGE_SIZE;
    let last = rows.get(PAGE_SIZE as usize - 1).map(|r| Cursor {
        starts_on: r.starts_on,
        action_id: r.action_id,
    });
    let rows: Vec<Row> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(Row::from)
        .collect();
    let link = |page: i64, cursor: Option<Cursor>| {
        let q = filters.query_string(page, cursor);
        if q.is_empty() {
            base.clone()
        } else {
            format!("{base}?{q}")
        }
    };
    // Keyset pages only go forward; "first page" stands in for "previous".
    let previous = match (keyset, parsed.page > 1) {
        (_, false) => None,
        (true, true) => Some(link(1, None)),
        (false, true) => Some(link(parsed.page - 1, None)),
    };
    // The last search page with results beyond it says why there is no next page.
    let capped = !keyset && has_more && parsed.page >= SEARCH_PAGES;
    let next =
        (has_more && !capped).then(|| link(parsed.page + 1, if keyset { last } else { None }));
    let all_periods = reference.periods(&state.db).await?;
    let page = ActionsPage {
        layout: signed_in.layout(heading.clone()).await?,
        heading,
        periods: choices(
            all_periods
                .iter()
                .rev()
                .map(|p| (p.policy_period_id.to_string(), p.name.clone())),
            &filters.periode,
        ),
        priorities: choices(
            PRIORITIES
                .iter()
                .map(|(n, c, _)| (n.to_string(), c.to_string())),
            &filters.prioriteit,
        ),
        kinds: choices(
            Kind::ALL
                .iter()
                .map(|k| (k.code().to_string(), k.label().to_string())),
            &filters.soort,
        ),
        target_groups: choices(
            TARGET_GROUPS
                .iter()
                .map(|(c, l)| (c.to_string(), l.to_string())),
            &filters.doelgroep,
        ),
        statuses: choices(
            Status::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.code().to_string())),
            &filters.status,
        ),
        provinces: choices(
            PROVINCES.iter().map(|p| (p.to_string(), p.to_string())),
            &filters.provincie,
        ),
        sorts: Sort::ALL
            .iter()
            .map(|s| Choice::new(s.code(), s.label(), *s == parsed.sort))
            .collect(),
        sort_summary: if unranked {
            Sort::Newest.summary()
        } else {
            parsed.sort.summary()
        },
        unranked,
        rank_limit: format::thousands(RANK_LIMIT),
        total: if total > COUNT_LIMIT {
            format!("meer dan {}", format::thousands(COUNT_LIMIT))
        } else {
            format::thousands(total)
        },
        total_noun: format::noun(total, "actie", "acties"),
        position: position(parsed.page, total),
        keyset,
        previous,
        next,
        capped,
        search_pages: SEARCH_PAGES,
        export: {
            let q = filters.query_string(1, None);
            format!("{}{q}", if q.is_empty() { "" } else { "?" })
        },
        export_limit: format::thousands(EXPORT_LIMIT),
        // Whether to offer "Nieuwe actie"; the form checks again.
        may_create: !own::ids(&signed_in.user).is_empty(),
        partnership,
        base,
        filters,
        rows,
    };
    render(&page)
}

async fn index(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let scope = Scope {
        heading: "Acties".into(),
        base: "/acties".into(),
        partnership: None,
    };
    page(&state, &signed_in, &reference, filters, scope).await
}

async fn for_partnership(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
    Path(id): Path<i64>,
    Query(mut filters): Query<Filters>,
) -> Result<Response> {
    // Only the name is needed, and werkingsgebieden are reference data: no statement.
    let name = own::names(&reference, &state.db)
        .await?
        .get(&id)
        .ok_or(AppError::NotFound)?
        .name
        .clone();
    filters.werkingsgebied = id.to_string();
    let scope = Scope {
        heading: format!("Acties van {name}"),
        base: format!("/werkingsgebieden/{id}/acties"),
        partnership: Some(PartnershipLink { id, name }),
    };
    page(&state, &signed_in, &reference, filters, scope).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_says_where_it_was_cut() {
        let source = "Een opleiding voor jongeren. Daarna een stage. Tot slot een jobbeurs.";
        assert_eq!(snippet("", source), "");
        assert_eq!(snippet(source, source), source);
        assert_eq!(
            snippet("Een \u{1}opleiding\u{2} voor jongeren.", source),
            "Een \u{1}opleiding\u{2} voor jongeren. …"
        );
        assert_eq!(
            snippet(
                "Daarna een stage.\u{3}Tot slot een \u{1}jobbeurs\u{2}.",
                source
            ),
            "… Daarna een stage. … Tot slot een \u{1}jobbeurs\u{2}."
        );
    }

    #[test]
    fn the_pager_agrees_with_the_count() {
        assert_eq!(position(1, 0), "Pagina 1 van 1");
        assert_eq!(position(2, 30), "Pagina 2 van 2");
        assert_eq!(position(4, 100), "Pagina 4 van 4");
        assert_eq!(position(2, 101), "Pagina 2 van meer dan 4");
        assert_eq!(position(6, 101), "Pagina 6");
    }

    #[test]
    fn headline_markers_become_segments() {
        assert_eq!(
            segments("een \u{1}opleiding\u{2} voor \u{1}jongeren\u{2}."),
            vec![
                Segment::new("een ", false),
                Segment::new("opleiding", true),
                Segment::new(" voor ", false),
                Segment::new("jongeren", true),
                Segment::new(".", false),
            ]
        );
        assert_eq!(
            segments("geen treffers"),
            vec![Segment::new("geen treffers", false)]
        );
    }
}
