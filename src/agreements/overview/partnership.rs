//! The section "Samenwerkingsovereenkomsten met VDAB" of the werkingsgebied page: its
//! agreements and, for who may write them, the way to a new one.

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::actions::model::Origin;
use crate::agreements::access;
use crate::agreements::model::AgreementStatus;
use crate::error::Result;
use crate::identity::CurrentUser;
use crate::web::format;

/// One agreement in the section of the werkingsgebied page.
pub struct PartnershipAgreement {
    pub agreement_id: i64,
    pub title: String,
    pub status_code: &'static str,
    pub status: &'static str,
    pub dates: String,
    pub origin: &'static str,
}

/// The section "Samenwerkingsovereenkomsten met VDAB" of the werkingsgebied page
/// (`templates/agreements/_partnership.html`).
pub struct PartnershipSection {
    pub partnership_id: i64,
    pub agreements: Vec<PartnershipAgreement>,
    /// Shows "Nieuwe overeenkomst".
    pub may_write: bool,
}

/// The agreements of werkingsgebied `partnership_id`, oldest first, and whether `user` may add
/// one.
pub async fn partnership_section(
    conn: &mut PgConnection,
    user: &CurrentUser,
    partnership_id: i64,
) -> Result<PartnershipSection> {
    let agreements = sqlx::query!(
        r#"select agreement_id, title, status as "status: AgreementStatus",
                  starts_on as "starts_on: NaiveDate", ends_on as "ends_on: NaiveDate",
                  origin as "origin: Origin"
           from agreements where partnership_id = $1
           order by starts_on, agreement_id"#,
        partnership_id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| PartnershipAgreement {
        agreement_id: r.agreement_id,
        title: r.title,
        status_code: r.status.code(),
        status: r.status.label(),
        dates: format!(
            "{} - {}",
            format::date(r.starts_on),
            format::date(r.ends_on)
        ),
        origin: r.origin.label(),
    })
    .collect();
    Ok(PartnershipSection {
        partnership_id,
        agreements,
        may_write: access::of(&mut *conn, user, partnership_id).await?.write,
    })
}
