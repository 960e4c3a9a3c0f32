//! Agreement queries shared by the pages: one agreement with its werkingsgebied, and the
//! municipalities it binds. Typed data only; pages label it.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgExecutor};

use super::model::AgreementStatus;
use crate::actions::model::Origin;
use crate::database::Timestamp;
use crate::error::{AppError, Result};

/// One stored agreement with its werkingsgebied and period.
#[derive(Clone, Debug)]
pub struct Agreement {
    pub agreement_id: i64,
    pub partnership_id: i64,
    pub partnership_name: String,
    pub policy_period_id: i64,
    pub period_name: String,
    pub title: String,
    pub vdab_service: String,
    pub vdab_contact: String,
    pub local_contact: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub signed_on: Option<NaiveDate>,
    pub notes: String,
    pub status: AgreementStatus,
    pub origin: Origin,
    pub version: i32,
    pub updated_at: Timestamp,
}

pub async fn find(conn: &mut PgConnection, agreement_id: i64) -> Result<Agreement> {
    sqlx::query_as!(
        Agreement,
        r#"select a.agreement_id, a.partnership_id, p.name as partnership_name,
                  p.policy_period_id, pp.name as period_name, a.title, a.vdab_service,
                  a.vdab_contact, a.local_contact, a.starts_on as "starts_on: NaiveDate",
                  a.ends_on as "ends_on: NaiveDate", a.signed_on as "signed_on: NaiveDate", a.notes,
                  a.status as "status: AgreementStatus", a.origin as "origin: Origin", a.version,
                  a.updated_at as "updated_at: Timestamp"
           from agreements a
           join partnerships p on p.partnership_id = a.partnership_id
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           where a.agreement_id = $1"#,
        agreement_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)
}

/// A municipality an agreement binds, with its council decision.
#[derive(Clone, Debug)]
pub struct Binding {
    pub nis_code: String,
    pub name: String,
    pub council_decision_on: Option<NaiveDate>,
    pub council_decision_url: String,
}

/// The municipalities an agreement binds, by name.
pub async fn bindings(db: impl PgExecutor<'_>, agreement_id: i64) -> Result<Vec<Binding>> {
    Ok(sqlx::query_as!(
        Binding,
        r#"select am.nis_code, mu.name_nl as name,
                  am.council_decision_on as "council_decision_on: NaiveDate", am.council_decision_url
           from agreement_municipalities am
           join partnership_members pm
             on pm.partnership_id = am.partnership_id and pm.nis_code = am.nis_code
           join municipalities mu on mu.vintage = pm.vintage and mu.nis_code = pm.nis_code
           where am.agreement_id = $1
           order by mu.name_nl"#,
        agreement_id
    )
    .fetch_all(db)
    .await?)
}
