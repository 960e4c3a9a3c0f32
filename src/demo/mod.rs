//! Demo data, so that a newcomer's first start shows a living system: werkingsgebieden for
//! 2020-2022 and 2023-2025 over the real municipalities, with demo regisseurs.
//!
//! Everything here is marked `is_demo` and shown with a "demo" label. The compositions are
//! invented, except the few partnerships documented on public web pages
//! (`seeds/lokale_regie_partial_evidence.csv`), which are used as they are. Only the published
//! aggregate counts are matched: 37 werkingsgebieden covering 238 municipalities in 2020-2022,
//! 39 covering 261 in 2023-2025, 43 municipalities new and 20 gone. The population shares
//! follow from the real population figures; they are not tuned.
//!
//! Loaded on the first start of the embedded default database, or with `regie demo load`;
//! never when real werkingsgebieden exist. The VDAB agreements of [`agreements`] and the
//! budget figures of [`budget`] come with it, and a demo loaded before they existed gets them
//! on the next load. So do the current period 2026-2031 of [`current_period`] and the yearly
//! reports of [`reports`].

pub mod actions;
pub mod agreement_plan;
pub mod agreements;
pub mod budget;
pub mod current_period;
pub mod report_plan;
pub mod reports;

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Context, bail};
use serde::Deserialize;
use sqlx::PgPool;

use crate::municipalities::seed::VINTAGE_2019;
use crate::partnerships::db::LegalForm;
use crate::periods;

const EVIDENCE: &str = include_str!("../../seeds/lokale_regie_partial_evidence.csv");
const SEED_NAME: &str = "demo";

/// Published aggregates the demo reproduces (press release; DOMAIN.md).
pub const PARTNERSHIPS_2020: usize = 37;
pub const PARTNERSHIPS_2023: usize = 39;
pub const COVERED_2020: usize = 238;
pub const COVERED_2023: usize = 261;
pub const JOINED: usize = 43;
pub const LEFT: usize = 20;
/// The centre cities that applied alone in both periods.
const ALONE: [&str; 3] = ["11002", "44021", "24062"];

#[derive(Clone, Debug)]
pub struct Municipality {
    pub nis_code: String,
    pub name: String,
    pub province: String,
    pub arrondissement: String,
    pub population: i64,
    pub centre_city: bool,
}

#[derive(Clone, Debug)]
pub struct DemoPartnership {
    pub name: String,
    pub legal_form: LegalForm,
    pub lead_organisation: String,
    pub members: Vec<String>,
}

/// The two periods' werkingsgebieden. `in_2020[i]` and `in_2023[j]` with the same name are the
/// same werkingsgebied carried over.
#[derive(Debug)]
pub struct Plan {
    pub in_2020: Vec<DemoPartnership>,
    pub in_2023: Vec<DemoPartnership>,
}

#[derive(Deserialize)]
struct EvidenceRecord {
    partnership: String,
    nis_codes_2019_2024: String,
    lead_or_managing_body: String,
}

/// A stable pseudo-random order (FNV-1a of the NIS code), so the demo is the same every time.
fn order(nis: &str) -> u64 {
    nis.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn evidence() -> anyhow::Result<Vec<EvidenceRecord>> {
    csv::Reader::from_reader(EVIDENCE.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .context("seeds/lokale_regie_partial_evidence.csv is not valid")
}

/// Splits `n` items over `k` groups as evenly as possible.
fn chunks<T: Clone>(items: &[T], k: usize) -> Vec<Vec<T>> {
    let (size, extra) = (items.len() / k, items.len() % k);
    let mut out = Vec::with_capacity(k);
    let mut start = 0;
    for i in 0..k {
        let len = size + usize::from(i < extra);
        out.push(items[start..start + len].to_vec());
        start += len;
    }
    out
}

/// Works out the demo werkingsgebieden from the 2019-2024 municipalities.
pub fn plan(municipalities: &[Municipality]) -> anyhow::Result<Plan> {
    let by_nis: HashMap<&str, &Municipality> = municipalities
        .iter()
        .map(|m| (m.nis_code.as_str(), m))
        .collect();
    let lead = |nis: &[String]| -> String {
        let largest = nis
            .iter()
            .filter_map(|n| by_nis.get(n.as_str()))
            .max_by_key(|m| m.population)
            .map_or("?", |m| m.name.as_str());
        format!("Gemeente {largest}")
    };

    // Fixed in both periods: the three centre cities alone and the documented partnerships.
    let mut fixed: Vec<DemoPartnership> = Vec::new();
    for record in evidence()? {
        let members: Vec<String> = record
            .nis_codes_2019_2024
            .split(';')
            .map(|s| s.trim().to_string())
            .collect();
        if let Some(missing) = members.iter().find(|n| !by_nis.contains_key(n.as_str())) {
            bail!("evidence names unknown municipality {missing}");
        }
        let name = record
            .partnership
            .split(" (")
            .next()
            .unwrap_or(&record.partnership)
            .to_string();
        let alone = members.len() == 1 && ALONE.contains(&members[0].as_str());
        let lead_body = record.lead_or_managing_body.trim();
        fixed.push(DemoPartnership {
            legal_form: if alone {
                LegalForm::Centrumstad
            } else {
                LegalForm::InterlokaleVereniging
            },
            lead_organisation: if lead_body.is_empty() || lead_body.starts_with("not stated") {
                lead(&members)
            } else {
                lead_body
                    .split(" (")
                    .next()
                    .unwrap_or(lead_body)
                    .to_string()
            },
            name,
            members,
        });
    }
    let fixed_members: HashSet<&str> = fixed
        .iter()
        .flat_map(|p| p.members.iter().map(String::as_str))
        .collect();

    let mut pool: Vec<&Municipality> = municipalities
        .iter()
        .filter(|m| !fixed_members.contains(m.nis_code.as_str()))
        .collect();
    pool.sort_by_key(|m| order(&m.nis_code));

    // Not covered in 2023: small municipalities, in the stable pseudo-random order.
    let uncovered_2023: Vec<&Municipality> = pool
        .iter()
        .copied()
        .filter(|m| m.population < 20_000 && !m.centre_city)
        .take(municipalities.len() - COVERED_2023)
        .collect();
    let uncovered: HashSet<&str> = uncovered_2023.iter().map(|m| m.nis_code.as_str()).collect();

    // The other covered municipalities form werkingsgebieden per arrondissement.
    let demo_count = PARTNERSHIPS_2023 - fixed.len();
    let mut by_arrondissement: BTreeMap<&str, Vec<&Municipality>> = BTreeMap::new();
    for m in pool
        .iter()
        .filter(|m| !uncovered.contains(m.nis_code.as_str()))
    {
        by_arrondissement
            .entry(&m.arrondissement)
            .or_default()
            .push(m);
    }
    let covered_pool: usize = by_arrondissement.values().map(Vec::len).sum();
    let mut shares: Vec<(&str, usize, usize)> = by_arrondissement
        .iter()
        .map(|(a, ms)| {
            let k = ((ms.len() * demo_count) as f64 / covered_pool as f64).round() as usize;
            (*a, ms.len(), k.clamp(1, ms.len()))
        })
        .collect();
    while shares.iter().map(|s| s.2).sum::<usize>() > demo_count {
        let i = (0..shares.len())
            .filter(|&i| shares[i].2 > 1)
            .max_by_key(|&i| (shares[i].2, std::cmp::Reverse(shares[i].1)))
            .context("too few municipalities for the demo")?;
        shares[i].2 -= 1;
    }
    while shares.iter().map(|s| s.2).sum::<usize>() < demo_count {
        let i = (0..shares.len())
            .filter(|&i| shares[i].2 < shares[i].1)
            .max_by_key(|&i| shares[i].1 * 1000 / shares[i].2)
            .context("too few municipalities for the demo")?;
        shares[i].2 += 1;
    }
    let mut regional: Vec<DemoPartnership> = Vec::new();
    for (arrondissement, _, k) in shares {
        let mut members: Vec<String> = by_arrondissement[arrondissement]
            .iter()
            .map(|m| m.nis_code.clone())
            .collect();
        members.sort();
        for (i, chunk) in chunks(&members, k).into_iter().enumerate() {
            regional.push(DemoPartnership {
                name: if k == 1 {
                    format!("Regio {arrondissement}")
                } else {
                    format!("Regio {arrondissement} {}", i + 1)
                },
                legal_form: LegalForm::InterlokaleVereniging,
                lead_organisation: lead(&chunk),
                members: chunk,
            });
        }
    }

    // 2020-2022: the two smallest regional werkingsgebieden did not exist yet, and more of
    // their neighbours joined later; 20 municipalities not covered in 2023 still were.
    let mut by_size: Vec<usize> = (0..regional.len()).collect();
    by_size.sort_by_key(|&i| (regional[i].members.len(), regional[i].name.clone()));
    let new_in_2023: HashSet<usize> = by_size.iter().take(2).copied().collect();
    let mut joined: HashSet<String> = new_in_2023
        .iter()
        .flat_map(|&i| regional[i].members.iter().cloned())
        .collect();
    let mut remaining: HashMap<usize, usize> = (0..regional.len())
        .map(|i| (i, regional[i].members.len()))
        .collect();
    let mut candidates: Vec<(usize, &String)> = regional
        .iter()
        .enumerate()
        .filter(|(i, _)| !new_in_2023.contains(i))
        .flat_map(|(i, p)| p.members.iter().map(move |n| (i, n)))
        .collect();
    candidates.sort_by_key(|(_, n)| order(n));
    for (i, nis) in candidates {
        if joined.len() >= JOINED {
            break;
        }
        if remaining[&i] > 3 {
            joined.insert(nis.clone());
            *remaining.get_mut(&i).unwrap_or(&mut 0) -= 1;
        }
    }
    if joined.len() != JOINED {
        bail!("demo plan: {} joined instead of {JOINED}", joined.len());
    }
    let left: Vec<&Municipality> = uncovered_2023.iter().copied().take(LEFT).collect();

    let mut in_2020: Vec<DemoPartnership> = regional
        .iter()
        .enumerate()
        .filter(|(i, _)| !new_in_2023.contains(i))
        .map(|(_, p)| DemoPartnership {
            members: p
                .members
                .iter()
                .filter(|n| !joined.contains(*n))
                .cloned()
                .collect(),
            ..p.clone()
        })
        .collect();
    for m in left {
        let target = in_2020
            .iter()
            .position(|p| {
                by_nis
                    .get(p.members[0].as_str())
                    .is_some_and(|x| x.arrondissement == m.arrondissement)
            })
            .or_else(|| {
                in_2020.iter().position(|p| {
                    by_nis
                        .get(p.members[0].as_str())
                        .is_some_and(|x| x.province == m.province)
                })
            })
            .context("no werkingsgebied in the province")?;
        in_2020[target].members.push(m.nis_code.clone());
    }
    in_2020.extend(fixed.iter().cloned());
    let mut in_2023 = regional;
    in_2023.extend(fixed);
    for list in [&mut in_2020, &mut in_2023] {
        for p in list.iter_mut() {
            p.members.sort();
        }
        list.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(Plan { in_2020, in_2023 })
}

/// Loads the demo unless it was loaded before or real werkingsgebieden exist. Returns whether
/// it loaded.
pub async fn load(db: &PgPool) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock(hashtext('regie.demo'))")
        .execute(&mut *tx)
        .await?;
    let blocked = sqlx::query_scalar!(
        r#"select exists(select 1 from seed_runs where name = $1)
               or exists(select 1 from partnerships) as "blocked!""#,
        SEED_NAME
    )
    .fetch_one(&mut *tx)
    .await?;
    if blocked {
        // A demo loaded before agreements or budgets existed gets them now, once.
        let agreements_added = agreements::add_missing(&mut tx).await?;
        let budget_added = budget::add_missing(&mut tx).await?;
        let current = current_period::add_missing(&mut tx).await?;
        let report_summary = reports::add_missing(&mut tx).await?;
        let added = current.is_some() || report_summary.is_some();
        if added {
            crate::audit::Entry::new(crate::audit::Action::DemoDataLoaded)
                .details(serde_json::json!({
                    "huidige_beleidsperiode": current.as_ref().map(current_period::Summary::details),
                    "jaarrapporten": report_summary.as_ref().map(reports::Summary::details),
                }))
                .record(&mut *tx, &crate::web::RequestContext::default())
                .await?;
        }
        tx.commit().await?;
        return Ok(agreements_added || budget_added || added);
    }
    let all = periods::list(&mut *tx).await?;
    let find = |name: &str| {
        all.iter()
            .find(|p| p.name == name && p.vintage == VINTAGE_2019)
            .with_context(|| format!("policy period {name} on the 2019-2024 list is missing"))
    };
    let (p2020, p2023) = (find("2020-2022")?, find("2023-2025")?);

    let municipalities: Vec<Municipality> = sqlx::query!(
        r#"select m.nis_code, m.name_nl, m.province, m.arrondissement, m.centre_city,
                  coalesce(p.population, 0)::bigint as "population!"
           from municipalities m
           left join municipality_populations p
                  on p.vintage = m.vintage and p.nis_code = m.nis_code and p.year = $2
           where m.vintage = $1"#,
        VINTAGE_2019,
        p2023.population_year
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| Municipality {
        nis_code: r.nis_code,
        name: r.name_nl,
        province: r.province,
        arrondissement: r.arrondissement,
        population: r.population,
        centre_city: r.centre_city,
    })
    .collect();
    let plan = plan(&municipalities)?;

    let mut earlier: HashMap<String, i64> = HashMap::new();
    let mut created: [Vec<i64>; 2] = [Vec::new(), Vec::new()];
    let mut person = 0;
    for (index, (period, list)) in [(p2020, &plan.in_2020), (p2023, &plan.in_2023)]
        .into_iter()
        .enumerate()
    {
        for p in list.iter() {
            let id = sqlx::query_scalar!(
                r#"insert into partnerships (policy_period_id, name, legal_form, lead_organisation,
                                             is_demo, carried_over_from)
                   values ($1, $2, $3, $4, true, $5) returning partnership_id"#,
                period.policy_period_id,
                p.name,
                p.legal_form as LegalForm,
                p.lead_organisation,
                earlier.get(&p.name).copied()
            )
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query!(
                r#"insert into partnership_members (partnership_id, policy_period_id, vintage, nis_code)
                   select $1, $2, $3, unnest($4::text[])"#,
                id,
                period.policy_period_id,
                period.vintage,
                &p.members
            )
            .execute(&mut *tx)
            .await?;
            person += 1;
            sqlx::query!(
                r#"insert into appointments (partnership_id, person_name, person_email, fte,
                                             starts_on, ends_on, status, is_demo, request_note)
                   values ($1, $2, $3, 1.00, $4, $5, 'goedgekeurd', true, 'demogegevens')"#,
                id,
                format!("Demo-regisseur {person}"),
                format!("regisseur{person}@demo.invalid"),
                period.starts_on as _,
                period.ends_on as _
            )
            .execute(&mut *tx)
            .await?;
            earlier.insert(p.name.clone(), id);
            created[index].push(id);
        }
    }
    // A few demo actions per werkingsgebied and year, so lists, search and the priority matrix
    // show something; some priorities stay empty, as they would in reality.
    actions::generate(&mut tx, &created[0], 2020, 2022, 1, "demo").await?;
    actions::generate(&mut tx, &created[1], 2023, 2025, 2, "demo").await?;
    // VDAB agreements for 2023-2025 in a realistic spread of statuses; some areas have none.
    let agreement_count = agreements::generate(&mut tx, &created[1]).await?;
    // The real envelopes 2020-2025 with their sources, and demo allocations by the rule.
    let budget = budget::generate(&mut tx).await?;
    // The current period 2026-2031 with the werkingsgebieden carried over, and the yearly
    // reports of 2023-2025 with their review.
    let current = current_period::generate(&mut tx).await?;
    let report_summary = reports::generate(&mut tx).await?;

    sqlx::query!(
        "insert into seed_runs (name, content_sha256) values ($1, 'demo v1')",
        SEED_NAME
    )
    .execute(&mut *tx)
    .await?;
    crate::audit::Entry::new(crate::audit::Action::DemoDataLoaded)
        .details(serde_json::json!({
            "werkingsgebieden_2020": plan.in_2020.len(),
            "werkingsgebieden_2023": plan.in_2023.len(),
            "samenwerkingsovereenkomsten": agreement_count,
            "budget": budget.details(),
            "huidige_beleidsperiode": current.as_ref().map(current_period::Summary::details),
            "jaarrapporten": report_summary.details(),
        }))
        .record(&mut *tx, &crate::web::RequestContext::default())
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Whether the demo was loaded but the part recorded in `seed_runs` as `part` was not added
/// yet: a demo loaded before that part existed gets it once.
async fn part_missing(conn: &mut sqlx::PgConnection, part: &str) -> anyhow::Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from seed_runs where name = $1)
              and not exists(select 1 from seed_runs where name = $2) as "missing!""#,
        SEED_NAME,
        part
    )
    .fetch_one(&mut *conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_even() {
        let c = chunks(&[1, 2, 3, 4, 5, 6, 7], 3);
        assert_eq!(c, vec![vec![1, 2, 3], vec![4, 5], vec![6, 7]]);
    }

    #[test]
    fn the_order_is_stable() {
        assert_eq!(order("11002"), order("11002"));
        assert_ne!(order("11002"), order("11001"));
    }
}
