//! Budget figures for the demo. The envelopes 2020-2025 and their history are the programme's
//! real figures with their sources (not demo): 2.225.000 euro for the call 2020-2025, raised to
//! 3.000.000 euro from 2023, where the press release states "+750.000" against a real step of
//! 775.000. The rest is demo and labelled so: the allocations of the demo werkingsgebieden as
//! the stored rule computes them (nothing tuned: what the rule leaves of the envelope stays
//! visible), an advance for a few of them in 2023 and 2024, and a few spending reports 2023.
//!
//! No source gives the date of either decision, so `decided_on` stays empty; the news item's
//! date is named in its source text.

use anyhow::Context;
use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::budget::db;
use crate::budget::rule::{self, Funding};
use crate::periods;

/// The `seed_runs` row that says the demo budget was made.
pub const SEED_NAME: &str = "demo-budget";

/// The 2020 news item; the date is the item's, the decision's is not known.
const SOURCE_2020: &str = "Departement Werk en Sociale Economie, nieuwsbericht \"37 lokale \
regisseurs van start\" van 8 april 2020 (datum van het bericht; de datum van de beslissing is niet \
bekend): het budget steeg met 350.000 euro tot 2.225.000 euro, toegekend voor de hele beleidscyclus \
2020-2025.";
const REASON_2020: &str = "Oproep 2020-2025";
/// The press release sentence, verbatim (`seed/press-release-lokale-regie.txt`).
const SOURCE_2023: &str = "Persbericht \"39 lokale regisseurs van start voor een nieuwe \
beleidscyclus\" (datum niet vermeld): \"Het totale budget werd voor deze uitbreiding met 750.000 \
euro verhoogd naar 3 miljoen euro.\"";
const REASON_2023: &str = "Tussentijdse herziening 2023";

const CALL_2020_CENTS: i64 = 222_500_000;
const REVISION_2023_CENTS: i64 = 300_000_000;
/// As the sources state the changes: +350.000 (2020) and +750.000 (2023).
const STATED_2020_CENTS: i64 = 35_000_000;
const STATED_2023_CENTS: i64 = 75_000_000;

/// How many demo werkingsgebieden get an advance, and how many report spending.
const PAID: usize = 6;
const REPORTED: usize = 4;
/// Spending 2023 as percentages of the allocation (staff, operating costs, actions): one spends
/// less than it got, one more, so the pages show differences.
const SPENDING: [(i64, i64, i64); REPORTED] = [(72, 14, 9), (80, 10, 6), (65, 15, 12), (88, 10, 7)];

/// One envelope change as written in its history.
struct Change {
    previous_cents: Option<i64>,
    amount_cents: i64,
    stated_change_cents: i64,
    reason: &'static str,
    source: &'static str,
}

/// The history of each year's envelope, oldest change first.
fn history(year: i16) -> Vec<Change> {
    let call = Change {
        previous_cents: None,
        amount_cents: CALL_2020_CENTS,
        stated_change_cents: STATED_2020_CENTS,
        reason: REASON_2020,
        source: SOURCE_2020,
    };
    if year < 2023 {
        return vec![call];
    }
    vec![
        call,
        Change {
            previous_cents: Some(CALL_2020_CENTS),
            amount_cents: REVISION_2023_CENTS,
            stated_change_cents: STATED_2023_CENTS,
            reason: REASON_2023,
            source: SOURCE_2023,
        },
    ]
}

/// What [`generate`] wrote, for the audit entry.
#[derive(Debug, Default)]
pub struct Summary {
    pub envelopes: usize,
    pub allocations: usize,
    pub payments: usize,
    pub spending_reports: usize,
}

impl Summary {
    pub fn details(&self) -> serde_json::Value {
        serde_json::json!({
            "enveloppen": self.envelopes,
            "toekenningen": self.allocations,
            "betalingen": self.payments,
            "uitgavenrapporten": self.spending_reports,
        })
    }
}

/// Writes the envelopes 2020-2025 with their history, the demo allocations by the stored rule,
/// the demo advances and spending reports, and records [`SEED_NAME`]. Expects no envelope yet.
pub async fn generate(conn: &mut PgConnection) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    for year in 2020..=2025_i16 {
        let changes = history(year);
        let Some(last) = changes.last() else { continue };
        sqlx::query!(
            "insert into budget_envelopes (year, amount_cents, version) values ($1, $2, $3)",
            year,
            last.amount_cents,
            i32::try_from(changes.len())?
        )
        .execute(&mut *conn)
        .await?;
        for c in &changes {
            sqlx::query!(
                r#"insert into budget_envelope_changes (year, previous_cents, amount_cents,
                                                       stated_change_cents, decided_on, reason, source)
                   values ($1, $2, $3, $4, null, $5, $6)"#,
                year,
                c.previous_cents,
                c.amount_cents,
                c.stated_change_cents,
                c.reason,
                c.source
            )
            .execute(&mut *conn)
            .await?;
        }
        summary.envelopes += 1;
    }

    let all = periods::list(&mut *conn).await?;
    let rules = db::rules(&mut *conn).await?;
    let mut funded_2023: Vec<(String, i64, i64)> = Vec::new();
    for year in 2020..=2025_i16 {
        let (Some(period), Some(version)) = (db::period_of(&all, year), db::rule_for(&rules, year))
        else {
            continue;
        };
        let envelope = history(year).last().map(|c| c.amount_cents);
        let areas: Vec<rule::Area> = db::areas(&mut *conn, period, &version.rule)
            .await?
            .into_iter()
            .filter(|a| a.demo)
            .collect();
        // Only the funded ones: when the rule asks more than the envelope, the ranking decides.
        let funded: Vec<(String, i64, i64)> = rule::distribute(&version.rule, areas, envelope)
            .lines
            .iter()
            .filter(|l| l.funding == Funding::Funded)
            .map(|l| (l.area.name.clone(), l.area.id, l.funded_cents()))
            .collect();
        let ids: Vec<i64> = funded.iter().map(|f| f.1).collect();
        let amounts: Vec<i64> = funded.iter().map(|f| f.2).collect();
        sqlx::query!(
            r#"insert into allocations (partnership_id, year, version, amount_cents, computed_cents,
                                        rule_id, is_demo)
               select id, $3, 1, amount, amount, $4, true
               from unnest($1::bigint[], $2::bigint[]) as a (id, amount)"#,
            &ids,
            &amounts,
            year,
            version.rule_id
        )
        .execute(&mut *conn)
        .await
        .with_context(|| format!("demo allocations {year}"))?;
        summary.allocations += funded.len();
        if year == 2023 {
            funded_2023 = funded;
        }
    }

    // The advances and spending reports go to the first demo werkingsgebieden by name that
    // have an allocation in 2023 (the same werkingsgebieden run through 2025).
    funded_2023.sort();
    let paid: Vec<&(String, i64, i64)> = funded_2023.iter().take(PAID).collect();
    for year in [2023_i16, 2024] {
        let allocations = db::current_allocations(&mut *conn, year).await?;
        let february = NaiveDate::from_ymd_opt(i32::from(year), 2, 15).context("date")?;
        for (_, id, _) in &paid {
            let Some(allocation) = allocations.get(id) else {
                continue;
            };
            // 80% of the allocation: amounts are whole thousands of euro, so exact.
            let advance = allocation.amount_cents * 4 / 5;
            if advance == 0 {
                continue;
            }
            sqlx::query!(
                r#"insert into payments (partnership_id, year, kind, paid_on, amount_cents, note, is_demo)
                   values ($1, $2, 'voorschot', $3, $4, 'Demogegevens: voorschot van 80%.', true)"#,
                id,
                year,
                february as _,
                advance
            )
            .execute(&mut *conn)
            .await?;
            summary.payments += 1;
        }
    }
    for ((_, id, amount), (staff, operating, actions)) in paid.iter().copied().zip(SPENDING) {
        sqlx::query!(
            r#"insert into spending_reports (partnership_id, year, staff_cents, operating_cents,
                                             actions_cents, note, is_demo)
               values ($1, 2023, $2, $3, $4, 'Demogegevens: verzonnen uitgaven.', true)"#,
            id,
            amount * staff / 100,
            amount * operating / 100,
            amount * actions / 100
        )
        .execute(&mut *conn)
        .await?;
        summary.spending_reports += 1;
    }

    sqlx::query!(
        r#"insert into seed_runs (name, content_sha256) values ($1, 'demo budget v1')
           on conflict (name) do update set loaded_at = now()"#,
        SEED_NAME
    )
    .execute(&mut *conn)
    .await?;
    Ok(summary)
}

/// For a demo loaded before budgets existed: writes them once, when no envelope exists yet.
/// Returns whether it did.
pub async fn add_missing(conn: &mut PgConnection) -> anyhow::Result<bool> {
    let missing = sqlx::query_scalar!(
        r#"select exists(select 1 from seed_runs where name = $1)
              and not exists(select 1 from budget_envelopes) as "missing!""#,
        super::SEED_NAME
    )
    .fetch_one(&mut *conn)
    .await?;
    if !missing {
        return Ok(false);
    }
    let summary = generate(conn).await?;
    crate::audit::Entry::new(crate::audit::Action::DemoDataLoaded)
        .details(serde_json::json!({ "budget": summary.details() }))
        .record(&mut *conn, &crate::web::RequestContext::default())
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_2023_history_states_750_000_for_a_step_of_775_000() {
        let changes = history(2023);
        assert_eq!(changes.len(), 2);
        let step = &changes[1];
        assert_eq!(step.amount_cents - step.previous_cents.unwrap(), 77_500_000);
        assert_eq!(step.stated_change_cents, 75_000_000);
        assert!(step.source.contains(
            "Het totale budget werd voor deze uitbreiding met 750.000 euro verhoogd naar 3 miljoen euro."
        ));
        assert_eq!(history(2022).len(), 1);
        assert_eq!(history(2022)[0].amount_cents, 222_500_000);
    }
}
