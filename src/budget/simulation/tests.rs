use super::scenario::*;
use std::collections::HashSet;

use crate::web::forms;

use super::*;
use crate::budget::rule::Band;
use crate::web::money::{input_euro, parse_euro};

fn rule() -> Rule {
    crate::budget::rule::published_2020()
}

fn read_query(query: &str) -> Scenario {
    read(&Params::parse(query), &rule(), Some(300_000_000))
}

#[test]
fn without_parameters_the_scenario_is_the_real_rule_and_envelope() {
    let s = read_query("");
    assert_eq!(s.rule, rule());
    assert_eq!(s.envelope, Some(300_000_000));
    assert!(s.chosen.is_none() && s.imagined.is_empty());
    assert_eq!(s.form.envelope.value, "3.000.000");
    assert_eq!(s.form.cap_without.value, "50.000");
    assert_eq!(s.form.minimum.value, "60.000");
    assert_eq!(s.form.bands[1].lower, "80.000");
    assert_eq!(s.form.bands.len(), BAND_ROWS);
}

#[test]
fn the_form_shows_amounts_it_reads_back() {
    for cents in [0, 5, 2_500_000, 222_500_007, 300_000_000] {
        assert_eq!(parse_euro(&input_euro(cents)), Some(cents), "{cents}");
    }
    assert_eq!(forms::parse_inhabitants("60.000"), Some(60_000));
    assert_eq!(forms::parse_inhabitants("60 000"), Some(60_000));
    assert_eq!(forms::parse_inhabitants("-5"), None);
    assert_eq!(forms::parse_inhabitants("6e4"), None);
    assert_eq!(crate::web::format::euro_change(2_500_000), "€ +25.000,00");
    assert_eq!(crate::web::format::euro_change(-2_500_000), "€ -25.000,00");
    assert_eq!(crate::web::format::euro_change(0), "€ 0,00");
}

#[test]
fn settings_bands_and_werkingsgebieden_come_from_the_url() {
    let s = read_query(
        "sim=1&envelop=1.000.000&grens=hogere_schijf&minimum=50000&plafond_zonder=40.000\
         &plafond_extra=10000&ondergrens=0&schijfbedrag=20000&ondergrens=&schijfbedrag=\
         &ondergrens=100.000&schijfbedrag=60.000&wg=4&wg=7&wg=x",
    );
    assert_eq!(s.envelope, Some(100_000_000));
    assert_eq!(s.rule.boundary, Boundary::HogereSchijf);
    assert_eq!(s.rule.min_population_partnership, 50_000);
    assert_eq!(s.rule.cap_without_centre_city_cents, 4_000_000);
    assert_eq!(s.rule.cap_centre_city_extra_cents, 1_000_000);
    assert_eq!(
        s.rule.bands(),
        &[
            Band {
                lower_bound: 0,
                amount_cents: 2_000_000
            },
            Band {
                lower_bound: 100_000,
                amount_cents: 6_000_000
            }
        ]
    );
    assert_eq!(s.rule.population_year, 2020, "stays the rule's");
    assert_eq!(s.chosen, Some(HashSet::from([4, 7])));
    assert!(s.form.bands_error.is_none());
}

#[test]
fn wrong_values_get_a_dutch_message_and_the_real_value() {
    let s = read_query(
        "envelop=veel&grens=midden&minimum=-1&plafond_zonder=1,234&plafond_extra=2e9\
         &ondergrens=0&schijfbedrag=abc",
    );
    assert_eq!(s.rule, rule());
    assert_eq!(s.envelope, Some(300_000_000));
    for field in [
        &s.form.envelope,
        &s.form.boundary,
        &s.form.minimum,
        &s.form.cap_without,
        &s.form.cap_extra,
    ] {
        assert!(field.error.is_some(), "{field:?}");
    }
    assert_eq!(s.form.envelope.value, "veel", "kept as typed");
    assert!(s.form.bands[0].error.as_deref().unwrap().contains("bedrag"));
    assert!(s.form.bands_error.is_some());
    // An amount beyond a billion euro is refused too.
    let big = read_query("envelop=99999999999999");
    assert!(big.form.envelope.error.is_some());
    // An empty envelope means: none.
    assert_eq!(read_query("envelop=").envelope, None);
}

#[test]
fn a_band_starting_twice_falls_back_to_the_rules_bands() {
    let s = read_query("ondergrens=0&schijfbedrag=1&ondergrens=0&schijfbedrag=2");
    assert_eq!(s.rule.bands(), rule().bands());
    assert!(s.form.bands[1].error.is_some());
}

#[test]
fn imagined_werkingsgebieden_are_shaped_so_the_rule_applies() {
    let s = read_query(
        "nieuw_naam_1=Nieuwe+regio&nieuw_inwoners_1=100.000\
         &nieuw_naam_2=Stad&nieuw_inwoners_2=90000&nieuw_centrumstad_2=90000\
         &nieuw_inwoners_3=300000&nieuw_centrumstad_3=86000",
    );
    assert_eq!(s.imagined.len(), 3);
    let amounts: Vec<Option<i64>> = s
        .imagined
        .iter()
        .map(|a| rule::propose(&s.rule, a).amount_cents)
        .collect();
    // 100.000 without centrumstad: 50.000; a centrumstad of 90.000 alone: 50.000;
    // 300.000 with a centrumstad of 86.000: 125.000 capped at 50.000 + 50.000.
    assert_eq!(
        amounts,
        vec![Some(5_000_000), Some(5_000_000), Some(10_000_000)]
    );
    assert_eq!(s.imagined[2].name, "Nieuw werkingsgebied 3");
    assert!(s.imagined.iter().all(|a| a.id < 0));
}

#[test]
fn a_wrong_imagined_werkingsgebied_gets_a_message() {
    let s = read_query("nieuw_naam_1=Leeg&nieuw_inwoners_2=80000&nieuw_centrumstad_2=90000");
    assert!(s.form.imagined[0].inhabitants.error.is_some());
    assert!(s.form.imagined[1].centre_city.error.is_some());
    // The second still counts, without centrumstad.
    assert_eq!(s.imagined.len(), 1);
    assert!(!s.imagined[0].has_centre_city());
}

#[test]
fn the_year_is_asked_else_the_current_else_the_latest() {
    let years = [2020, 2021, 2022, 2023, 2024, 2025];
    assert_eq!(choose_year(&years, None, 2024), Some((2024, None)));
    assert_eq!(choose_year(&years, None, 2030), Some((2025, None)));
    assert_eq!(choose_year(&years, Some("2021"), 2030), Some((2021, None)));
    let (year, message) = choose_year(&years, Some("1999"), 2024).unwrap();
    assert_eq!(year, 2024);
    assert!(message.unwrap().contains("2020-2025"));
    assert_eq!(choose_year(&[], None, 2024), None);
}
