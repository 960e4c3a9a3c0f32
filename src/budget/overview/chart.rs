//! The bar chart of `/budget`: per year the envelope next to what is allocated, as SVG drawn on
//! the server (no scripts). Every position is a whole number computed in integers from the
//! cents, so the chart never goes through floating point either. The table beside it holds the
//! same numbers for whoever cannot see the chart.

use crate::web::format;

/// One year's two amounts.
pub struct ChartYear {
    pub year: i16,
    pub envelope_cents: Option<i64>,
    pub allocated_cents: i64,
}

/// A bar with its amount written above it.
pub struct Bar {
    /// `bar-envelope` or `bar-allocated`: which of the two (tests count them).
    pub class: &'static str,
    pub fill: &'static str,
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub label: String,
    pub label_x: i64,
    pub label_y: i64,
    /// The tooltip: year, what it is, the amount.
    pub title: String,
}

pub struct YearLabel {
    pub x: i64,
    pub y: i64,
    pub text: String,
}

pub struct LegendItem {
    pub fill: &'static str,
    pub label: &'static str,
}

pub struct BarChart {
    pub width: i64,
    pub height: i64,
    pub baseline_y: i64,
    pub bars: Vec<Bar>,
    pub years: Vec<YearLabel>,
    pub legend: Vec<LegendItem>,
    /// The numbers in one sentence, for `<desc>`.
    pub description: String,
}

const BAR_WIDTH: i64 = 96;
const BAR_GAP: i64 = 6;
const GROUP_GAP: i64 = 44;
const MARGIN_X: i64 = 16;
/// Room above the tallest bar for its label.
const TOP: i64 = 28;
const PLOT_HEIGHT: i64 = 240;
/// Room below the baseline for the years.
const BOTTOM: i64 = 30;

// Both colours reach 3:1 against white (WCAG 1.4.11); the labels and legend carry the meaning.
const ENVELOPE_FILL: &str = "#5f7391";
const ALLOCATED_FILL: &str = "#1e7b34";

/// The chart of `years`, scaled so that the largest amount fills the plot's height.
pub fn envelope_vs_allocated(years: &[ChartYear]) -> BarChart {
    let largest = years
        .iter()
        .flat_map(|y| [y.envelope_cents.unwrap_or(0), y.allocated_cents])
        .max()
        .unwrap_or(0);
    let height_of = |cents: i64| -> i64 {
        if largest <= 0 || cents <= 0 {
            return 0;
        }
        // i128: cents times the plot height cannot overflow.
        (i128::from(cents) * i128::from(PLOT_HEIGHT) / i128::from(largest)) as i64
    };
    let baseline_y = TOP + PLOT_HEIGHT;
    let group_width = 2 * BAR_WIDTH + BAR_GAP;
    let count = years.len() as i64;
    let width = 2 * MARGIN_X + count * group_width + (count - 1).max(0) * GROUP_GAP;
    let mut bars = Vec::with_capacity(years.len() * 2);
    let mut labels = Vec::with_capacity(years.len());
    let mut sentences = Vec::with_capacity(years.len());
    for (i, y) in years.iter().enumerate() {
        let left = MARGIN_X + i as i64 * (group_width + GROUP_GAP);
        let envelope_label = y
            .envelope_cents
            .map_or("niet ingesteld".to_string(), format::euro_cents);
        let allocated_label = format::euro_cents(y.allocated_cents);
        for (offset, class, fill, cents, label, what) in [
            (
                0,
                "bar-envelope",
                ENVELOPE_FILL,
                y.envelope_cents.unwrap_or(0),
                envelope_label.clone(),
                "budget",
            ),
            (
                BAR_WIDTH + BAR_GAP,
                "bar-allocated",
                ALLOCATED_FILL,
                y.allocated_cents,
                allocated_label.clone(),
                "toegekend",
            ),
        ] {
            let height = height_of(cents);
            let x = left + offset;
            bars.push(Bar {
                class,
                fill,
                x,
                y: baseline_y - height,
                width: BAR_WIDTH,
                height,
                title: format!("{}, {what}: {label}", y.year),
                label_x: x + BAR_WIDTH / 2,
                label_y: baseline_y - height - 6,
                label,
            });
        }
        labels.push(YearLabel {
            x: left + group_width / 2,
            y: baseline_y + 22,
            text: y.year.to_string(),
        });
        sentences.push(format!(
            "{}: budget {envelope_label}, toegekend {allocated_label}",
            y.year
        ));
    }
    BarChart {
        width: width.max(2 * MARGIN_X),
        height: baseline_y + BOTTOM,
        baseline_y,
        bars,
        years: labels,
        legend: vec![
            LegendItem {
                fill: ENVELOPE_FILL,
                label: "budget (envelop)",
            },
            LegendItem {
                fill: ALLOCATED_FILL,
                label: "toegekend (van kracht)",
            },
        ],
        description: format!("{}.", sentences.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_amount_fills_the_plot_and_the_others_scale_in_integers() {
        let chart = envelope_vs_allocated(&[
            ChartYear {
                year: 2022,
                envelope_cents: Some(222_500_000),
                allocated_cents: 100_000_000,
            },
            ChartYear {
                year: 2023,
                envelope_cents: Some(300_000_000),
                allocated_cents: 0,
            },
            ChartYear {
                year: 2024,
                envelope_cents: None,
                allocated_cents: 0,
            },
        ]);
        assert_eq!(chart.bars.len(), 6);
        let heights: Vec<i64> = chart.bars.iter().map(|b| b.height).collect();
        // 2.225.000 / 3.000.000 of 240 is 178 (rounded down), 1.000.000 of it 80.
        assert_eq!(heights, [178, 80, 240, 0, 0, 0]);
        assert_eq!(chart.bars[4].label, "niet ingesteld");
        assert!(
            chart
                .bars
                .iter()
                .all(|b| b.y + b.height == chart.baseline_y)
        );
        assert!(
            chart
                .description
                .starts_with("2022: budget € 2.225.000,00, toegekend € 1.000.000,00;")
        );
    }

    #[test]
    fn no_years_or_no_money_draws_no_bar_heights() {
        assert!(envelope_vs_allocated(&[]).bars.is_empty());
        let chart = envelope_vs_allocated(&[ChartYear {
            year: 2020,
            envelope_cents: None,
            allocated_cents: 0,
        }]);
        assert!(chart.bars.iter().all(|b| b.height == 0));
    }
}
