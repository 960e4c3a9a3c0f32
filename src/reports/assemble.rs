//! The report's figures, assembled from the data of one werkingsgebied and year: actions per
//! priority (with the rule "at least one action per priority per year"), reach per target group,
//! partners, the VDAB agreement's commitments and meetings of that year, and the budget
//! (allocated, paid, spent). A submission freezes them as a [`Snapshot`] in
//! `report_submissions.snapshot` (JSON); the page of a draft assembles them afresh.
//!
//! Every field is `#[serde(default)]`-tolerant so that a snapshot stored by an older version
//! still reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::error::Result;

/// What the regisseur writes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Narrative {
    pub context: String,
    pub worked: String,
    pub not_worked: String,
    pub plans: String,
}

/// The figures of one werkingsgebied and year.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportData {
    // TODO(skeleton): the assembled figures.
}

/// What a submission freezes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub assembled_at: DateTime<Utc>,
    pub data: ReportData,
    pub narrative: Narrative,
}

/// Assembles the figures of werkingsgebied `partnership_id` for `year` as the data says now.
pub async fn assemble(
    _conn: &mut PgConnection,
    _partnership_id: i64,
    _year: i32,
) -> Result<ReportData> {
    // TODO(skeleton)
    Ok(ReportData::default())
}
