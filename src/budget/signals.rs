//! Money that went further than the allocation in force: more paid (net) than allocated, or
//! more spending reported than allocated. One definition, the view `budget_positions`, read by
//! `/budget`, `/budget/{year}`, the werkingsgebied's budget page, the dashboard's health view
//! and the data-quality list, so every page names the same werkingsgebieden.

use sqlx::PgExecutor;

use crate::error::Result;
use crate::web::format;

/// What a signal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalKind {
    /// Paid (net) above the allocation, or paid without one.
    Overpaid,
    /// Spending reported above the allocation, or without one.
    Overspent,
}

/// What was allocated, paid and reported for a werkingsgebied in a year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    pub partnership_id: i64,
    pub name: String,
    pub year: i16,
    /// The allocation in force; none when nothing is allocated.
    pub allocated_cents: Option<i64>,
    /// Net paid: advances and balances, minus recoveries and corrections.
    pub paid_cents: i64,
    /// The spending reported; none when nothing is reported.
    pub spent_cents: Option<i64>,
}

/// A figure above the allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signal {
    pub partnership_id: i64,
    pub name: String,
    pub year: i16,
    pub kind: SignalKind,
    /// The figure (paid or spent).
    pub amount_cents: i64,
    pub allocated_cents: Option<i64>,
}

impl Position {
    /// The signals of this position: none while paid and spent stay within the allocation.
    pub fn signals(&self) -> Vec<Signal> {
        let allowed = self.allocated_cents.unwrap_or(0);
        let mut found = Vec::new();
        let signal = |kind, amount_cents| Signal {
            partnership_id: self.partnership_id,
            name: self.name.clone(),
            year: self.year,
            kind,
            amount_cents,
            allocated_cents: self.allocated_cents,
        };
        if self.paid_cents > allowed {
            found.push(signal(SignalKind::Overpaid, self.paid_cents));
        }
        if let Some(spent) = self.spent_cents.filter(|s| *s > allowed) {
            found.push(signal(SignalKind::Overspent, spent));
        }
        found
    }
}

impl Signal {
    /// How much the figure is above the allocation.
    pub fn excess_cents(&self) -> i64 {
        self.amount_cents - self.allocated_cents.unwrap_or(0)
    }

    /// The excess as money.
    pub fn excess(&self) -> String {
        format::euro_cents(self.excess_cents())
    }

    /// A short name for the signal.
    pub fn label(&self) -> &'static str {
        match self.kind {
            SignalKind::Overpaid => "te veel betaald",
            SignalKind::Overspent => "uitgaven boven de toekenning",
        }
    }

    /// The signal in a sentence, with its amounts.
    pub fn text(&self) -> String {
        let what = match self.kind {
            SignalKind::Overpaid => "netto betaald",
            SignalKind::Overspent => "uitgaven gerapporteerd",
        };
        match self.allocated_cents {
            Some(allocated) => format!(
                "{} {what}, {} meer dan de toekenning van {}",
                format::euro_cents(self.amount_cents),
                format::euro_cents(self.excess_cents()),
                format::euro_cents(allocated)
            ),
            None => format!(
                "{} {what} zonder toekenning",
                format::euro_cents(self.amount_cents)
            ),
        }
    }
}

/// Every signal, of one year or of all, by year and werkingsgebied.
pub async fn signals(db: impl PgExecutor<'_>, year: Option<i16>) -> Result<Vec<Signal>> {
    let rows = sqlx::query_as!(
        Position,
        r#"select b.partnership_id as "partnership_id!", p.name, b.year as "year!",
                  b.allocated_cents, b.paid_cents as "paid_cents!", b.spent_cents
           from budget_positions b join partnerships p using (partnership_id)
           where ($1::smallint is null or b.year = $1)
             and (b.paid_cents > coalesce(b.allocated_cents, 0)
                  or b.spent_cents > coalesce(b.allocated_cents, 0))
           order by b.year, p.name, b.partnership_id"#,
        year
    )
    .fetch_all(db)
    .await?;
    Ok(rows.iter().flat_map(Position::signals).collect())
}

/// The signals of one werkingsgebied, all years.
pub async fn of_partnership(db: impl PgExecutor<'_>, partnership_id: i64) -> Result<Vec<Signal>> {
    let rows = sqlx::query_as!(
        Position,
        r#"select b.partnership_id as "partnership_id!", p.name, b.year as "year!",
                  b.allocated_cents, b.paid_cents as "paid_cents!", b.spent_cents
           from budget_positions b join partnerships p using (partnership_id)
           where b.partnership_id = $1
           order by b.year"#,
        partnership_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows.iter().flat_map(Position::signals).collect())
}

/// The allocation in force and the net paid of a werkingsgebied in a year.
pub async fn paid_against_allocation(
    db: impl PgExecutor<'_>,
    partnership_id: i64,
    year: i16,
) -> Result<(Option<i64>, i64)> {
    let row = sqlx::query!(
        r#"select bp.allocated_cents, coalesce(bp.paid_cents, 0)::bigint as "paid!"
           from (select 1) as one
           left join budget_positions bp on bp.partnership_id = $1 and bp.year = $2"#,
        partnership_id,
        year
    )
    .fetch_one(db)
    .await?;
    Ok((row.allocated_cents, row.paid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(allocated: Option<i64>, paid: i64, spent: Option<i64>) -> Position {
        Position {
            partnership_id: 1,
            name: "Regio Gent 2".into(),
            year: 2026,
            allocated_cents: allocated,
            paid_cents: paid,
            spent_cents: spent,
        }
    }

    #[test]
    fn within_the_allocation_there_is_no_signal() {
        assert!(position(Some(100), 100, Some(100)).signals().is_empty());
        assert!(position(None, 0, None).signals().is_empty());
        assert!(position(None, 0, Some(0)).signals().is_empty());
    }

    #[test]
    fn paying_or_spending_above_the_allocation_is_said_with_its_amounts() {
        let signals = position(Some(5_000_000), 50_000_000, Some(6_000_000)).signals();
        let texts: Vec<String> = signals.iter().map(Signal::text).collect();
        assert_eq!(
            texts,
            [
                "€ 500.000,00 netto betaald, € 450.000,00 meer dan de toekenning van € 50.000,00",
                "€ 60.000,00 uitgaven gerapporteerd, € 10.000,00 meer dan de toekenning van \
                 € 50.000,00",
            ]
        );
        let without = position(None, 100, None).signals();
        assert_eq!(without[0].text(), "€ 1,00 netto betaald zonder toekenning");
        assert_eq!(without[0].label(), "te veel betaald");
    }
}
