//! The section "Samenwerkingsovereenkomsten met VDAB" of the werkingsgebied page: its
//! agreements and, for who may write them, the way to a new one. The page loads the agreements
//! with the rest of its data in one statement (`partnerships::show`); this builds the section.

use chrono::NaiveDate;

use crate::actions::model::Origin;
use crate::agreements::model::AgreementStatus;
use crate::identity::{CurrentUser, Role};
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

impl PartnershipAgreement {
    pub fn new(
        agreement_id: i64,
        title: String,
        status: AgreementStatus,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        origin: Origin,
    ) -> Self {
        Self {
            agreement_id,
            title,
            status_code: status.code(),
            status: status.label(),
            dates: format!("{} - {}", format::date(starts_on), format::date(ends_on)),
            origin: origin.label(),
        }
    }
}

/// The section "Samenwerkingsovereenkomsten met VDAB" of the werkingsgebied page
/// (`templates/agreements/_partnership.html`).
pub struct PartnershipSection {
    pub partnership_id: i64,
    /// Oldest first.
    pub agreements: Vec<PartnershipAgreement>,
    /// Shows "Nieuwe overeenkomst".
    pub may_write: bool,
}

impl PartnershipSection {
    /// The section for `user`. "Nieuwe overeenkomst" goes to who may write per
    /// [`crate::agreements::access::of`] (an admin, or the werkingsgebied's current regisseur),
    /// told from the session's own werkingsgebieden without a query; saving checks again.
    pub fn new(
        partnership_id: i64,
        agreements: Vec<PartnershipAgreement>,
        user: &CurrentUser,
    ) -> Self {
        Self {
            partnership_id,
            agreements,
            may_write: user.role == Role::Admin || user.is_regisseur_of(partnership_id),
        }
    }
}
