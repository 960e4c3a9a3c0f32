//! The payment form's rules: amounts, years, overpayments and recoveries.
use super::*;

fn form(jaar: &str, soort: &str, datum: &str, bedrag: &str) -> PaymentForm {
    PaymentForm {
        jaar: jaar.into(),
        soort: soort.into(),
        datum: datum.into(),
        bedrag: bedrag.into(),
        ..PaymentForm::default()
    }
}

fn no_envelopes() -> BTreeMap<i16, i64> {
    BTreeMap::new()
}

#[test]
fn a_payment_in_a_year_of_the_period_is_accepted() {
    let (valid, errors) = validate(
        &form("2024", "voorschot", "15/03/2024", "25.000,00"),
        &[2023, 2024, 2025],
        &no_envelopes(),
    );
    assert!(errors.is_empty(), "{errors:?}");
    let v = valid.unwrap();
    assert_eq!(
        (v.year, v.kind, v.amount_cents),
        (2024, PaymentKind::Voorschot, 2_500_000)
    );
}

#[test]
fn wrong_years_kinds_dates_and_amounts_get_a_message_each() {
    let (valid, errors) = validate(
        &form("2022", "gift", "31/02/2024", "-5"),
        &[2023, 2024],
        &no_envelopes(),
    );
    assert!(valid.is_none());
    assert!(errors.get("jaar").unwrap().contains("2023, 2024"));
    assert!(errors.get("soort").is_some());
    assert!(errors.get("datum").is_some());
    assert_eq!(
        errors.get("bedrag"),
        Some("Het bedrag kan niet negatief zijn.")
    );
    for bad in ["0", "0,00", "abc", "", "2.000.000.000,00"] {
        let (_, errors) = validate(
            &form("2023", "saldo", "2023-05-01", bad),
            &[2023],
            &no_envelopes(),
        );
        assert!(errors.get("bedrag").is_some(), "{bad:?}");
    }
}

#[test]
fn an_amount_above_the_whole_envelope_is_a_typing_error() {
    let envelopes = BTreeMap::from([(2026, 300_000_000)]);
    let (valid, errors) = validate(
        &form("2026", "voorschot", "01/03/2026", "3.000.000,01"),
        &[2026],
        &envelopes,
    );
    assert!(valid.is_none());
    assert_eq!(
        errors.get("bedrag"),
        Some(
            "Het bedrag (€ 3.000.000,01) is groter dan het hele budget van 2026 \
             (€ 3.000.000,00): controleer het bedrag."
        )
    );
    let (valid, _) = validate(
        &form("2026", "voorschot", "01/03/2026", "3.000.000,00"),
        &[2026],
        &envelopes,
    );
    assert!(valid.is_some());
}

#[test]
fn an_overpayment_needs_its_motivation() {
    let mut marked = form("2026", "voorschot", "01/03/2026", "500.000");
    marked.overbetaling = "1".into();
    let (valid, errors) = validate(&marked, &[2026], &no_envelopes());
    assert!(valid.is_none());
    assert!(errors.get("motivering").is_some());
    marked.motivering = "  Beslissing van de minister.  ".into();
    let (valid, _) = validate(&marked, &[2026], &no_envelopes());
    assert_eq!(
        valid.unwrap().overpayment_reason,
        "Beslissing van de minister."
    );
}

#[test]
fn a_payment_above_the_allocation_is_refused_with_the_figures() {
    let refused = admit(2026, 50_000_000, (Some(5_000_000), 0), "").unwrap_err();
    assert!(
        refused.starts_with(
            "Hiermee komt het netto betaalde voor 2026 op € 500.000,00, € 450.000,00 meer \
             dan de toekenning van € 50.000,00."
        ),
        "{refused}"
    );
    let nothing_allocated = admit(2026, 100, (None, 0), "").unwrap_err();
    assert!(nothing_allocated.starts_with("Voor 2026 is er nog niets toegekend"));
    assert_eq!(
        admit(2026, 1_000, (Some(5_000), 4_000), ""),
        Ok(String::new())
    );
    assert!(admit(2026, 1_001, (Some(5_000), 4_000), "").is_err());
    // A motivation is kept only where the payment does go above the allocation.
    assert_eq!(
        admit(2026, 1_001, (Some(5_000), 4_000), "Beslist."),
        Ok("Beslist.".to_string())
    );
    assert_eq!(
        admit(2026, 1_000, (Some(5_000), 4_000), "Beslist."),
        Ok(String::new())
    );
}

#[test]
fn no_more_can_be_recovered_than_was_paid() {
    assert_eq!(admit(2026, -500, (Some(0), 500), ""), Ok(String::new()));
    let refused = admit(2026, -501, (Some(1_000), 500), "Toch.").unwrap_err();
    assert!(
        refused.starts_with("Er kan niet meer teruggevorderd worden"),
        "{refused}"
    );
}

#[test]
fn a_recovery_counts_against_what_was_paid() {
    let net: i64 = [
        (PaymentKind::Voorschot, 10),
        (PaymentKind::Saldo, 20),
        (PaymentKind::Terugvordering, 7),
    ]
    .iter()
    .map(|(k, c)| k.signed(*c))
    .sum();
    assert_eq!(net, 23);
}
