//! Lists of actions: Flanders-wide and per werkingsgebied, with filters that live in the URL,
//! Dutch full-text search with highlighted matches, sorting, pagination and a CSV export.
//!
//! Routes: `GET /acties`, `GET /werkingsgebieden/{id}/acties`, `GET /acties/export.csv`.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;

use super::db::Origin;
use super::model::{Kind, PRIORITIES, Status, TARGET_GROUPS, target_group_label};
use super::{origin_label, priorities_label};
use crate::auth::SignedIn;
use anyhow::{Context, anyhow};

use crate::error::Result;
use crate::municipalities::PROVINCES;
use crate::periods;
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::layout::Layout;
use crate::web::{format, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/acties", get(index))
        .route("/acties/export.csv", get(export_csv))
        .route("/acties/export.xlsx", get(export_xlsx))
        .route("/werkingsgebieden/{id}/acties", get(for_partnership))
}

const PAGE_SIZE: i64 = 25;
/// Marks a search match in `ts_headline` output; control characters cannot come from a form.
const HIT_START: char = '\u{1}';
const HIT_END: char = '\u{2}';

/// The filters, exactly as in the URL, so a view can be bookmarked and shared.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Filters {
    periode: String,
    jaar: String,
    prioriteit: String,
    soort: String,
    doelgroep: String,
    status: String,
    provincie: String,
    werkingsgebied: String,
    q: String,
    sortering: String,
    pagina: String,
    /// Keyset cursor of the default order: `2024-05-01_123`.
    na: String,
}

/// The filters parsed; unknown values are ignored rather than failing the page.
struct Parsed {
    period: Option<i64>,
    year: Option<i32>,
    priority: Option<i16>,
    kind: Option<Kind>,
    target_group: Option<String>,
    status: Option<Status>,
    province: Option<String>,
    partnership: Option<i64>,
    query: String,
    sort: &'static str,
    page: i64,
}

impl Filters {
    fn parse(&self) -> Parsed {
        let query = self.q.trim().chars().take(200).collect::<String>();
        let sort = match self.sortering.as_str() {
            "oudste" => "oudste",
            "relevantie" if !query.is_empty() => "relevantie",
            _ if !query.is_empty() && self.sortering.is_empty() => "relevantie",
            _ => "nieuwste",
        };
        Parsed {
            period: self.periode.trim().parse().ok(),
            year: self
                .jaar
                .trim()
                .parse()
                .ok()
                .filter(|y| (1990..=2100).contains(y)),
            priority: self
                .prioriteit
                .trim()
                .parse()
                .ok()
                .filter(|p| (1..=4).contains(p)),
            kind: Kind::parse(self.soort.trim()),
            target_group: TARGET_GROUPS
                .iter()
                .find(|(c, _)| *c == self.doelgroep.trim())
                .map(|(c, _)| c.to_string()),
            status: Status::parse(self.status.trim()),
            province: PROVINCES
                .iter()
                .find(|p| **p == self.provincie.trim())
                .map(|p| p.to_string()),
            partnership: self.werkingsgebied.trim().parse().ok(),
            query,
            sort,
            page: self
                .pagina
                .trim()
                .parse()
                .ok()
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    }

    /// The query string of these filters for another page.
    fn query_string(&self, page: i64, cursor: Option<Cursor>) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("periode", &self.periode),
            ("jaar", &self.jaar),
            ("prioriteit", &self.prioriteit),
            ("soort", &self.soort),
            ("doelgroep", &self.doelgroep),
            ("status", &self.status),
            ("provincie", &self.provincie),
            ("werkingsgebied", &self.werkingsgebied),
            ("q", &self.q),
            ("sortering", &self.sortering),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        if page > 1 {
            s.append_pair("pagina", &page.to_string());
        }
        if let Some(cursor) = cursor {
            s.append_pair("na", &cursor.encode());
        }
        s.finish()
    }
}

pub struct Row {
    pub action_id: i64,
    pub title: Vec<(String, bool)>,
    pub snippet: Vec<(String, bool)>,
    pub partnership_id: i64,
    pub partnership: String,
    pub priorities: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub dates: String,
    pub origin: &'static str,
}

/// Splits `ts_headline` output into (text, is_match) pieces for the template to escape.
fn segments(marked: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = marked;
    while let Some(start) = rest.find(HIT_START) {
        if start > 0 {
            out.push((rest[..start].to_string(), false));
        }
        let after = &rest[start + HIT_START.len_utf8()..];
        let end = after.find(HIT_END).unwrap_or(after.len());
        out.push((after[..end].to_string(), true));
        rest = after.get(end + HIT_END.len_utf8()..).unwrap_or("");
    }
    if !rest.is_empty() {
        out.push((rest.to_string(), false));
    }
    out
}

/// One row as the list queries return it.
struct ListRow {
    action_id: i64,
    title: String,
    priorities: Vec<i16>,
    kind: Kind,
    status: Status,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    origin: Origin,
    partnership_id: i64,
    partnership: String,
    title_marked: String,
    snippet: String,
}

impl From<ListRow> for Row {
    fn from(r: ListRow) -> Self {
        Row {
            action_id: r.action_id,
            title: if r.title_marked.is_empty() {
                vec![(r.title, false)]
            } else {
                segments(&r.title_marked)
            },
            snippet: segments(&r.snippet),
            partnership_id: r.partnership_id,
            partnership: r.partnership,
            priorities: priorities_label(&r.priorities),
            kind: r.kind.label(),
            status: r.status.code(),
            dates: match r.ends_on {
                Some(e) if e != r.starts_on => {
                    format!("{} - {}", format::date(r.starts_on), format::date(e))
                }
                _ => format::date(r.starts_on),
            },
            origin: origin_label(r.origin),
        }
    }
}

/// Where the next page starts in the default order (newest first): after this action.
#[derive(Clone, Copy)]
struct Cursor {
    starts_on: NaiveDate,
    action_id: i64,
}

impl Cursor {
    fn parse(value: &str) -> Option<Self> {
        let (date, id) = value.split_once('_')?;
        Some(Self {
            starts_on: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
            action_id: id.parse().ok()?,
        })
    }

    fn encode(&self) -> String {
        format!("{}_{}", self.starts_on, self.action_id)
    }
}

/// Counting stops here: "meer dan 100 acties". An exact count of a broad filter costs a scan of
/// thousands of rows on every page view and tells a reader nothing the first page does not;
/// exact counts per werkingsgebied, year and priority are on the priority check.
const COUNT_LIMIT: i64 = 100;

/// The number of results, up to [`COUNT_LIMIT`] (more is reported as `COUNT_LIMIT + 1`).
async fn count(state: &AppState, f: &Parsed) -> Result<i64> {
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
async fn fetch_by_date(
    state: &AppState,
    f: &Parsed,
    after: Option<Cursor>,
    limit: i64,
) -> Result<Vec<ListRow>> {
    if f.sort == "oudste" {
        return fetch_oldest(state, f, after, limit).await;
    }
    Ok(sqlx::query_as!(
        ListRow,
        r#"select a.action_id as "action_id!", a.title as "title!", a.priorities as "priorities!",
                  a.kind as "kind!: Kind", a.status as "status!: Status",
                  a.starts_on as "starts_on!: NaiveDate", a.ends_on as "ends_on: NaiveDate",
                  a.origin as "origin!: Origin", p.partnership_id, p.name as partnership,
                  '' as "title_marked!", '' as "snippet!"
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
                  '' as "title_marked!", '' as "snippet!"
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
async fn fetch_sorted(
    state: &AppState,
    f: &Parsed,
    limit: i64,
    offset: i64,
) -> Result<Vec<ListRow>> {
    let options = format!(
        "StartSel={HIT_START}, StopSel={HIT_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \""
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
                                        websearch_to_tsquery('dutch', $9), $13) end as "snippet!"
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
        f.sort,
        limit,
        offset,
        options,
        title_options,
    )
    .fetch_all(&state.db)
    .await?)
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices(all: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    all.into_iter()
        .map(|(value, label)| Choice {
            selected: value == selected.trim(),
            value,
            label,
        })
        .collect()
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
    rows: Vec<Row>,
    total: String,
    page: i64,
    pages: i64,
    keyset: bool,
    previous: Option<String>,
    next: Option<String>,
    export: String,
    export_limit: String,
    may_create: bool,
    partnership: Option<(i64, String)>,
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    filters: Filters,
    heading: String,
    base: String,
    partnership: Option<(i64, String)>,
) -> Result<Response> {
    let parsed = filters.parse();
    let keyset = matches!(parsed.sort, "nieuwste" | "oudste") && parsed.query.is_empty();
    let after = Cursor::parse(filters.na.trim()).filter(|_| keyset);
    let rows: Vec<ListRow> = if keyset {
        fetch_by_date(state, &parsed, after, PAGE_SIZE + 1).await?
    } else {
        fetch_sorted(state, &parsed, PAGE_SIZE + 1, (parsed.page - 1) * PAGE_SIZE).await?
    };
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
    let total = count(state, &parsed).await?;
    let pages = ((total.min(COUNT_LIMIT) + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
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
    let next = has_more.then(|| link(parsed.page + 1, if keyset { last } else { None }));
    let all_periods = periods::list(&state.db).await?;
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
        sorts: choices(
            [
                ("nieuwste", "nieuwste eerst"),
                ("oudste", "oudste eerst"),
                ("relevantie", "relevantie (bij zoeken)"),
            ]
            .into_iter()
            .map(|(v, l)| (v.to_string(), l.to_string())),
            parsed.sort,
        ),
        total: if total > COUNT_LIMIT {
            format!("meer dan {}", format::thousands(COUNT_LIMIT))
        } else {
            format::thousands(total)
        },
        page: parsed.page,
        pages,
        keyset,
        previous,
        next,
        export: {
            let q = filters.query_string(1, None);
            format!("{}{q}", if q.is_empty() { "" } else { "?" })
        },
        export_limit: format::thousands(EXPORT_LIMIT),
        may_create: !super::db::own_partnerships(&state.db, &signed_in.user)
            .await?
            .is_empty(),
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
    Query(filters): Query<Filters>,
) -> Result<Response> {
    page(
        &state,
        &signed_in,
        filters,
        "Acties".into(),
        "/acties".into(),
        None,
    )
    .await
}

async fn for_partnership(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Query(mut filters): Query<Filters>,
) -> Result<Response> {
    let p = crate::partnerships::find(&state.db, id).await?;
    filters.werkingsgebied = id.to_string();
    page(
        &state,
        &signed_in,
        filters,
        format!("Acties van {}", p.name),
        format!("/werkingsgebieden/{id}/acties"),
        Some((id, p.name)),
    )
    .await
}

/// The header of both exports.
const EXPORT_HEADER: [&str; 18] = [
    "id",
    "werkingsgebied",
    "beleidsperiode",
    "titel",
    "prioriteiten",
    "soort",
    "doelgroepen",
    "status",
    "begindatum",
    "einddatum",
    "kostprijs (EUR)",
    "deelnemers gepland",
    "deelnemers bereikt",
    "gemeenten (NIS)",
    "partners",
    "beschrijving",
    "resultaten",
    "herkomst",
];

/// At most this many rows per export: the file is built in memory (an XLSX keeps every cell),
/// and 20,000 rows keep a download within tens of megabytes. The list page says so.
pub const EXPORT_LIMIT: i64 = 20_000;

/// The filtered actions as export rows, newest first.
async fn export_rows(state: &AppState, filters: &Filters) -> Result<Vec<[String; 18]>> {
    let parsed = filters.parse();
    let rows = sqlx::query!(
        r#"select a.action_id as "action_id!", p.name as partnership, pp.name as period,
                  a.title as "title!", a.description as "description!", a.priorities as "priorities!",
                  a.kind as "kind!: Kind", a.target_groups as "target_groups!",
                  a.status as "status!: Status", a.starts_on as "starts_on!: NaiveDate",
                  a.ends_on as "ends_on: NaiveDate", a.cost_cents, a.results as "results!",
                  a.origin as "origin!: Origin",
                  coalesce((select sum(planned) from action_participants ap where ap.action_id = a.action_id), 0)::bigint as "planned!",
                  coalesce((select sum(reached) from action_participants ap where ap.action_id = a.action_id), 0)::bigint as "reached!",
                  coalesce((select string_agg(am.nis_code, ',' order by am.nis_code) from action_municipalities am where am.action_id = a.action_id), '') as "municipalities!",
                  coalesce((select string_agg(ap.name, ', ' order by ap.position) from action_partners ap where ap.action_id = a.action_id), '') as "partners!"
           from filtered_actions($1, $2, $3, $4, $5, $6, $7, $8, $9) a
           join partnerships p on p.partnership_id = a.partnership_id
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           order by a.starts_on desc, a.action_id desc
           limit $10"#,
        parsed.period,
        parsed.year,
        parsed.priority,
        parsed.kind as Option<Kind>,
        parsed.target_group,
        parsed.status as Option<Status>,
        parsed.province,
        parsed.partnership,
        parsed.query,
        EXPORT_LIMIT,
    )
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            [
                r.action_id.to_string(),
                r.partnership,
                r.period,
                r.title,
                priorities_label(&r.priorities),
                r.kind.label().to_string(),
                r.target_groups
                    .iter()
                    .map(|t| target_group_label(t))
                    .collect::<Vec<_>>()
                    .join(", "),
                r.status.code().to_string(),
                format::date(r.starts_on),
                r.ends_on.map(format::date).unwrap_or_default(),
                r.cost_cents
                    .map(|c| format!("{},{:02}", c / 100, c % 100))
                    .unwrap_or_default(),
                r.planned.to_string(),
                r.reached.to_string(),
                r.municipalities,
                r.partners,
                r.description,
                r.results,
                match origin_label(r.origin) {
                    "" => "echt".to_string(),
                    other => other.to_string(),
                },
            ]
        })
        .collect())
}

fn download(content_type: &'static str, filename: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, filename),
        ],
        body,
    )
        .into_response()
}

/// The filtered list as CSV for Belgian Excel: UTF-8 with a byte-order mark, `;` between fields.
async fn export_csv(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    writer.write_record(EXPORT_HEADER).context("csv")?;
    for row in export_rows(&state, &filters).await? {
        writer.write_record(&row).context("csv")?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(writer.into_inner().map_err(|e| anyhow!("csv: {e}"))?);
    Ok(download(
        "text/csv; charset=utf-8",
        "attachment; filename=\"acties.csv\"",
        body,
    ))
}

/// The filtered list as an Excel workbook, numbers as numbers.
async fn export_xlsx(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response> {
    let rows = export_rows(&state, &filters).await?;
    let body =
        tokio::task::spawn_blocking(move || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            sheet.set_name("Acties")?;
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (col, title) in EXPORT_HEADER.iter().enumerate() {
                sheet.write_string_with_format(0, col as u16, *title, &bold)?;
            }
            // Columns that hold numbers: id, cost, participants planned and reached.
            let numeric = [0usize, 10, 11, 12];
            for (i, row) in rows.iter().enumerate() {
                let r = i as u32 + 1;
                for (col, value) in row.iter().enumerate() {
                    let number = numeric
                        .contains(&col)
                        .then(|| value.replace(',', ".").parse::<f64>().ok())
                        .flatten();
                    match number {
                        Some(n) => sheet.write_number(r, col as u16, n)?,
                        None => sheet.write_string(r, col as u16, value)?,
                    };
                }
            }
            sheet.autofilter(0, 0, rows.len() as u32, EXPORT_HEADER.len() as u16 - 1)?;
            sheet.set_freeze_panes(1, 0)?;
            workbook.save_to_buffer()
        })
        .await
        .context("xlsx task")?
        .context("xlsx")?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment; filename=\"acties.xlsx\"",
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_markers_become_segments() {
        assert_eq!(
            segments("een \u{1}opleiding\u{2} voor \u{1}jongeren\u{2}."),
            vec![
                ("een ".to_string(), false),
                ("opleiding".to_string(), true),
                (" voor ".to_string(), false),
                ("jongeren".to_string(), true),
                (".".to_string(), false),
            ]
        );
        assert_eq!(
            segments("geen treffers"),
            vec![("geen treffers".to_string(), false)]
        );
    }
}
