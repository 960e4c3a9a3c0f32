//! Werkingsgebied queries and rules shared by the pages, the coverage figures and the demo data.

use serde::Serialize;
use sqlx::PgExecutor;

use crate::error::Result;
use crate::identity::{CurrentUser, Role};

/// A partnership of several municipalities needs at least this many inhabitants.
pub const MIN_POPULATION: i64 = 60_000;

/// The legal forms a werkingsgebied can take. Stored as the PostgreSQL enum `legal_form`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "legal_form", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum LegalForm {
    Centrumstad,
    InterlokaleVereniging,
    Projectvereniging,
    DienstverlenendeVereniging,
    OpdrachthoudendeVereniging,
    Welzijnsvereniging,
}

impl LegalForm {
    pub const ALL: [LegalForm; 6] = [
        Self::Centrumstad,
        Self::InterlokaleVereniging,
        Self::Projectvereniging,
        Self::DienstverlenendeVereniging,
        Self::OpdrachthoudendeVereniging,
        Self::Welzijnsvereniging,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Centrumstad => "centrumstad",
            Self::InterlokaleVereniging => "interlokale_vereniging",
            Self::Projectvereniging => "projectvereniging",
            Self::DienstverlenendeVereniging => "dienstverlenende_vereniging",
            Self::OpdrachthoudendeVereniging => "opdrachthoudende_vereniging",
            Self::Welzijnsvereniging => "welzijnsvereniging",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Centrumstad => "centrumstad alleen",
            Self::InterlokaleVereniging => "interlokale vereniging",
            Self::Projectvereniging => "projectvereniging",
            Self::DienstverlenendeVereniging => "dienstverlenende vereniging",
            Self::OpdrachthoudendeVereniging => "opdrachthoudende vereniging",
            Self::Welzijnsvereniging => "welzijnsvereniging / OCMW-vereniging",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code.trim())
    }
}

/// What does not meet the order of 29 April 2022 in a werkingsgebied of `members`
/// municipalities with `population` inhabitants (shown, not enforced: the admin decides).
pub fn flags(members: i64, population: i64, only_centre_cities: bool) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if members == 0 {
        flags.push("geen gemeenten");
    } else if members == 1 && !only_centre_cities {
        flags.push("één gemeente die geen centrumstad is");
    } else if members > 1 && population < MIN_POPULATION {
        flags.push("samenwerkingsverband met minder dan 60.000 inwoners");
    }
    flags
}

/// One werkingsgebied with its totals, as lists and the coverage page show it.
#[derive(Clone, Debug)]
pub struct Summary {
    pub partnership_id: i64,
    pub name: String,
    pub legal_form: LegalForm,
    pub lead_organisation: String,
    pub is_demo: bool,
    pub members: i64,
    pub population: i64,
    pub only_centre_cities: bool,
    /// Names of the regisseurs appointed on the period's reference day (today, clamped to the
    /// period: its last day for a past period); empty means vacant.
    pub regisseurs: Vec<String>,
}

impl Summary {
    /// What does not meet the order of 29 April 2022 ([`flags`]).
    pub fn flags(&self) -> Vec<&'static str> {
        flags(self.members, self.population, self.only_centre_cities)
    }

    pub fn is_vacant(&self) -> bool {
        self.regisseurs.is_empty()
    }
}

/// The werkingsgebieden of a period with members, inhabitants in `year` and current regisseurs.
pub async fn summaries(
    db: impl PgExecutor<'_>,
    policy_period_id: i64,
    year: i16,
) -> Result<Vec<Summary>> {
    let rows = sqlx::query!(
        r#"select p.partnership_id, p.name, p.legal_form as "legal_form: LegalForm",
                  p.lead_organisation, p.is_demo,
                  count(m.nis_code) as "members!",
                  coalesce(sum(pop.population), 0)::bigint as "population!",
                  coalesce(bool_and(mu.centre_city), false) as "only_centre_cities!",
                  coalesce((select array_agg(a.person_name order by a.person_name)
                              from appointments a
                             where a.partnership_id = p.partnership_id
                               and a.status in ('goedgekeurd', 'beeindigd')
                               and greatest(pp.starts_on, least(current_date, pp.ends_on))
                                   between a.starts_on and coalesce(a.ended_on, a.ends_on)),
                           '{}') as "regisseurs!"
           from partnerships p
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           left join partnership_members m on m.partnership_id = p.partnership_id
           left join municipalities mu on mu.vintage = m.vintage and mu.nis_code = m.nis_code
           left join municipality_populations pop
                  on pop.vintage = m.vintage and pop.nis_code = m.nis_code and pop.year = $2
           where p.policy_period_id = $1
           group by p.partnership_id, pp.policy_period_id
           order by lower(p.name)"#,
        policy_period_id,
        year,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Summary {
            partnership_id: r.partnership_id,
            name: r.name,
            legal_form: r.legal_form,
            lead_organisation: r.lead_organisation,
            is_demo: r.is_demo,
            members: r.members,
            population: r.population,
            only_centre_cities: r.only_centre_cities,
            regisseurs: r.regisseurs,
        })
        .collect())
}

/// Whether `user` may change this werkingsgebied's contact details: an admin, or a regisseur
/// with a current appointment for it. Ending the appointment ends this at once.
pub async fn may_edit_contact(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
    partnership_id: i64,
) -> Result<bool> {
    match user.role {
        Role::Admin => Ok(true),
        Role::Ministry | Role::Vdab => Ok(false),
        Role::Regisseur => Ok(sqlx::query_scalar!(
            r#"select exists(select 1 from current_appointments
                             where partnership_id = $1 and user_id = $2) as "exists!""#,
            partnership_id,
            user.user_id
        )
        .fetch_one(db)
        .await?),
    }
}

/// A municipality of a werkingsgebied with its inhabitants in one year.
pub struct MemberPopulation {
    pub nis_code: String,
    pub name_nl: String,
    pub province: String,
    pub centre_city: bool,
    pub population: Option<i32>,
}

/// The werkingsgebied's municipalities by name, with their inhabitants in `year`: the
/// werkingsgebied's page and its members page.
pub async fn members_with_population(
    db: impl PgExecutor<'_>,
    partnership_id: i64,
    year: i16,
) -> Result<Vec<MemberPopulation>> {
    Ok(sqlx::query_as!(
        MemberPopulation,
        r#"select m.nis_code, mu.name_nl, mu.province, mu.centre_city, pop.population as "population?"
           from partnership_members m
           join municipalities mu on mu.vintage = m.vintage and mu.nis_code = m.nis_code
           left join municipality_populations pop
                  on pop.vintage = m.vintage and pop.nis_code = m.nis_code and pop.year = $2
           where m.partnership_id = $1
           order by mu.name_nl"#,
        partnership_id,
        year
    )
    .fetch_all(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(members: i64, population: i64, only_centre_cities: bool) -> Summary {
        Summary {
            partnership_id: 1,
            name: "x".into(),
            legal_form: LegalForm::InterlokaleVereniging,
            lead_organisation: "x".into(),
            is_demo: false,
            members,
            population,
            only_centre_cities,
            regisseurs: vec![],
        }
    }

    #[test]
    fn a_partnership_below_60000_inhabitants_is_flagged() {
        assert_eq!(
            summary(3, 59_999, false).flags(),
            vec!["samenwerkingsverband met minder dan 60.000 inwoners"]
        );
        assert!(summary(3, 60_000, false).flags().is_empty());
    }

    #[test]
    fn a_single_municipality_must_be_a_centre_city() {
        assert_eq!(
            summary(1, 100_000, false).flags(),
            vec!["één gemeente die geen centrumstad is"]
        );
        assert!(summary(1, 30_000, true).flags().is_empty());
    }

    #[test]
    fn legal_forms_round_trip() {
        for form in LegalForm::ALL {
            assert_eq!(LegalForm::parse(form.code()), Some(form));
        }
    }
}
