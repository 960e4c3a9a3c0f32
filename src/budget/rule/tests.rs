use super::*;

fn member(name: &str, population: i64, centre_city: bool, rate: Option<i64>) -> Member {
    Member {
        name: name.into(),
        population: Some(population),
        centre_city,
        unemployment_bp: rate,
    }
}

/// A partnership of two ordinary municipalities sharing `population`.
fn plain(name: &str, population: i64, rate: Option<i64>) -> Area {
    Area {
        id: 0,
        demo: false,
        name: name.into(),
        members: vec![
            member("A", population / 2, false, rate),
            member("B", population - population / 2, false, rate),
        ],
    }
}

fn centre_city_alone(population: i64) -> Area {
    Area {
        id: 0,
        demo: false,
        name: "Stad".into(),
        members: vec![member("Stad", population, true, None)],
    }
}

fn with_centre_city(city: i64, others: i64) -> Area {
    Area {
        id: 0,
        demo: false,
        name: "Regio".into(),
        members: vec![
            member("Stad", city, true, None),
            member("Rand", others, false, None),
        ],
    }
}

fn euros(area: &Area, rule: &Rule) -> Option<i64> {
    propose(rule, area).amount_cents.map(|c| c / 100)
}

/// Every band edge, centrumstad alone (no cap applies): the boundary value stays in the
/// lower band, one inhabitant more moves up.
#[test]
fn every_band_edge_with_boundaries_in_the_lower_band() {
    let rule = published_2020();
    let cases = [
        (1, 25_000),
        (80_000, 25_000),
        (80_001, 50_000),
        (150_000, 50_000),
        (150_001, 75_000),
        (220_000, 75_000),
        (220_001, 100_000),
        (290_000, 100_000),
        (290_001, 125_000),
        (360_000, 125_000),
        (360_001, 150_000),
        (430_000, 150_000),
        (430_001, 175_000),
        (500_000, 175_000),
        (500_001, 200_000),
        (2_000_000, 200_000),
    ];
    for (population, expected) in cases {
        assert_eq!(
            euros(&centre_city_alone(population), &rule),
            Some(expected),
            "{population} inhabitants"
        );
    }
}

#[test]
fn with_boundaries_in_the_higher_band_the_edge_moves_up() {
    let mut rule = published_2020();
    rule.boundary = Boundary::HogereSchijf;
    let cases = [
        (79_999, 25_000),
        (80_000, 50_000),
        (149_999, 50_000),
        (150_000, 75_000),
        (499_999, 175_000),
        (500_000, 200_000),
    ];
    for (population, expected) in cases {
        assert_eq!(
            euros(&centre_city_alone(population), &rule),
            Some(expected),
            "{population} inhabitants"
        );
    }
}

#[test]
fn band_labels_say_where_the_boundary_falls() {
    let mut rule = published_2020();
    assert_eq!(rule.band_label(0), "tot en met 80.000");
    assert_eq!(rule.band_label(3), "220.000-290.000");
    assert_eq!(rule.band_label(7), "meer dan 500.000");
    rule.boundary = Boundary::HogereSchijf;
    assert_eq!(rule.band_label(0), "minder dan 80.000");
    assert_eq!(rule.band_label(7), "500.000 of meer");
}

#[test]
fn without_a_centre_city_the_cap_is_50_000() {
    let rule = published_2020();
    let proposal = propose(&rule, &plain("Regio", 241_322, None));
    assert_eq!(proposal.amount_cents, Some(5_000_000));
    assert_eq!(
        proposal.explanation(),
        "241.322 inwoners (2020) → schijf 220.000-290.000 → € 100.000,00; \
         zonder centrumstad: plafond € 50.000,00"
    );
    // Below the cap nothing is capped.
    assert_eq!(euros(&plain("Klein", 60_000, None), &rule), Some(25_000));
    assert_eq!(euros(&plain("Midden", 100_000, None), &rule), Some(50_000));
}

#[test]
fn a_partnership_needs_60_000_inhabitants_and_one_ordinary_municipality_is_not_eligible() {
    let rule = published_2020();
    let small = propose(&rule, &plain("Klein", 59_999, None));
    assert!(!small.eligible);
    assert_eq!(small.amount_cents, None);
    assert!(small.explanation().contains("minder dan 60.000"));
    let alone = Area {
        id: 0,
        demo: false,
        name: "Gemeente".into(),
        members: vec![member("Gemeente", 90_000, false, None)],
    };
    assert!(!propose(&rule, &alone).eligible);
    // A centre city alone has no minimum.
    assert_eq!(euros(&centre_city_alone(35_000), &rule), Some(25_000));
}

#[test]
fn a_centre_city_inside_a_partnership_brings_at_most_50_000_more_than_alone() {
    let rule = published_2020();
    // City of 86.000 alone: 50.000. With 214.000 more: 300.000 -> 125.000, capped at 100.000.
    let capped = propose(&rule, &with_centre_city(86_000, 214_000));
    assert_eq!(capped.amount_cents, Some(10_000_000));
    assert!(
        capped
            .explanation()
            .contains("plafond € 50.000,00 + € 50.000,00 = € 100.000,00")
    );
    // City of 86.000 with 50.000 more: 136.000 -> 50.000, under the cap of 100.000.
    assert_eq!(
        euros(&with_centre_city(86_000, 50_000), &rule),
        Some(50_000)
    );
    // City of 260.000 alone: 100.000; with 250.000 more: 510.000 -> 200.000, capped 150.000.
    assert_eq!(
        euros(&with_centre_city(260_000, 250_000), &rule),
        Some(150_000)
    );
    // No 50.000 cap for partnerships with a centre city.
    assert_eq!(
        euros(&with_centre_city(150_000, 100_000), &rule),
        Some(100_000)
    );
}

#[test]
fn a_missing_population_gives_no_amount_and_names_the_municipality() {
    let rule = published_2020();
    let mut area = plain("Regio", 100_000, None);
    area.members[1].population = None;
    let proposal = propose(&rule, &area);
    assert_eq!(proposal.amount_cents, None);
    assert!(proposal.eligible);
    assert!(
        proposal
            .explanation()
            .contains("bevolking 2020 ontbreekt voor B")
    );
}

#[test]
fn the_average_unemployment_rate_is_weighted_by_population() {
    let area = Area {
        id: 0,
        demo: false,
        name: "Regio".into(),
        members: vec![
            member("Groot", 300_000, false, Some(1000)),
            member("Klein", 100_000, false, Some(200)),
        ],
    };
    // (300.000 x 10,00% + 100.000 x 2,00%) / 400.000 = 8,00%.
    assert_eq!(area.unemployment_bp(), Some(800));
    let mut missing = area.clone();
    missing.members[1].unemployment_bp = None;
    assert_eq!(missing.unemployment_bp(), None);
    assert_eq!(missing.missing_rates(), vec!["Klein"]);
    assert_eq!(rate_label(735), "7,35%");
}

#[test]
fn an_envelope_that_suffices_funds_everyone_without_ranking() {
    let rule = published_2020();
    let areas = vec![
        plain("A", 100_000, None),
        centre_city_alone(300_000),
        plain("Te klein", 50_000, None),
    ];
    let d = distribute(&rule, areas, Some(20_000_000));
    assert!(!d.short);
    assert_eq!(d.proposed_cents, 5_000_000 + 12_500_000);
    assert_eq!(d.funded_cents, d.proposed_cents);
    assert_eq!(d.gap_cents(), Some(2_500_000));
    assert!(d.lines.iter().all(|l| l.rank.is_none()));
    assert_eq!(d.lines[2].funding, Funding::NotEligible);
}

/// Envelope 125.000: the centre city's partnership (220.000 inhabitants, 75.000) first, then
/// the highest unemployment rate (50.000); nothing is left for the rest.
#[test]
fn a_short_envelope_serves_centre_cities_first_then_the_highest_unemployment() {
    let rule = published_2020();
    let areas = vec![
        plain("Laag", 100_000, Some(400)),
        plain("Hoog", 100_000, Some(900)),
        plain("Onbekend", 100_000, None),
        with_centre_city(150_000, 70_000),
    ];
    let d = distribute(&rule, areas, Some(12_500_000));
    assert!(d.short);
    let order: Vec<(&str, Option<usize>)> = d
        .lines
        .iter()
        .map(|l| (l.area.name.as_str(), l.rank))
        .collect();
    assert_eq!(
        order,
        vec![
            ("Regio", Some(1)),
            ("Hoog", Some(2)),
            ("Laag", Some(3)),
            ("Onbekend", Some(4)),
        ]
    );
    assert_eq!(d.lines[0].funding, Funding::Funded);
    assert_eq!(d.lines[1].funding, Funding::Funded);
    assert_eq!(
        d.lines[2].funding,
        Funding::Outside(
            "rang 3: na de vorige blijft € 0,00 over, te weinig voor € 50.000,00".into()
        )
    );
    assert_eq!(
        d.lines[3].funding,
        Funding::Outside("rang 4: het budget is op vanaf rang 3".into())
    );
    assert_eq!(d.funded_cents, 12_500_000);
    assert_eq!(d.ranked_without_rate, vec!["Onbekend".to_string()]);
}

/// Strict order: a later, smaller amount that would still fit does not jump the queue.
#[test]
fn the_ranking_is_served_strictly_in_order() {
    let rule = published_2020();
    let areas = vec![
        centre_city_alone(600_000),         // 200.000
        plain("Eerst", 100_000, Some(900)), // 50.000
        plain("Klein", 70_000, Some(100)),  // 25.000
    ];
    let d = distribute(&rule, areas, Some(22_600_000));
    assert_eq!(d.lines[1].area.name, "Eerst");
    assert!(matches!(d.lines[1].funding, Funding::Outside(_)));
    assert!(matches!(d.lines[2].funding, Funding::Outside(_)));
    assert_eq!(d.funded_cents, 20_000_000);
}
