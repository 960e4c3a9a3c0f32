//! The Flemish municipalities (reference data): list with search and filters, and a page per
//! municipality with its population and its 2025 merger.
//!
//! Routes (signed in): `GET /gemeenten?q=&provincie=&indeling=`, `GET /gemeenten/{nis}`. Both
//! show reference data only, from the in-process cache ([`crate::reference`]): the list of a
//! vintage and a municipality's page are read once per version of the reference data.

pub mod seed;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use sqlx::PgPool;

use crate::auth::SignedIn;
use crate::error::{AppError, Result};
use crate::reference::Reference;
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::forms::Choice;
use crate::web::layout::Layout;
use crate::web::{format, render};
use seed::{VINTAGE_2019, VINTAGE_2025};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/gemeenten", get(index))
        .route("/gemeenten/{nis}", get(show))
}

pub const PROVINCES: [&str; 5] = [
    "Antwerpen",
    "Limburg",
    "Oost-Vlaanderen",
    "Vlaams-Brabant",
    "West-Vlaanderen",
];

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    provincie: String,
    indeling: String,
}

struct Row {
    nis_code: String,
    name: String,
    province: String,
    arrondissement: String,
    population: String,
    merger: String,
}

/// A municipality of a list as the page shows it, with what the filters and totals need.
struct Listed {
    row: Row,
    /// For the search, which ignores case.
    name_lower: String,
    population: Option<i64>,
    /// The year of `population`: the latest the municipality has.
    year: Option<i16>,
}

impl Listed {
    /// Whether it is in `province` (any, when empty) and matches `q` (lowercase; anything, when
    /// empty): its NIS code exactly or a part of its name.
    fn matches(&self, province: &str, q: &str) -> bool {
        (province.is_empty() || self.row.province == province)
            && (q.is_empty() || self.row.nis_code == q || self.name_lower.contains(q))
    }
}

/// Every municipality of `vintage` by name, with its latest population and its 2025 merger.
/// Reference data: the page keeps it in the cache and filters it in memory, so a search as you
/// type costs no statement beyond the session's.
async fn list(db: &PgPool, vintage: &str) -> Result<Vec<Listed>> {
    let rows = sqlx::query!(
        r#"select m.nis_code, m.name_nl, m.province, m.arrondissement,
                  p.population as "population?", p.year as "year?",
                  (select string_agg(o.name_nl, ', ' order by o.name_nl)
                     from municipality_mergers mm
                     join municipalities o on o.vintage = mm.from_vintage and o.nis_code = mm.from_nis_code
                    where mm.to_vintage = m.vintage and mm.to_nis_code = m.nis_code) as merged_from,
                  (select t.name_nl
                     from municipality_mergers mm
                     join municipalities t on t.vintage = mm.to_vintage and t.nis_code = mm.to_nis_code
                    where mm.from_vintage = m.vintage and mm.from_nis_code = m.nis_code) as merges_into
           from municipalities m
           left join lateral (
               select population, year from municipality_populations mp
               where mp.vintage = m.vintage and mp.nis_code = m.nis_code
               order by year desc limit 1
           ) p on true
           where m.vintage = $1
           order by m.name_nl, m.nis_code"#,
        vintage
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Listed {
            name_lower: r.name_nl.to_lowercase(),
            population: r.population.map(i64::from),
            year: r.year,
            row: Row {
                merger: match (r.merged_from, r.merges_into) {
                    (Some(from), _) => format!("ontstaan uit {from}"),
                    (None, Some(into)) => format!("fusie 2025: {into}"),
                    _ => String::new(),
                },
                population: r
                    .population
                    .map_or_else(|| "-".into(), |p| format::thousands(p.into())),
                nis_code: r.nis_code,
                name: r.name_nl,
                province: r.province,
                arrondissement: r.arrondissement,
            },
        })
        .collect())
}

#[derive(Template)]
#[template(path = "municipalities/index.html")]
struct MunicipalitiesPage<'a> {
    layout: Layout,
    q: String,
    vintages: Vec<Choice>,
    provinces: Vec<Choice>,
    vintage_label: &'static str,
    population_year: String,
    rows: Vec<&'a Row>,
    total_count: String,
    total_population: String,
    filtered: bool,
}

async fn index(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let vintage = if query.indeling == VINTAGE_2019 {
        VINTAGE_2019
    } else {
        VINTAGE_2025
    };
    // An unknown province is ignored rather than giving an empty list.
    let province = PROVINCES
        .iter()
        .copied()
        .find(|p| *p == query.provincie)
        .unwrap_or("");
    let q = query.q.trim();
    let all = reference
        .get_or_load(format!("municipality-list:{vintage}"), || {
            list(&state.db, vintage)
        })
        .await?;
    let q_lower = q.to_lowercase();
    let shown: Vec<&Listed> = all
        .iter()
        .filter(|m| m.matches(province, &q_lower))
        .collect();

    render(&MunicipalitiesPage {
        layout: signed_in.layout("Gemeenten").await?,
        q: q.to_string(),
        vintages: [(VINTAGE_2025, "vanaf 2025"), (VINTAGE_2019, "2019-2024")]
            .into_iter()
            .map(|(value, label)| Choice::new(value, label, value == vintage))
            .collect(),
        provinces: PROVINCES
            .into_iter()
            .map(|p| Choice::new(p, p, p == province))
            .collect(),
        vintage_label: if vintage == VINTAGE_2019 {
            "2019-2024"
        } else {
            "vanaf 2025"
        },
        population_year: shown
            .iter()
            .filter_map(|m| m.year)
            .max()
            .map_or_else(String::new, |y| format!("1/1/{y}")),
        total_count: format::thousands(shown.len() as i64),
        total_population: format::thousands(shown.iter().filter_map(|m| m.population).sum()),
        filtered: !q.is_empty() || !province.is_empty(),
        rows: shown.into_iter().map(|m| &m.row).collect(),
    })
}

struct Link {
    nis_code: String,
    name: String,
}

struct PopulationLine {
    year: i16,
    population: String,
    source: String,
    note: String,
}

struct VintageView {
    label: String,
    name: String,
    province: String,
    arrondissement: String,
    populations: Vec<PopulationLine>,
    merged_from: Vec<Link>,
    merges_into: Option<Link>,
}

#[derive(Template)]
#[template(path = "municipalities/show.html")]
struct MunicipalityPage<'a> {
    layout: Layout,
    nis_code: String,
    name: &'a str,
    vintages: &'a [VintageView],
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    reference: Reference,
    Path(nis): Path<String>,
) -> Result<Response> {
    if nis.len() != 5 || !nis.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::NotFound);
    }
    // Reference data only: the cache holds the page's content per municipality (an unknown
    // code is not kept, so guessing codes cannot fill it).
    let vintages = reference
        .get_or_load(format!("municipality:{nis}"), || vintages(&state.db, &nis))
        .await?;
    let name = &vintages[0].name;
    render(&MunicipalityPage {
        layout: signed_in.layout(format!("{name} ({nis})")).await?,
        nis_code: nis.clone(),
        name,
        vintages: &vintages,
    })
}

/// Municipality `nis` in each list that has it, newest first; [`AppError::NotFound`] when none.
async fn vintages(db: &PgPool, nis: &str) -> Result<Vec<VintageView>> {
    let rows = sqlx::query!(
        r#"select m.vintage, v.label, m.name_nl, m.province, m.arrondissement
           from municipalities m join municipality_vintages v using (vintage)
           where m.nis_code = $1
           order by v.valid_from desc"#,
        nis
    )
    .fetch_all(db)
    .await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }

    let populations = sqlx::query!(
        r#"select vintage, year, population, source, note from municipality_populations
           where nis_code = $1 order by year desc"#,
        nis
    )
    .fetch_all(db)
    .await?;
    let merged_from = sqlx::query!(
        r#"select mm.to_vintage, o.nis_code, o.name_nl
           from municipality_mergers mm
           join municipalities o on o.vintage = mm.from_vintage and o.nis_code = mm.from_nis_code
           where mm.to_nis_code = $1
           order by o.name_nl"#,
        nis
    )
    .fetch_all(db)
    .await?;
    let merges_into = sqlx::query!(
        r#"select mm.from_vintage, t.nis_code, t.name_nl
           from municipality_mergers mm
           join municipalities t on t.vintage = mm.to_vintage and t.nis_code = mm.to_nis_code
           where mm.from_nis_code = $1"#,
        nis
    )
    .fetch_all(db)
    .await?;

    Ok(rows
        .into_iter()
        .map(|m| VintageView {
            populations: populations
                .iter()
                .filter(|p| p.vintage == m.vintage)
                .map(|p| PopulationLine {
                    year: p.year,
                    population: format::thousands(p.population.into()),
                    source: p.source.clone(),
                    note: p.note.clone().unwrap_or_default(),
                })
                .collect(),
            merged_from: merged_from
                .iter()
                .filter(|l| l.to_vintage == m.vintage)
                .map(|l| Link {
                    nis_code: l.nis_code.clone(),
                    name: l.name_nl.clone(),
                })
                .collect(),
            merges_into: merges_into
                .iter()
                .find(|l| l.from_vintage == m.vintage)
                .map(|l| Link {
                    nis_code: l.nis_code.clone(),
                    name: l.name_nl.clone(),
                }),
            label: m.label,
            name: m.name_nl,
            province: m.province,
            arrondissement: m.arrondissement,
        })
        .collect())
}
