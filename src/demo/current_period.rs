//! The current policy period in the demo, so that a newcomer on today's date sees a living
//! period and not only past ones: 2026-2031 on the 2025 municipality list, with the 2023-2025
//! demo werkingsgebieden carried over through the 2025 mergers, their demo regisseurs (three
//! places vacant: one regisseur left, one request waits for a decision, one area never had
//! one) and demo actions in 2026.
//!
//! Why the demo makes the period (named [`PERIOD_NAME`]) instead of seeding it like 2020-2022
//! and 2023-2025: policy periods are reference data an admin manages, and the sources of this
//! project (DOMAIN.md, the press release, seeds/SOURCES.md) document only those two periods.
//! The dates 2026-2031 come from the issue, not from a published decision, so they are demo
//! data and the name says so. An admin renames or edits the period once the real one is
//! decided. A period an admin made for 2026 on the 2025 list, still without werkingsgebieden,
//! is used instead of making one; any other period over those years leaves this part out.

use std::collections::HashMap;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::municipalities::seed::{VINTAGE_2019, VINTAGE_2025};
use crate::partnerships::db::LegalForm;

/// The `seed_runs` row that says this part of the demo was made.
pub const SEED_NAME: &str = "demo-current-period";
/// The name of the period the demo makes.
pub const PERIOD_NAME: &str = "2026-2031 (demo)";
/// How many werkingsgebieden are left without a current regisseur.
pub const VACANT: usize = 3;
/// Demo actions per werkingsgebied in 2026.
const ACTIONS_PER_YEAR: i32 = 2;

fn day(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).context("date")
}

/// What was made, for the demo's audit entry.
#[derive(Debug, Default)]
pub struct Summary {
    pub period_created: bool,
    pub werkingsgebieden: usize,
    pub vacant: usize,
    pub actions: u64,
}

impl Summary {
    pub fn details(&self) -> serde_json::Value {
        serde_json::json!({
            "beleidsperiode": PERIOD_NAME,
            "beleidsperiode_aangemaakt": self.period_created,
            "werkingsgebieden": self.werkingsgebieden,
            "zonder_regisseur": self.vacant,
            "acties_2026": self.actions,
        })
    }
}

/// The period to fill: the demo's own, or an empty one an admin made on the 2025 list that
/// starts on 1 January 2026; made when no period covers those years. `None` when another
/// period is in the way.
async fn period(conn: &mut PgConnection) -> anyhow::Result<Option<(i64, bool)>> {
    let (starts, ends) = (day(2026, 1, 1)?, day(2031, 12, 31)?);
    let overlapping = sqlx::query!(
        r#"select pp.policy_period_id, pp.name, pp.vintage, pp.starts_on as "starts_on: NaiveDate",
                  exists(select 1 from partnerships p
                         where p.policy_period_id = pp.policy_period_id) as "used!"
           from policy_periods pp
           where daterange(pp.starts_on, pp.ends_on, '[]') && daterange($1, $2, '[]')"#,
        starts as _,
        ends as _
    )
    .fetch_all(&mut *conn)
    .await?;
    match overlapping.as_slice() {
        [] => {}
        [p] if p.vintage == VINTAGE_2025
            && (p.name == PERIOD_NAME || (!p.used && p.starts_on == starts)) =>
        {
            return Ok(Some((p.policy_period_id, false)));
        }
        _ => return Ok(None),
    }
    // The latest population year the 2025 list has (the seeds hold 2020).
    let population_year = sqlx::query_scalar!(
        "select max(year) from municipality_populations where vintage = $1",
        VINTAGE_2025
    )
    .fetch_one(&mut *conn)
    .await?
    .context("no population figures for the 2025 municipality list")?;
    let id = sqlx::query_scalar!(
        r#"insert into policy_periods (name, starts_on, ends_on, vintage, population_year)
           values ($1, $2, $3, $4, $5) returning policy_period_id"#,
        PERIOD_NAME,
        starts as _,
        ends as _,
        VINTAGE_2025,
        population_year
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some((id, true)))
}

/// A 2023-2025 demo werkingsgebied to carry over.
struct Earlier {
    partnership_id: i64,
    name: String,
    legal_form: LegalForm,
    lead_organisation: String,
    members: Vec<String>,
    person_name: Option<String>,
    person_email: Option<String>,
}

/// Each 2025 municipality goes to the werkingsgebied that held most of its parts (by number,
/// then by inhabitants), so one municipality is in one werkingsgebied. `members[i]` are the
/// 2019-2024 NIS codes of werkingsgebied `i`; `to` maps a code to its 2025 code and
/// `population` gives its inhabitants. Returns the 2025 members of each, sorted.
pub fn carry_over(
    members: &[Vec<String>],
    to: &HashMap<String, String>,
    population: &HashMap<String, i64>,
) -> Vec<Vec<String>> {
    // 2025 code -> werkingsgebied -> (parts, inhabitants)
    let mut tally: HashMap<&str, HashMap<usize, (usize, i64)>> = HashMap::new();
    for (i, list) in members.iter().enumerate() {
        for nis in list {
            let target = to.get(nis).map_or(nis.as_str(), String::as_str);
            let entry = tally.entry(target).or_default().entry(i).or_default();
            entry.0 += 1;
            entry.1 += population.get(nis).copied().unwrap_or(0);
        }
    }
    let mut out = vec![Vec::new(); members.len()];
    for (nis, holders) in tally {
        if let Some((&winner, _)) = holders
            .iter()
            .max_by_key(|(i, (parts, people))| (*parts, *people, std::cmp::Reverse(**i)))
        {
            out[winner].push(nis.to_string());
        }
    }
    for list in &mut out {
        list.sort();
    }
    out
}

/// Makes the period (when needed), its demo werkingsgebieden, appointments and 2026 actions,
/// and records [`SEED_NAME`]. `None` when another period covers those years.
pub async fn generate(conn: &mut PgConnection) -> anyhow::Result<Option<Summary>> {
    let Some((period_id, period_created)) = period(conn).await? else {
        return Ok(None);
    };
    let earlier: Vec<Earlier> = sqlx::query!(
        r#"select p.partnership_id, p.name, p.legal_form as "legal_form: LegalForm",
                  p.lead_organisation,
                  array_agg(m.nis_code order by m.nis_code) as "members!",
                  (select a.person_name from appointments a
                    where a.partnership_id = p.partnership_id and a.is_demo
                    order by a.appointment_id desc limit 1) as person_name,
                  (select a.person_email from appointments a
                    where a.partnership_id = p.partnership_id and a.is_demo
                    order by a.appointment_id desc limit 1) as person_email
           from partnerships p
           join policy_periods pp on pp.policy_period_id = p.policy_period_id
           join partnership_members m on m.partnership_id = p.partnership_id
           where p.is_demo and pp.name = '2023-2025' and pp.vintage = $1
             and not exists (select 1 from partnerships n where n.carried_over_from = p.partnership_id)
           group by p.partnership_id
           order by p.name"#,
        VINTAGE_2019
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Earlier {
        partnership_id: r.partnership_id,
        name: r.name,
        legal_form: r.legal_form,
        lead_organisation: r.lead_organisation,
        members: r.members,
        person_name: r.person_name,
        person_email: r.person_email,
    })
    .collect();

    let old = sqlx::query!(
        r#"select m.nis_code, coalesce(mm.to_nis_code, m.nis_code) as "to!",
                  coalesce(pop.population, 0)::bigint as "population!"
           from municipalities m
           left join municipality_mergers mm
                  on mm.from_vintage = m.vintage and mm.from_nis_code = m.nis_code
                 and mm.to_vintage = $2
           left join municipality_populations pop
                  on pop.vintage = m.vintage and pop.nis_code = m.nis_code
                 and pop.year = (select population_year from policy_periods where name = '2023-2025')
           where m.vintage = $1"#,
        VINTAGE_2019,
        VINTAGE_2025
    )
    .fetch_all(&mut *conn)
    .await?;
    let to: HashMap<String, String> = old
        .iter()
        .map(|r| (r.nis_code.clone(), r.to.clone()))
        .collect();
    let population: HashMap<String, i64> = old
        .iter()
        .map(|r| (r.nis_code.clone(), r.population))
        .collect();
    let new: HashMap<String, (String, i64)> = sqlx::query!(
        r#"select m.nis_code, m.name_nl, coalesce(pop.population, 0)::bigint as "population!"
           from municipalities m
           left join municipality_populations pop
                  on pop.vintage = m.vintage and pop.nis_code = m.nis_code
                 and pop.year = (select population_year from policy_periods where policy_period_id = $2)
           where m.vintage = $1"#,
        VINTAGE_2025,
        period_id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.nis_code, (r.name_nl, r.population)))
    .collect();

    let members: Vec<Vec<String>> = earlier.iter().map(|e| e.members.clone()).collect();
    let carried = carry_over(&members, &to, &population);
    if let Some(missing) = carried.iter().flatten().find(|n| !new.contains_key(*n)) {
        bail!("municipality {missing} is not on the 2025 list");
    }

    // The vacant places: regional werkingsgebieden, in the demo's stable pseudo-random order.
    let mut regional: Vec<usize> = (0..earlier.len())
        .filter(|&i| carried[i].len() > 1)
        .collect();
    regional.sort_by_key(|&i| super::order(&earlier[i].name));
    let vacant: Vec<usize> = regional.into_iter().take(VACANT).collect();
    let mut next_person = sqlx::query_scalar!(
        r#"select count(*) as "n!" from appointments where is_demo and person_email like '%@demo.invalid'"#
    )
    .fetch_one(&mut *conn)
    .await?;

    let mut summary = Summary {
        period_created,
        ..Summary::default()
    };
    let mut created = Vec::new();
    for (i, e) in earlier.iter().enumerate() {
        let list = &carried[i];
        if list.is_empty() {
            continue;
        }
        // A lead named after its largest municipality follows the 2025 names.
        let lead = if e.lead_organisation.starts_with("Gemeente ") {
            list.iter()
                .filter_map(|n| new.get(n))
                .max_by_key(|(_, people)| *people)
                .map_or(e.lead_organisation.clone(), |(name, _)| {
                    format!("Gemeente {name}")
                })
        } else {
            e.lead_organisation.clone()
        };
        let id = sqlx::query_scalar!(
            r#"insert into partnerships (policy_period_id, name, legal_form, lead_organisation,
                                         is_demo, carried_over_from)
               values ($1, $2, $3, $4, true, $5) returning partnership_id"#,
            period_id,
            e.name,
            e.legal_form as LegalForm,
            lead,
            e.partnership_id
        )
        .fetch_one(&mut *conn)
        .await?;
        sqlx::query!(
            r#"insert into partnership_members (partnership_id, policy_period_id, vintage, nis_code)
               select $1, $2, $3, unnest($4::text[])"#,
            id,
            period_id,
            VINTAGE_2025,
            list
        )
        .execute(&mut *conn)
        .await?;
        created.push(id);

        let person = e.person_name.clone().unwrap_or_else(|| {
            next_person += 1;
            format!("Demo-regisseur {next_person}")
        });
        let email = e
            .person_email
            .clone()
            .unwrap_or_else(|| format!("regisseur{next_person}@demo.invalid"));
        match vacant.iter().position(|&v| v == i) {
            None => {
                sqlx::query!(
                    r#"insert into appointments (partnership_id, person_name, person_email, fte,
                                                 starts_on, ends_on, status, is_demo, request_note)
                       values ($1, $2, $3, 1.00, '2026-01-01', '2031-12-31', 'goedgekeurd', true,
                               'demogegevens')"#,
                    id,
                    person,
                    email
                )
                .execute(&mut *conn)
                .await?;
            }
            // The regisseur left in the summer; nobody has followed yet.
            Some(0) => {
                sqlx::query!(
                    r#"insert into appointments (partnership_id, person_name, person_email, fte,
                                                 starts_on, ends_on, status, is_demo, request_note,
                                                 ended_at, ended_on, end_motivation)
                       values ($1, $2, $3, 1.00, '2026-01-01', '2031-12-31', 'beeindigd', true,
                               'demogegevens', timestamptz '2026-06-15 10:00 Europe/Brussels',
                               '2026-06-30',
                               'Demogegevens: de regisseur ging elders aan de slag; de plaats is vacant.')"#,
                    id,
                    person,
                    email
                )
                .execute(&mut *conn)
                .await?;
            }
            // A new regisseur is asked for from 2027; the admin has not decided yet.
            Some(1) => {
                next_person += 1;
                sqlx::query!(
                    r#"insert into appointments (partnership_id, person_name, person_email, fte,
                                                 starts_on, ends_on, status, is_demo, request_note,
                                                 requested_at)
                       values ($1, $2, $3, 0.80, '2027-01-01', '2031-12-31', 'aangevraagd', true,
                               'Demogegevens: aanvraag voor een nieuwe regisseur, nog niet beslist.',
                               timestamptz '2026-11-20 10:00 Europe/Brussels')"#,
                    id,
                    format!("Demo-regisseur {next_person}"),
                    format!("regisseur{next_person}@demo.invalid")
                )
                .execute(&mut *conn)
                .await?;
            }
            // Never had one in this period.
            Some(_) => {}
        }
    }
    summary.werkingsgebieden = created.len();
    summary.vacant = vacant.len();
    summary.actions =
        super::actions::generate(conn, &created, 2026, 2026, ACTIONS_PER_YEAR, "demo").await?;
    sqlx::query!(
        "insert into seed_runs (name, content_sha256) values ($1, 'demo current period v1')",
        SEED_NAME
    )
    .execute(&mut *conn)
    .await?;
    Ok(Some(summary))
}

/// A demo loaded before this part existed gets it now, once.
pub async fn add_missing(conn: &mut PgConnection) -> anyhow::Result<Option<Summary>> {
    if !super::part_missing(conn, SEED_NAME).await? {
        return Ok(None);
    }
    generate(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_merged_municipality_goes_where_most_of_its_parts_were() {
        let members = vec![codes(&["A1", "A2", "X"]), codes(&["B1", "B2", "C"])];
        let to: HashMap<String, String> = [("A1", "M"), ("A2", "M"), ("B1", "M")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let population = HashMap::new();
        let carried = carry_over(&members, &to, &population);
        assert_eq!(carried[0], codes(&["M", "X"]));
        assert_eq!(carried[1], codes(&["B2", "C"]));
    }

    #[test]
    fn a_tie_goes_to_the_larger_population() {
        let members = vec![codes(&["Small"]), codes(&["Big"])];
        let to: HashMap<String, String> = [("Small", "M"), ("Big", "M")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let population: HashMap<String, i64> =
            [("Small".to_string(), 10), ("Big".to_string(), 500)]
                .into_iter()
                .collect();
        let carried = carry_over(&members, &to, &population);
        assert!(carried[0].is_empty());
        assert_eq!(carried[1], codes(&["M"]));
    }
}
