//! The versions of the allocation rule: their bands, caps and settings, which version applies
//! to which year, and adding a version. Versions are never edited: a change is a new version
//! (the table is insert-only for requests), so a fixed allocation keeps the rule it used.
//!
//! Routes: `GET /budget/regels` (staff), `GET/POST /budget/regels/nieuw` (admins).

use std::collections::BTreeSet;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::db::{self, RuleVersion};
use super::rule::Boundary;
use crate::audit::{self, Action};
use crate::auth::{AdminOnly, SignedIn, StaffOnly};
use crate::error::{Result, ResultExt};
use crate::identity::Role;
use crate::periods;
use crate::state::AppState;
use crate::web::extract::Form;
use crate::web::flash::{self, FlashKind};
use crate::web::forms::{self, Choice, FieldError, FieldErrors};
use crate::web::layout::Layout;
use crate::web::money::{input_euro, parse_euro};
use crate::web::{format, render, render_with_status};

const MAX_TEXT: usize = 2000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/budget/regels", get(index))
        .route("/budget/regels/nieuw", get(new).post(create))
}

struct BandRow {
    range: String,
    amount: String,
}

/// One rule version as the page shows it.
struct VersionView {
    rule_id: i64,
    name: String,
    years: String,
    /// The years this version is the one that applies (a later version can take over).
    applies_to: String,
    bands: Vec<BandRow>,
    cap_without: String,
    cap_extra: String,
    minimum: String,
    population_year: i16,
    unemployment_year: i16,
    boundary: &'static str,
    source: String,
    note: String,
    created: String,
}

/// A year and the version that applies to it.
struct YearRule {
    year: i16,
    rule: String,
}

#[derive(Template)]
#[template(path = "budget/rules.html")]
struct RulesPage {
    layout: Layout,
    versions: Vec<VersionView>,
    years: Vec<YearRule>,
    can_add: bool,
}

fn view(version: &RuleVersion, all: &[RuleVersion]) -> VersionView {
    let rule = &version.rule;
    let applies: Vec<String> = (version.first_year..=version.last_year)
        .filter(|y| db::rule_for(all, *y).is_some_and(|r| r.rule_id == version.rule_id))
        .map(|y| y.to_string())
        .collect();
    VersionView {
        rule_id: version.rule_id,
        name: version.name.clone(),
        years: format!("{}-{}", version.first_year, version.last_year),
        applies_to: if applies.is_empty() {
            "geen enkel jaar meer: latere versies nemen al haar jaren over".into()
        } else {
            applies.join(", ")
        },
        bands: rule
            .bands()
            .iter()
            .enumerate()
            .map(|(i, band)| BandRow {
                range: rule.band_label(i),
                amount: format::euro(band.amount_cents),
            })
            .collect(),
        cap_without: format::euro(rule.cap_without_centre_city_cents),
        cap_extra: format::euro(rule.cap_centre_city_extra_cents),
        minimum: format::thousands(rule.min_population_partnership),
        population_year: rule.population_year,
        unemployment_year: rule.unemployment_year,
        boundary: rule.boundary.label(),
        source: version.source.clone(),
        note: version.note.clone(),
        created: format!(
            "{}, {}",
            version
                .created_by
                .as_deref()
                .unwrap_or("bij de installatie"),
            format::datetime(version.created_at)
        ),
    }
}

async fn index(State(state): State<AppState>, StaffOnly(signed_in): StaffOnly) -> Result<Response> {
    let rules = db::rules(&state.db).await?;
    let periods = periods::list(&state.db).await?;
    let years: BTreeSet<i16> = db::years(&periods)
        .into_iter()
        .chain(rules.iter().flat_map(|r| r.first_year..=r.last_year))
        .collect();
    let years = years
        .into_iter()
        .map(|year| YearRule {
            year,
            rule: db::rule_for(&rules, year).map_or_else(
                || "geen: er wordt niets berekend".into(),
                |r| r.name.clone(),
            ),
        })
        .collect();
    // Newest first.
    let versions = rules.iter().rev().map(|v| view(v, &rules)).collect();
    render(&RulesPage {
        layout: signed_in.layout("Verdeelregels").await?,
        versions,
        years,
        can_add: signed_in.user.role == Role::Admin,
    })
}

// ---------------------------------------------------------------------------------------------
// A new version

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(default)]
struct RuleForm {
    naam: String,
    eerste_jaar: String,
    laatste_jaar: String,
    bevolkingsjaar: String,
    werkloosheidsjaar: String,
    grenswaarde: String,
    minimum: String,
    plafond_zonder: String,
    plafond_extra: String,
    bron: String,
    toelichting: String,
    /// One band a line: `ondergrens;bedrag`.
    schijven: String,
}

impl RuleForm {
    /// The form prefilled from `latest`, for the years after it.
    fn from_latest(latest: Option<&RuleVersion>) -> Self {
        let Some(v) = latest else {
            return Self {
                grenswaarde: Boundary::LagereSchijf.code().into(),
                ..Self::default()
            };
        };
        let rule = &v.rule;
        let first = v.last_year.saturating_add(1);
        Self {
            naam: v.name.clone(),
            eerste_jaar: first.to_string(),
            laatste_jaar: first.saturating_add(v.last_year - v.first_year).to_string(),
            bevolkingsjaar: rule.population_year.to_string(),
            werkloosheidsjaar: rule.unemployment_year.to_string(),
            grenswaarde: rule.boundary.code().into(),
            minimum: format::thousands(rule.min_population_partnership),
            plafond_zonder: input_euro(rule.cap_without_centre_city_cents),
            plafond_extra: input_euro(rule.cap_centre_city_extra_cents),
            bron: v.source.clone(),
            toelichting: v.note.clone(),
            schijven: rule
                .bands()
                .iter()
                .map(|b| {
                    format!(
                        "{};{}",
                        format::thousands(b.lower_bound),
                        input_euro(b.amount_cents)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// A number of inhabitants as people type it: `80000` or `80.000` (points group thousands).
pub(super) fn parse_inhabitants(value: &str) -> Option<i64> {
    let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let mut groups = value.split('.');
    let first = groups.next()?;
    let rest: Vec<&str> = groups.collect();
    let digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    let grouped =
        rest.is_empty() || ((1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3));
    if !digits(first) || !rest.iter().all(|g| digits(g)) || !grouped {
        return None;
    }
    let number: i64 = value.replace('.', "").parse().ok()?;
    (number <= i64::from(i32::MAX)).then_some(number)
}

/// A band as typed on one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BandInput {
    lower_bound: i32,
    amount_cents: i64,
}

/// Reads the bands, one a line (`ondergrens;bedrag`); empty lines are skipped. Returns the
/// bands or a Dutch message per wrong line.
fn parse_bands(text: &str) -> std::result::Result<Vec<BandInput>, Vec<String>> {
    let mut bands: Vec<(usize, BandInput)> = Vec::new();
    let mut wrong = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((lower, amount)) = line.split_once(';') else {
            wrong.push(format!(
                "Regel {number}: schrijf „ondergrens;bedrag”, bijvoorbeeld 80.000;50.000."
            ));
            continue;
        };
        let (lower, amount) = (lower.trim(), amount.trim());
        let lower_bound = match parse_inhabitants(lower) {
            Some(n) => i32::try_from(n).ok(),
            None => None,
        };
        let Some(lower_bound) = lower_bound else {
            wrong.push(if lower.starts_with('-') {
                format!("Regel {number}: de ondergrens mag niet negatief zijn.")
            } else {
                format!(
                    "Regel {number}: „{lower}” is geen aantal inwoners (een geheel getal, bijvoorbeeld 80.000)."
                )
            });
            continue;
        };
        let Some(amount_cents) = parse_euro(amount) else {
            wrong.push(if amount.starts_with('-') {
                format!("Regel {number}: het bedrag mag niet negatief zijn.")
            } else {
                format!(
                    "Regel {number}: „{amount}” is geen bedrag in euro (bijvoorbeeld 50.000 of 50.000,00)."
                )
            });
            continue;
        };
        if let Some((earlier, _)) = bands.iter().find(|(_, b)| b.lower_bound == lower_bound) {
            wrong.push(format!(
                "Regel {number}: de ondergrens {} staat al op regel {earlier}; elke schijf heeft haar eigen ondergrens.",
                format::thousands(i64::from(lower_bound))
            ));
            continue;
        }
        bands.push((
            number,
            BandInput {
                lower_bound,
                amount_cents,
            },
        ));
    }
    if !wrong.is_empty() {
        return Err(wrong);
    }
    if bands.is_empty() {
        return Err(vec![
            "Geef minstens één schijf, één per regel: ondergrens;bedrag.".into(),
        ]);
    }
    let mut bands: Vec<BandInput> = bands.into_iter().map(|(_, b)| b).collect();
    bands.sort_by_key(|b| b.lower_bound);
    Ok(bands)
}

/// A checked form, ready to store.
struct ValidRule {
    name: String,
    first_year: i16,
    last_year: i16,
    population_year: i16,
    unemployment_year: i16,
    boundary: Boundary,
    minimum: i32,
    cap_without_cents: i64,
    cap_extra_cents: i64,
    source: String,
    note: String,
    bands: Vec<BandInput>,
}

fn year(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) -> Option<i16> {
    let year = value
        .trim()
        .parse::<i16>()
        .ok()
        .filter(|y| (2000..=2100).contains(y));
    if year.is_none() {
        errors.add(
            field,
            format!("Vul {label} in: een jaar tussen 2000 en 2100."),
        );
    }
    year
}

fn money(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) -> Option<i64> {
    let cents = parse_euro(value);
    if cents.is_none() {
        errors.add(
            field,
            format!("Vul {label} in als bedrag in euro, bijvoorbeeld 50.000 (niet negatief)."),
        );
    }
    cents
}

fn long_text(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) -> String {
    let value = value.trim().to_string();
    if value.chars().count() > MAX_TEXT {
        errors.add(
            field,
            format!("{label} mag hoogstens {MAX_TEXT} tekens lang zijn."),
        );
    }
    value
}

/// Checks the form; `population_years` are the years with population figures. Wrong band
/// lines come back one message each.
fn validate(
    form: &RuleForm,
    population_years: &[i16],
) -> (Option<ValidRule>, FieldErrors, Vec<String>) {
    let mut errors = FieldErrors::new();
    let name = forms::text(&mut errors, "naam", "de naam", &form.naam, 200);
    let first_year = year(
        &mut errors,
        "eerste_jaar",
        "het eerste jaar",
        &form.eerste_jaar,
    );
    let last_year = year(
        &mut errors,
        "laatste_jaar",
        "het laatste jaar",
        &form.laatste_jaar,
    );
    if let (Some(first), Some(last)) = (first_year, last_year)
        && last < first
    {
        errors.add(
            "laatste_jaar",
            "Het laatste jaar mag niet voor het eerste jaar liggen.",
        );
    }
    let population_year = year(
        &mut errors,
        "bevolkingsjaar",
        "het bevolkingsjaar",
        &form.bevolkingsjaar,
    );
    if population_year.is_some_and(|y| !population_years.contains(&y)) {
        let known: Vec<String> = population_years.iter().map(i16::to_string).collect();
        errors.add(
            "bevolkingsjaar",
            format!(
                "Voor dat jaar zijn er geen bevolkingscijfers; kies {}.",
                if known.is_empty() {
                    "een jaar met cijfers".to_string()
                } else {
                    known.join(" of ")
                }
            ),
        );
    }
    let unemployment_year = year(
        &mut errors,
        "werkloosheidsjaar",
        "het jaar van de werkloosheidsgraad",
        &form.werkloosheidsjaar,
    );
    let boundary = Boundary::parse(form.grenswaarde.trim());
    if boundary.is_none() {
        errors.add("grenswaarde", "Kies bij welke schijf een grenswaarde telt.");
    }
    let minimum = parse_inhabitants(&form.minimum).and_then(|n| i32::try_from(n).ok());
    if minimum.is_none() {
        errors.add(
            "minimum",
            "Vul het minimum aantal inwoners in als geheel getal, bijvoorbeeld 60.000.",
        );
    }
    let cap_without = money(
        &mut errors,
        "plafond_zonder",
        "het plafond zonder centrumstad",
        &form.plafond_zonder,
    );
    let cap_extra = money(
        &mut errors,
        "plafond_extra",
        "het plafond voor een centrumstad",
        &form.plafond_extra,
    );
    let source = long_text(&mut errors, "bron", "De bron", &form.bron);
    let note = long_text(
        &mut errors,
        "toelichting",
        "De toelichting",
        &form.toelichting,
    );
    let (bands, band_errors) = match parse_bands(&form.schijven) {
        Ok(bands) => (bands, Vec::new()),
        Err(wrong) => {
            let summary = if wrong.len() == 1 {
                wrong[0].clone()
            } else {
                format!(
                    "{} regels van de schijven kloppen niet; zie de lijst onder het tekstvak.",
                    wrong.len()
                )
            };
            errors.add("schijven", summary);
            (Vec::new(), wrong)
        }
    };
    let valid = match (
        first_year,
        last_year,
        population_year,
        unemployment_year,
        boundary,
        minimum,
        cap_without,
        cap_extra,
    ) {
        (
            Some(first_year),
            Some(last_year),
            Some(population_year),
            Some(unemployment_year),
            Some(boundary),
            Some(minimum),
            Some(cap_without_cents),
            Some(cap_extra_cents),
        ) if errors.is_empty() => Some(ValidRule {
            name,
            first_year,
            last_year,
            population_year,
            unemployment_year,
            boundary,
            minimum,
            cap_without_cents,
            cap_extra_cents,
            source,
            note,
            bands,
        }),
        _ => None,
    };
    (valid, errors, band_errors)
}

/// What the named constraints of `allocation_rules` mean on the form (the form checks the same
/// first; these stay as the last word). A version may start in the same year as an earlier one:
/// it then corrects it for the years both cover.
const CONSTRAINT_ERRORS: &[(&str, FieldError)] = &[(
    "allocation_rules_years",
    FieldError {
        field: "laatste_jaar",
        message: "Het laatste jaar valt voor het eerste jaar, of buiten 2000-2100.",
    },
)];

#[derive(Template)]
#[template(path = "budget/rule_form.html")]
struct RuleFormPage {
    layout: Layout,
    form: RuleForm,
    boundaries: Vec<Choice>,
    errors: FieldErrors,
    band_errors: Vec<String>,
    /// The version the form was prefilled from.
    latest: Option<String>,
}

impl RuleFormPage {
    async fn build(
        state: &AppState,
        admin: &SignedIn,
        form: RuleForm,
        errors: FieldErrors,
        band_errors: Vec<String>,
    ) -> Result<Self> {
        let latest = db::rules(&state.db).await?.pop().map(|v| v.name);
        let boundaries = Boundary::ALL
            .into_iter()
            .map(|b| Choice::new(b.code(), b.label(), form.grenswaarde == b.code()))
            .collect();
        Ok(Self {
            layout: admin.layout("Nieuwe versie van de verdeelregel").await?,
            form,
            boundaries,
            errors,
            band_errors,
            latest,
        })
    }
}

async fn new(State(state): State<AppState>, AdminOnly(admin): AdminOnly) -> Result<Response> {
    let rules = db::rules(&state.db).await?;
    let form = RuleForm::from_latest(rules.last());
    let page = RuleFormPage::build(&state, &admin, form, FieldErrors::new(), Vec::new()).await?;
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    AdminOnly(admin): AdminOnly,
    Form(form): Form<RuleForm>,
) -> Result<Response> {
    let population_years =
        sqlx::query_scalar!("select distinct year from municipality_populations order by year")
            .fetch_all(&state.db)
            .await?;
    let (valid, mut errors, band_errors) = validate(&form, &population_years);
    if let Some(rule) = valid {
        let mut tx = state.db.begin().await?;
        let inserted = sqlx::query_scalar!(
            r#"insert into allocation_rules (name, first_year, last_year, population_year,
                   unemployment_year, boundary, min_population_partnership,
                   cap_without_centre_city_cents, cap_centre_city_extra_cents, source, note,
                   created_by)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
               returning rule_id"#,
            rule.name,
            rule.first_year,
            rule.last_year,
            rule.population_year,
            rule.unemployment_year,
            rule.boundary as Boundary,
            rule.minimum,
            rule.cap_without_cents,
            rule.cap_extra_cents,
            rule.source,
            rule.note,
            admin.user.user_id
        )
        .fetch_one(&mut *tx)
        .await
        .on_constraint(CONSTRAINT_ERRORS)?;
        match inserted {
            Ok(rule_id) => {
                let lower: Vec<i32> = rule.bands.iter().map(|b| b.lower_bound).collect();
                let amounts: Vec<i64> = rule.bands.iter().map(|b| b.amount_cents).collect();
                sqlx::query!(
                    r#"insert into allocation_rule_bands (rule_id, lower_bound, amount_cents)
                       select $1, b.lower_bound, b.amount_cents
                       from unnest($2::int[], $3::bigint[]) as b(lower_bound, amount_cents)"#,
                    rule_id,
                    &lower,
                    &amounts
                )
                .execute(&mut *tx)
                .await?;
                let bands: Vec<[i64; 2]> = rule
                    .bands
                    .iter()
                    .map(|b| [i64::from(b.lower_bound), b.amount_cents])
                    .collect();
                audit::Entry::new(Action::AllocationRuleAdded)
                    .actor(&admin.user)
                    .object("allocation_rule", rule_id)
                    .details(serde_json::json!({
                        "name": rule.name,
                        "first_year": rule.first_year,
                        "last_year": rule.last_year,
                        "population_year": rule.population_year,
                        "unemployment_year": rule.unemployment_year,
                        "boundary": rule.boundary.code(),
                        "min_population_partnership": rule.minimum,
                        "cap_without_centre_city_cents": rule.cap_without_cents,
                        "cap_centre_city_extra_cents": rule.cap_extra_cents,
                        "bands": bands,
                    }))
                    .record(&mut *tx, &admin.ctx)
                    .await?;
                tx.commit().await?;
                return flash::redirect(
                    &admin.session,
                    FlashKind::Success,
                    format!(
                        "Nieuwe versie van de verdeelregel bewaard: {} ({}-{}).",
                        rule.name, rule.first_year, rule.last_year
                    ),
                    &format!("/budget/regels#regel-{rule_id}"),
                )
                .await;
            }
            Err(error) => {
                // The failed transaction gives its connection back before the page renders.
                drop(tx);
                errors.push(error);
            }
        }
    }
    let page = RuleFormPage::build(&state, &admin, form, errors, band_errors).await?;
    render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inhabitants_are_read_with_or_without_thousands_points() {
        assert_eq!(parse_inhabitants("80.000"), Some(80_000));
        assert_eq!(parse_inhabitants("80000"), Some(80_000));
        assert_eq!(parse_inhabitants(" 1.250.000 "), Some(1_250_000));
        assert_eq!(parse_inhabitants("0"), Some(0));
        for bad in [
            "",
            "-5",
            "80.00",
            "8.0000",
            "80,000",
            "1e5",
            "80.000.",
            "3000000000",
        ] {
            assert_eq!(parse_inhabitants(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bands_are_read_one_a_line_and_sorted() {
        let bands = parse_bands("80.000;50.000\n\n0;25.000\r\n150.000 ; 75.000,50").unwrap();
        assert_eq!(
            bands,
            vec![
                BandInput {
                    lower_bound: 0,
                    amount_cents: 2_500_000
                },
                BandInput {
                    lower_bound: 80_000,
                    amount_cents: 5_000_000
                },
                BandInput {
                    lower_bound: 150_000,
                    amount_cents: 7_500_050
                },
            ]
        );
    }

    #[test]
    fn every_wrong_band_line_is_named() {
        let wrong =
            parse_bands("0;25.000\n80.000\n-5;10\nveel;10\n0;30.000\n90.000;-1").unwrap_err();
        assert_eq!(wrong.len(), 5, "{wrong:?}");
        assert!(wrong[0].starts_with("Regel 2: schrijf"));
        assert!(wrong[1].contains("Regel 3: de ondergrens mag niet negatief"));
        assert!(wrong[2].contains("„veel” is geen aantal inwoners"));
        assert!(wrong[3].contains("Regel 5: de ondergrens 0 staat al op regel 1"));
        assert!(wrong[4].contains("Regel 6: het bedrag mag niet negatief"));
        assert_eq!(
            parse_bands(" \n").unwrap_err(),
            vec!["Geef minstens één schijf, één per regel: ondergrens;bedrag.".to_string()]
        );
    }

    #[test]
    fn the_form_is_prefilled_so_that_it_reads_back_the_same_rule() {
        let form = RuleForm {
            naam: "Herziening".into(),
            eerste_jaar: "2026".into(),
            laatste_jaar: "2031".into(),
            bevolkingsjaar: "2020".into(),
            werkloosheidsjaar: "2024".into(),
            grenswaarde: "hogere_schijf".into(),
            minimum: "60.000".into(),
            plafond_zonder: input_euro(5_000_000),
            plafond_extra: input_euro(5_000_050),
            schijven: "0;25.000".into(),
            ..RuleForm::default()
        };
        let (valid, errors, _) = validate(&form, &[2020]);
        assert!(errors.is_empty(), "{errors:?}");
        let valid = valid.unwrap();
        assert_eq!(valid.cap_extra_cents, 5_000_050);
        assert_eq!(valid.boundary, Boundary::HogereSchijf);
        assert_eq!(valid.minimum, 60_000);
    }

    #[test]
    fn years_must_be_in_range_and_in_order_and_have_population_figures() {
        let form = RuleForm {
            naam: "X".into(),
            eerste_jaar: "2031".into(),
            laatste_jaar: "2026".into(),
            bevolkingsjaar: "2024".into(),
            werkloosheidsjaar: "1999".into(),
            grenswaarde: "midden".into(),
            minimum: "60.000".into(),
            plafond_zonder: "50.000".into(),
            plafond_extra: "50.000".into(),
            schijven: "0;25.000".into(),
            ..RuleForm::default()
        };
        let (valid, errors, _) = validate(&form, &[2020]);
        assert!(valid.is_none());
        assert!(errors.get("laatste_jaar").is_some());
        assert_eq!(
            errors.get("bevolkingsjaar"),
            Some("Voor dat jaar zijn er geen bevolkingscijfers; kies 2020.")
        );
        assert!(errors.get("werkloosheidsjaar").is_some());
        assert!(errors.get("grenswaarde").is_some());
    }
}
