use super::input::*;
use super::*;
use crate::web::money::input_euro;

#[test]
fn inhabitants_are_read_with_or_without_thousands_points() {
    assert_eq!(crate::web::forms::parse_inhabitants("80.000"), Some(80_000));
    assert_eq!(crate::web::forms::parse_inhabitants("80000"), Some(80_000));
    assert_eq!(
        crate::web::forms::parse_inhabitants(" 1.250.000 "),
        Some(1_250_000)
    );
    assert_eq!(crate::web::forms::parse_inhabitants("0"), Some(0));
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
        assert_eq!(crate::web::forms::parse_inhabitants(bad), None, "{bad:?}");
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
    let wrong = parse_bands("0;25.000\n80.000\n-5;10\nveel;10\n0;30.000\n90.000;-1").unwrap_err();
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
