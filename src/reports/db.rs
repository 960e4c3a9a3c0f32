//! Reading reports and the werkingsgebied they belong to; shared by the report's pages and
//! forms.

use sqlx::{PgConnection, PgExecutor};

use super::model::ReportStatus;
use crate::error::Result;

/// The werkingsgebied a report is about, with the years its policy period covers.
#[derive(Clone, Debug)]
pub struct Area {
    pub partnership_id: i64,
    pub name: String,
    pub period_name: String,
    pub first_year: i32,
    pub last_year: i32,
    pub is_demo: bool,
}

impl Area {
    /// Whether `year` is one of the policy period's years (the only years with a report).
    pub fn covers(&self, year: i32) -> bool {
        (self.first_year..=self.last_year).contains(&year)
    }
}

pub async fn area(db: impl PgExecutor<'_>, partnership_id: i64) -> Result<Option<Area>> {
    Ok(sqlx::query_as!(
        Area,
        r#"select p.partnership_id, p.name, pp.name as period_name,
                  extract(year from pp.starts_on)::int as "first_year!",
                  extract(year from pp.ends_on)::int as "last_year!", p.is_demo
           from partnerships p join policy_periods pp using (policy_period_id)
           where p.partnership_id = $1"#,
        partnership_id
    )
    .fetch_optional(db)
    .await?)
}

/// A stored report. A werkingsgebied and year without a row has a report nobody started.
#[derive(Clone, Debug)]
pub struct Report {
    pub report_id: i64,
    pub partnership_id: i64,
    pub year: i32,
    pub status: ReportStatus,
    pub context: String,
    pub worked: String,
    pub not_worked: String,
    pub plans: String,
    pub version: i32,
    pub is_demo: bool,
}

pub async fn find(
    db: impl PgExecutor<'_>,
    partnership_id: i64,
    year: i32,
) -> Result<Option<Report>> {
    Ok(sqlx::query_as!(
        Report,
        r#"select report_id, partnership_id, year::int as "year!", status as "status: ReportStatus",
                  context, worked, not_worked, plans, version, is_demo
           from reports where partnership_id = $1 and year = $2"#,
        partnership_id,
        year as i16
    )
    .fetch_optional(db)
    .await?)
}

/// The report, locked until the transaction ends: a change reads the status it changes under
/// this lock, so two concurrent steps cannot both start from the same status.
pub async fn lock(
    conn: &mut PgConnection,
    partnership_id: i64,
    year: i32,
) -> Result<Option<Report>> {
    Ok(sqlx::query_as!(
        Report,
        r#"select report_id, partnership_id, year::int as "year!", status as "status: ReportStatus",
                  context, worked, not_worked, plans, version, is_demo
           from reports where partnership_id = $1 and year = $2
           for update"#,
        partnership_id,
        year as i16
    )
    .fetch_optional(&mut *conn)
    .await?)
}

impl From<&Report> for super::assemble::Narrative {
    fn from(r: &Report) -> Self {
        Self {
            context: r.context.clone(),
            worked: r.worked.clone(),
            not_worked: r.not_worked.clone(),
            plans: r.plans.clone(),
        }
    }
}

/// The path of the report page.
pub fn path(partnership_id: i64, year: i32) -> String {
    format!("/jaarrapporten/{partnership_id}/{year}")
}
