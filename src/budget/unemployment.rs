//! Unemployment rates (werkloosheidsgraad) per municipality and year, which rank the
//! werkingsgebieden when the envelope is short. They are not in the reference data: an admin
//! pastes them with their source. A missing rate is shown as missing and never assumed.
//!
//! The rates are kept per municipality of the 2019-2024 list, the list of the policy periods
//! the rule of the 2020-2025 call is about.
//!
//! Routes: `GET /budget/werkloosheid?jaar=` (staff), `POST /budget/werkloosheid` (admins).

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Datelike;
use serde::Deserialize;

use super::db;
use super::rule::rate_label;
use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn, StaffOnly};
use crate::error::Result;
use crate::identity::Role;
use crate::municipalities::seed::VINTAGE_2019;
use crate::state::AppState;
use crate::web::extract::{Form, Query};
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, FieldErrors};
use crate::web::layout::Layout;
use crate::web::{render, render_with_status};

pub fn router() -> Router<AppState> {
    Router::new().route("/budget/werkloosheid", get(index).post(enter))
}

/// Reads a percentage as people type it, `7,35`, `7.35`, `7` or `7,35%`, into hundredths of a
/// percent, without floating point. At most two decimals, between 0 and 100.
pub(super) fn parse_rate(value: &str) -> std::result::Result<i32, &'static str> {
    let value = value.trim().trim_end_matches('%').trim();
    if value.starts_with('-') {
        return Err("mag niet negatief zijn");
    }
    let (whole, decimals) = match value.split_once([',', '.']) {
        Some((whole, decimals)) => (whole, Some(decimals)),
        None => (value, None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || decimals.is_some_and(|d| !digits(d)) {
        return Err("is geen percentage (bijvoorbeeld 7,35)");
    }
    let decimals = decimals.unwrap_or("");
    if decimals.len() > 2 {
        return Err("heeft meer dan 2 decimalen");
    }
    if whole.len() > 3 {
        return Err("ligt niet tussen 0 en 100");
    }
    let whole: i32 = whole.parse().map_err(|_| "is geen percentage")?;
    let hundredths: i32 = format!("{decimals:0<2}")
        .parse()
        .map_err(|_| "is geen percentage")?;
    let bp = whole * 100 + hundredths;
    if bp > 10_000 {
        return Err("ligt niet tussen 0 en 100");
    }
    Ok(bp)
}

/// One rate as pasted and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RateInput {
    nis_code: String,
    rate_bp: i32,
}

/// Reads the pasted lines `NIS-code;percentage` (a tab works too, as from a spreadsheet) against
/// the municipalities of the list (`names` by NIS code). Every wrong line gets its own Dutch
/// message; one wrong line means nothing is stored.
fn parse_lines(
    text: &str,
    names: &BTreeMap<String, String>,
) -> std::result::Result<Vec<RateInput>, Vec<String>> {
    let mut rates: Vec<(usize, RateInput)> = Vec::new();
    let mut wrong = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((code, rate)) = line.split_once(';').or_else(|| line.split_once('\t')) else {
            wrong.push(format!(
                "Regel {number}: schrijf „NIS-code;percentage”, bijvoorbeeld 11002;7,35."
            ));
            continue;
        };
        let (code, rate) = (code.trim(), rate.trim());
        let Some(name) = names.get(code) else {
            wrong.push(format!(
                "Regel {number}: „{code}” is geen NIS-code van een gemeente van de lijst 2019-2024."
            ));
            continue;
        };
        let rate_bp = match parse_rate(rate) {
            Ok(bp) => bp,
            Err(why) => {
                wrong.push(format!("Regel {number} ({name}): „{rate}” {why}."));
                continue;
            }
        };
        if let Some((earlier, _)) = rates.iter().find(|(_, r)| r.nis_code == code) {
            wrong.push(format!(
                "Regel {number}: {name} ({code}) staat al op regel {earlier}."
            ));
            continue;
        }
        rates.push((
            number,
            RateInput {
                nis_code: code.to_string(),
                rate_bp,
            },
        ));
    }
    if !wrong.is_empty() {
        return Err(wrong);
    }
    if rates.is_empty() {
        return Err(vec![
            "Plak minstens één regel „NIS-code;percentage”.".into(),
        ]);
    }
    Ok(rates.into_iter().map(|(_, r)| r).collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RatesQuery {
    jaar: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default)]
struct RatesForm {
    jaar: String,
    bron: String,
    regels: String,
}

struct RateRow {
    nis_code: String,
    name: String,
    /// `7,35%`, or empty when missing.
    rate: String,
    source: String,
}

struct YearCount {
    year: i16,
    count: i64,
    current: bool,
}

#[derive(Template)]
#[template(path = "budget/unemployment.html")]
struct UnemploymentPage {
    layout: Layout,
    year: i16,
    years: Vec<YearCount>,
    /// The rule versions that rank with this year's rates.
    used_by: Vec<String>,
    entered: usize,
    missing: usize,
    rows: Vec<RateRow>,
    can_enter: bool,
    form: RatesForm,
    errors: FieldErrors,
    line_errors: Vec<String>,
}

impl UnemploymentPage {
    async fn build(
        state: &AppState,
        signed_in: &SignedIn,
        year: i16,
        form: RatesForm,
        errors: FieldErrors,
        line_errors: Vec<String>,
    ) -> Result<Self> {
        let rows: Vec<RateRow> = sqlx::query!(
            r#"select m.nis_code, m.name_nl, r.rate_bp as "rate_bp?", r.source as "source?"
               from municipalities m
               left join unemployment_rates r
                      on r.vintage = m.vintage and r.nis_code = m.nis_code and r.year = $2
               where m.vintage = $1
               order by m.name_nl, m.nis_code"#,
            VINTAGE_2019,
            year
        )
        .fetch_all(&state.db)
        .await?
        .into_iter()
        .map(|r| RateRow {
            nis_code: r.nis_code,
            name: r.name_nl,
            rate: r
                .rate_bp
                .map(|bp| rate_label(i64::from(bp)))
                .unwrap_or_default(),
            source: r.source.unwrap_or_default(),
        })
        .collect();
        let mut years: Vec<YearCount> = sqlx::query!(
            r#"select year, count(*) as "count!" from unemployment_rates
               where vintage = $1 group by year order by year"#,
            VINTAGE_2019
        )
        .fetch_all(&state.db)
        .await?
        .into_iter()
        .map(|r| YearCount {
            year: r.year,
            count: r.count,
            current: r.year == year,
        })
        .collect();
        if !years.iter().any(|y| y.current) {
            years.push(YearCount {
                year,
                count: 0,
                current: true,
            });
            years.sort_by_key(|y| y.year);
        }
        let used_by = db::rules(&state.db)
            .await?
            .into_iter()
            .filter(|r| r.rule.unemployment_year == year)
            .map(|r| format!("{} ({}-{})", r.name, r.first_year, r.last_year))
            .collect();
        let entered = rows.iter().filter(|r| !r.rate.is_empty()).count();
        Ok(Self {
            layout: signed_in
                .layout(format!("Werkloosheidsgraad {year}"))
                .await?,
            year,
            years,
            used_by,
            entered,
            missing: rows.len() - entered,
            rows,
            can_enter: signed_in.user.role == Role::Admin,
            form,
            errors,
            line_errors,
        })
    }
}

/// The year asked for, or else the one the rule of this year ranks with.
async fn default_year(state: &AppState) -> Result<i16> {
    let this_year = i16::try_from(chrono::Utc::now().year()).unwrap_or(2025);
    let rules = db::rules(&state.db).await?;
    Ok(db::rule_for(&rules, this_year)
        .or(rules.last())
        .map_or(this_year, |r| r.rule.unemployment_year))
}

fn valid_year(value: &str) -> Option<i16> {
    value
        .trim()
        .parse::<i16>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
}

async fn index(
    State(state): State<AppState>,
    StaffOnly(signed_in): StaffOnly,
    Query(query): Query<RatesQuery>,
) -> Result<Response> {
    let year = match query.jaar.as_deref().and_then(valid_year) {
        Some(year) => year,
        None => default_year(&state).await?,
    };
    let form = RatesForm {
        jaar: year.to_string(),
        ..RatesForm::default()
    };
    let page = UnemploymentPage::build(
        &state,
        &signed_in,
        year,
        form,
        FieldErrors::new(),
        Vec::new(),
    )
    .await?;
    render(&page)
}

async fn enter(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Form(form): Form<RatesForm>,
) -> Result<Response> {
    let mut errors = FieldErrors::new();
    let year = valid_year(&form.jaar);
    if year.is_none() {
        errors.add("jaar", "Vul het jaar in: een jaar tussen 2000 en 2100.");
    }
    let source = forms::text(&mut errors, "bron", "de bron", &form.bron, 500);
    let names: BTreeMap<String, String> = sqlx::query!(
        "select nis_code, name_nl from municipalities where vintage = $1",
        VINTAGE_2019
    )
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|r| (r.nis_code, r.name_nl))
    .collect();
    let (rates, line_errors) = match parse_lines(&form.regels, &names) {
        Ok(rates) => (rates, Vec::new()),
        Err(wrong) => {
            errors.add(
                "regels",
                if wrong.len() == 1 {
                    format!("{} Er is niets opgeslagen.", wrong[0])
                } else {
                    format!(
                        "{} regels kloppen niet; zie de lijst onder het tekstvak. Er is niets opgeslagen.",
                        wrong.len()
                    )
                },
            );
            (Vec::new(), wrong)
        }
    };
    let Some(year) = year.filter(|_| errors.is_empty()) else {
        let shown = match year {
            Some(year) => year,
            None => default_year(&state).await?,
        };
        let page =
            UnemploymentPage::build(&state, &admin, shown, form, errors, line_errors).await?;
        return render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let codes: Vec<String> = rates.iter().map(|r| r.nis_code.clone()).collect();
    let bps: Vec<i32> = rates.iter().map(|r| r.rate_bp).collect();
    let mut tx = state.db.begin().await?;
    // The rates being replaced go into the audit entry: they decide who falls outside a short
    // envelope, so an overwritten rate must stay traceable.
    let replaced: Vec<serde_json::Value> = sqlx::query!(
        r#"select nis_code, rate_bp, source from unemployment_rates
           where vintage = $1 and year = $2 and nis_code = any($3)
           order by nis_code for update"#,
        VINTAGE_2019,
        year,
        &codes
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(
        |r| serde_json::json!({ "nis_code": r.nis_code, "rate_bp": r.rate_bp, "source": r.source }),
    )
    .collect();
    sqlx::query!(
        r#"insert into unemployment_rates (vintage, nis_code, year, rate_bp, source, entered_by)
           select $1, r.nis_code, $2, r.rate_bp, $3, $4
           from unnest($5::text[], $6::int[]) as r(nis_code, rate_bp)
           on conflict (vintage, nis_code, year) do update
               set rate_bp = excluded.rate_bp, source = excluded.source,
                   entered_by = excluded.entered_by, entered_at = now()"#,
        VINTAGE_2019,
        year,
        source,
        admin.user.user_id,
        &codes,
        &bps
    )
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(Action::UnemploymentRatesEntered)
        .actor(&admin.user)
        .object("unemployment_year", year)
        .details(serde_json::json!({
            "year": year,
            "vintage": VINTAGE_2019,
            "count": rates.len(),
            "replaced": replaced,
            "source": source,
        }))
        .record(&mut *tx, &admin.ctx)
        .await?;
    tx.commit().await?;
    let count = rates.len();
    let replaced = replaced.len();
    let what = if count == 1 {
        "1 werkloosheidsgraad".to_string()
    } else {
        format!("{count} werkloosheidsgraden")
    };
    flash::redirect(
        &admin.session,
        FlashKind::Success,
        format!("{what} voor {year} bewaard (waarvan {replaced} vervangen)."),
        &format!("/budget/werkloosheid?jaar={year}"),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_read_into_hundredths_without_floats() {
        let cases = [
            ("7,35", 735),
            ("7.35", 735),
            ("7", 700),
            ("7,3", 730),
            ("0,07", 7),
            ("0", 0),
            ("100", 10_000),
            ("100,00", 10_000),
            (" 12,5 % ", 1250),
            // 0,29 * 100 is 28,999999999999996 in floating point.
            ("0,29", 29),
            ("4,35", 435),
        ];
        for (text, bp) in cases {
            assert_eq!(parse_rate(text), Ok(bp), "{text:?}");
        }
    }

    #[test]
    fn wrong_percentages_say_what_is_wrong() {
        assert_eq!(parse_rate("7,355"), Err("heeft meer dan 2 decimalen"));
        assert_eq!(parse_rate("100,01"), Err("ligt niet tussen 0 en 100"));
        assert_eq!(parse_rate("1000"), Err("ligt niet tussen 0 en 100"));
        assert_eq!(parse_rate("-1"), Err("mag niet negatief zijn"));
        for bad in ["", "abc", "7,", ",5", "7,3,5", "7 35", "1e2"] {
            assert!(parse_rate(bad).is_err(), "{bad:?}");
        }
    }

    fn names() -> BTreeMap<String, String> {
        [("11002", "Antwerpen"), ("44021", "Gent")]
            .into_iter()
            .map(|(c, n)| (c.to_string(), n.to_string()))
            .collect()
    }

    #[test]
    fn lines_are_read_with_semicolons_or_tabs() {
        let rates = parse_lines("11002;7,35\n\n44021\t6.1\n", &names()).unwrap();
        assert_eq!(
            rates,
            vec![
                RateInput {
                    nis_code: "11002".into(),
                    rate_bp: 735
                },
                RateInput {
                    nis_code: "44021".into(),
                    rate_bp: 610
                },
            ]
        );
    }

    #[test]
    fn every_wrong_line_is_named_with_its_number() {
        let wrong = parse_lines(
            "11002;7,35\n99999;5\n44021;7,355\nGent 5\n11002;8",
            &names(),
        )
        .unwrap_err();
        assert_eq!(
            wrong,
            vec![
                "Regel 2: „99999” is geen NIS-code van een gemeente van de lijst 2019-2024."
                    .to_string(),
                "Regel 3 (Gent): „7,355” heeft meer dan 2 decimalen.".to_string(),
                "Regel 4: schrijf „NIS-code;percentage”, bijvoorbeeld 11002;7,35.".to_string(),
                "Regel 5: Antwerpen (11002) staat al op regel 1.".to_string(),
            ]
        );
    }
}
