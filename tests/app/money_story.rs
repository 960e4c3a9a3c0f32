//! Issue #24, "one number, one source": a whole money story through the forms (an envelope,
//! the rule's allocations fixed with one override, payments, a correction, spending, an
//! overpayment), then every page and export that shows these figures is read and its numbers
//! compared: `/budget`, `/budget/{year}`, both werkingsgebieden's budget pages, the dashboard,
//! `/api/v1/allocations`, and the CSV and XLSX exports.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::{TestApp, TestResponse};

/// The text of the element that opens with `marker`, up to `end`, tags removed and white
/// space collapsed.
fn text_at(page: &TestResponse, marker: &str, end: &str) -> String {
    let start = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in:\n{}", page.body));
    let stop = start + page.body[start..].find(end).unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in page.body[start..stop].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn ok(response: TestResponse, to: &str) {
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    assert!(
        response.location().starts_with(to),
        "{}",
        response.location()
    );
}

#[tokio::test]
async fn every_page_and_export_tells_the_same_money_story() {
    let app = TestApp::new().await;
    // Gent alone: 263.927 inhabitants (2020), a centrumstad: the rule gives 100.000.
    let gent = app.with_partnership("Gent").members(&["44021"]).await;
    // Regio Kortrijk: 139.151 inhabitants with Kortrijk: the rule gives 50.000.
    let kortrijk = app
        .with_partnership("Regio Kortrijk")
        .members(&["34022", "34013", "34027"])
        .await;
    app.sign_in_as(Role::Admin).await;

    // The envelope of 2024, then the allocations from the rule, Kortrijk's overridden.
    ok(
        app.post_form(
            "/budget/enveloppen/2024",
            &[
                ("amount", "300.000"),
                ("decided_on", "2024-01-15"),
                ("reason", "Verhaal van het geld"),
                ("source", "Test"),
                ("stated_change", ""),
                ("version", "0"),
            ],
        )
        .await,
        "/budget/enveloppen/2024",
    )
    .await;
    let (g, k) = (gent.to_string(), kortrijk.to_string());
    ok(
        app.post_form(
            "/budget/2024/toekenningen",
            &[
                (&format!("bedrag_{g}") as &str, "100000,00"),
                (&format!("motivatie_{g}"), ""),
                (&format!("huidig_{g}"), "0"),
                (&format!("bedrag_{k}"), "65000,00"),
                (&format!("motivatie_{k}"), "Herziening halfweg de cyclus"),
                (&format!("huidig_{k}"), "0"),
            ],
        )
        .await,
        "/budget/2024",
    )
    .await;

    // Gent: an advance and a balance; the balance was wrong, is corrected and paid again.
    let pay = |p: i64,
               kind: &'static str,
               amount: &'static str,
               extra: &'static [(&'static str, &'static str)]| {
        let app = &app;
        async move {
            let mut fields = vec![
                ("jaar", "2024"),
                ("soort", kind),
                ("datum", "2024-03-01"),
                ("bedrag", amount),
            ];
            fields.extend_from_slice(extra);
            app.post_form(&format!("/werkingsgebieden/{p}/budget/betalingen"), &fields)
                .await
        }
    };
    ok(
        pay(gent, "voorschot", "60.000", &[]).await,
        "/werkingsgebieden/",
    )
    .await;
    ok(
        pay(gent, "saldo", "40.000", &[]).await,
        "/werkingsgebieden/",
    )
    .await;
    let saldo: i64 = sqlx::query_scalar(
        "select payment_id from payments where partnership_id = $1 and kind = 'saldo'",
    )
    .bind(gent)
    .fetch_one(&app.db)
    .await
    .unwrap();
    ok(
        app.post_form(
            &format!("/werkingsgebieden/{gent}/budget/betalingen/{saldo}/corrigeren"),
            &[("reden", "Saldo te hoog berekend.")],
        )
        .await,
        "/werkingsgebieden/",
    )
    .await;
    ok(
        pay(gent, "saldo", "35.000", &[]).await,
        "/werkingsgebieden/",
    )
    .await;
    // And 5.000 of it comes back: spent on something the subsidy does not cover.
    ok(
        pay(gent, "terugvordering", "5.000", &[]).await,
        "/werkingsgebieden/",
    )
    .await;
    // Kortrijk: an advance above its allocation, refused, then made on purpose.
    let refused = pay(kortrijk, "voorschot", "70.000", &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    ok(
        pay(
            kortrijk,
            "voorschot",
            "70.000",
            &[
                ("overbetaling", "1"),
                ("motivering", "Voorschot op de herziening"),
            ],
        )
        .await,
        "/werkingsgebieden/",
    )
    .await;

    // Spending, reported by the admin: Gent within, Kortrijk above its allocation.
    for (p, staff, operating, actions) in [
        (gent, "80.000", "10.000", "7.500"),
        (kortrijk, "60.000", "6.000", "0"),
    ] {
        ok(
            app.post_form(
                &format!("/werkingsgebieden/{p}/budget/uitgaven"),
                &[
                    ("jaar", "2024"),
                    ("personeel", staff),
                    ("werking", operating),
                    ("acties", actions),
                    ("version", "0"),
                ],
            )
            .await,
            "/werkingsgebieden/",
        )
        .await;
    }

    // The story's figures for 2024: allocated 100.000 + 65.000; paid 90.000 + 70.000; spent
    // 97.500 + 66.000; Kortrijk paid 5.000 and spent 1.000 above its allocation.
    let budget = app.get("/budget").await;
    let year = text_at(&budget, "<a href=\"/budget/2024\">2024</a>", "</tr>");
    assert!(
        year.starts_with("2024 € 300.000,00 € 165.000,00 € 135.000,00 € 160.000,00 € 163.500,00"),
        "{year}"
    );
    let signals = text_at(
        &budget,
        "<table class=\"striped\" id=\"signalen-tabel\"",
        "</table>",
    );
    assert!(
        signals.contains(
            "Regio Kortrijk te veel betaald : € 70.000,00 netto betaald, € 5.000,00 meer dan de toekenning van € 65.000,00 € 5.000,00"
        ),
        "{signals}"
    );
    assert!(
        signals.contains("uitgaven boven de toekenning : € 66.000,00 uitgaven gerapporteerd"),
        "{signals}"
    );
    assert!(!signals.contains("Gent"), "{signals}");

    let year_page = app.get("/budget/2024").await;
    assert_eq!(
        text_at(&year_page, "<dd id=\"toegekend\">", "</dd>"),
        "€ 165.000,00 voor 2 werkingsgebieden"
    );
    let kortrijk_row = text_at(
        &year_page,
        &format!("<tr id=\"werkingsgebied-{kortrijk}\""),
        "</tr>",
    );
    assert!(
        kortrijk_row.contains("€ 50.000,00 "),
        "computed: {kortrijk_row}"
    );
    assert!(
        kortrijk_row.contains("€ 65.000,00"),
        "allocated: {kortrijk_row}"
    );
    assert!(
        kortrijk_row.contains("te veel betaald: € 70.000,00"),
        "{kortrijk_row}"
    );

    for (p, allocated, paid, reported, to_pay) in [
        (
            gent,
            "€ 100.000,00",
            "€ 90.000,00",
            "€ 97.500,00",
            "€ 10.000,00",
        ),
        (
            kortrijk,
            "€ 65.000,00",
            "€ 70.000,00",
            "€ 66.000,00",
            "€ -5.000,00",
        ),
    ] {
        let page = app.get(&format!("/werkingsgebieden/{p}/budget")).await;
        let row = text_at(&page, "<tr id=\"overzicht-2024\">", "</tr>");
        assert!(
            row.starts_with(&format!(
                "2024 {allocated} {paid} {reported} € 0,00 {to_pay}"
            )),
            "{row}"
        );
    }
    let gent_page = app.get(&format!("/werkingsgebieden/{gent}/budget")).await;
    gent_page.assert_contains("correctie van het saldo van 01/03/2024");
    gent_page.assert_contains("<td class=\"num\" id=\"netto-2024\">€ 90.000,00</td>");

    let dashboard = app.get("/overzicht?jaar=2024").await;
    assert_eq!(
        text_at(&dashboard, "<dd id=\"budget-toegekend\">", "</dd>"),
        "€ 165.000,00"
    );
    assert_eq!(
        text_at(&dashboard, "<dd id=\"budget-uitbetaald\">", "</dd>"),
        "€ 160.000,00"
    );
    assert!(
        text_at(&dashboard, "<dd id=\"budget-uitgaven\">", "</dd>").starts_with("€ 163.500,00"),
        "{}",
        dashboard.body
    );
    dashboard.assert_contains("te veel betaald: € 70.000,00 van € 65.000,00, € 5.000,00 te veel");

    let period = app.period_id("2023-2025").await;
    let api: serde_json::Value = serde_json::from_str(
        &app.get(&format!("/api/v1/allocations?period={period}"))
            .await
            .body,
    )
    .unwrap();
    let y2024 = api["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["year"] == 2024)
        .unwrap();
    assert_eq!(y2024["envelope_cents"], 30_000_000);
    assert_eq!(y2024["allocated_cents"], 16_500_000);
    let amount_of = |name: &str| {
        y2024["allocations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .map(|a| a["amount_cents"].clone())
            .unwrap()
    };
    assert_eq!(amount_of("Gent"), 10_000_000);
    assert_eq!(amount_of("Regio Kortrijk"), 6_500_000);

    let csv = app.get("/budget/export.csv").await;
    csv.assert_contains("2024;Gent;2023-2025;nee;100000,00;100000,00;nee;");
    csv.assert_contains(
        "2024;Regio Kortrijk;2023-2025;nee;65000,00;50000,00;ja;Herziening halfweg de cyclus;",
    );
    let xlsx = app.get("/budget/export.xlsx").await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx.bytes)).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet,
    )
    .unwrap();
    for amount in [
        "<v>100000</v>",
        "<v>65000</v>",
        "<v>50000</v>",
        "<v>2024</v>",
    ] {
        assert!(sheet.contains(amount), "{amount} in {sheet}");
    }
}
