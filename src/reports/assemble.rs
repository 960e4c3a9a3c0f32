//! The report's figures, assembled from the data of one werkingsgebied and year: actions per
//! priority (with the rule "at least one action per priority per year"), reach per target group,
//! partners, the VDAB agreement's commitments and meetings of that year, and the budget
//! (allocated, paid, spent). A submission freezes them as a [`Snapshot`] in
//! `report_submissions.snapshot` (JSON); the page of a draft assembles them afresh.
//!
//! Every field is `#[serde(default)]`-tolerant so that a snapshot stored by an older version
//! still reads. Labels are stored as shown, so a submission reads as it was submitted.
//!
//! An action belongs to a year when its dates overlap it (an action without an end date lasts
//! its start day), exactly as the priority check counts (`action_priority_counts`): deleted and
//! cancelled actions do not count. Cancelled actions are listed apart, by title, so a reviewer
//! sees what was planned and dropped.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::actions::model::{PRIORITIES, PartnerKind, target_group_label};
use crate::agreements::model::{AgreementStatus, CommitmentSide, CommitmentStatus};
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
    /// The werkingsgebied's name as it was.
    pub area_name: String,
    /// The policy period's name.
    pub period_name: String,
    /// Names of the member municipalities, alphabetically.
    pub municipalities: Vec<String>,
    /// WSE-LR1..LR4, in that order, with the actions of the year.
    pub priorities: Vec<PriorityFigures>,
    /// Actions of the year (not cancelled), counted once each.
    pub actions_total: i64,
    /// Titles of the year's cancelled actions (they do not count for the priorities).
    pub cancelled: Vec<String>,
    /// The year's actions (not cancelled) without participants reached or without results.
    pub incomplete: Vec<IncompleteAction>,
    /// Planned and reached participants per target group.
    pub reach: Vec<Reach>,
    /// Distinct partners over the year's actions.
    pub partners: Vec<Partner>,
    /// The VDAB agreements in force during the year.
    pub agreements: Vec<AgreementFigures>,
    pub budget: BudgetFigures,
}

/// One priority in one year.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PriorityFigures {
    pub priority: i16,
    /// `WSE-LR1`.
    pub code: String,
    pub label: String,
    pub count: i64,
    pub titles: Vec<String>,
}

impl PriorityFigures {
    /// The rule: at least one action per priority per year.
    pub fn met(&self) -> bool {
        self.count >= 1
    }
}

impl ReportData {
    /// Whether every priority has at least one action this year.
    pub fn all_priorities_met(&self) -> bool {
        !self.priorities.is_empty() && self.priorities.iter().all(PriorityFigures::met)
    }

    pub fn reach_planned(&self) -> i64 {
        self.reach.iter().map(|r| r.planned).sum()
    }

    pub fn reach_reached(&self) -> i64 {
        self.reach.iter().map(|r| r.reached).sum()
    }
}

/// An action of the year that says nothing of what it achieved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncompleteAction {
    pub title: String,
    /// No participant reached in any target group.
    pub no_reach: bool,
    /// The results field is empty.
    pub no_results: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reach {
    pub target_group: String,
    pub label: String,
    pub planned: i64,
    pub reached: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Partner {
    pub name: String,
    /// The kind's label (`OCMW`).
    pub kind: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgreementFigures {
    pub agreement_id: i64,
    pub title: String,
    /// The status label.
    pub status: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub commitments: Vec<CommitmentFigures>,
    /// Follow-up meetings held during the year.
    pub meetings: Vec<MeetingFigures>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommitmentFigures {
    pub description: String,
    /// Who carries it (label) and the name given.
    pub owner: String,
    pub deadline: Option<NaiveDate>,
    /// The status label.
    pub status: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingFigures {
    pub held_on: Option<NaiveDate>,
    pub participants: String,
    pub decisions: String,
    /// How many commitments had their status recorded at this meeting.
    pub commitments_followed: i64,
}

/// Money of the year, in cents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetFigures {
    /// The allocation in force; none when no allocation was decided.
    pub allocated_cents: Option<i64>,
    /// Payments net: advances and balances minus recoveries.
    pub paid_cents: i64,
    /// The spending the werkingsgebied reported (staff + operating + actions); none if not reported.
    pub spent_cents: Option<i64>,
    /// Costs logged on the actions that start in the year.
    pub action_costs_cents: i64,
}

/// What a submission freezes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub assembled_at: DateTime<Utc>,
    pub data: ReportData,
    pub narrative: Narrative,
}

/// One action of the year as the query returns it.
struct YearAction {
    title: String,
    priorities: Vec<i16>,
    cancelled: bool,
    no_reach: bool,
    no_results: bool,
}

/// Groups the year's actions per priority (WSE-LR1..LR4, each present even when empty).
fn per_priority(actions: &[YearAction]) -> Vec<PriorityFigures> {
    PRIORITIES
        .iter()
        .map(|(p, code, label)| {
            let titles: Vec<String> = actions
                .iter()
                .filter(|a| !a.cancelled && a.priorities.contains(p))
                .map(|a| a.title.clone())
                .collect();
            PriorityFigures {
                priority: *p,
                code: (*code).to_string(),
                label: (*label).to_string(),
                count: titles.len() as i64,
                titles,
            }
        })
        .collect()
}

/// Assembles the figures of werkingsgebied `partnership_id` for `year` as the data says now.
pub async fn assemble(
    conn: &mut PgConnection,
    partnership_id: i64,
    year: i32,
) -> Result<ReportData> {
    let area = sqlx::query!(
        r#"select p.name, pp.name as period_name,
                  coalesce(array_agg(m.name_nl order by m.name_nl)
                           filter (where m.name_nl is not null), '{}') as "municipalities!"
           from partnerships p
           join policy_periods pp using (policy_period_id)
           left join partnership_members pm on pm.partnership_id = p.partnership_id
           left join municipalities m on m.vintage = pm.vintage and m.nis_code = pm.nis_code
           where p.partnership_id = $1
           group by p.partnership_id, pp.policy_period_id"#,
        partnership_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(area) = area else {
        return Ok(ReportData::default());
    };

    // The same "belongs to the year" as the priority counts' triggers.
    let actions = sqlx::query_as!(
        YearAction,
        r#"select title, priorities as "priorities!", status = 'geannuleerd' as "cancelled!",
                  not exists (select 1 from action_participants ap
                              where ap.action_id = a.action_id and ap.reached > 0) as "no_reach!",
                  btrim(results) = '' as "no_results!"
           from actions a
           where partnership_id = $1 and deleted_at is null
             and $2 between extract(year from starts_on)::int
                        and extract(year from coalesce(ends_on, starts_on))::int
           order by starts_on, action_id"#,
        partnership_id,
        year
    )
    .fetch_all(&mut *conn)
    .await?;

    let reach = sqlx::query!(
        r#"select ap.target_group, sum(ap.planned)::bigint as "planned!",
                  sum(ap.reached)::bigint as "reached!"
           from action_participants ap join actions a using (action_id)
           where a.partnership_id = $1 and a.deleted_at is null and a.status <> 'geannuleerd'
             and $2 between extract(year from a.starts_on)::int
                        and extract(year from coalesce(a.ends_on, a.starts_on))::int
           group by ap.target_group
           order by ap.target_group"#,
        partnership_id,
        year
    )
    .fetch_all(&mut *conn)
    .await?;

    let partners = sqlx::query!(
        r#"select distinct pa.name, pa.kind as "kind: PartnerKind"
           from action_partners pa join actions a using (action_id)
           where a.partnership_id = $1 and a.deleted_at is null and a.status <> 'geannuleerd'
             and $2 between extract(year from a.starts_on)::int
                        and extract(year from coalesce(a.ends_on, a.starts_on))::int
           order by pa.name"#,
        partnership_id,
        year
    )
    .fetch_all(&mut *conn)
    .await?;

    let agreements = agreements(conn, partnership_id, year).await?;

    // Allocated, paid and spent as every budget page reads them (`budget::signals`).
    let budget = sqlx::query_as!(
        BudgetFigures,
        r#"select bp.allocated_cents as "allocated_cents",
                  coalesce(bp.paid_cents, 0)::bigint as "paid_cents!",
                  bp.spent_cents as "spent_cents",
                  (select coalesce(sum(cost_cents), 0)::bigint from actions
                   where partnership_id = $1 and deleted_at is null
                     and extract(year from starts_on)::int = $2::int) as "action_costs_cents!"
           from (select 1) as one
           left join budget_positions bp on bp.partnership_id = $1 and bp.year = $2"#,
        partnership_id,
        year as i16
    )
    .fetch_one(&mut *conn)
    .await?;

    Ok(ReportData {
        area_name: area.name,
        period_name: area.period_name,
        municipalities: area.municipalities,
        priorities: per_priority(&actions),
        actions_total: actions.iter().filter(|a| !a.cancelled).count() as i64,
        cancelled: actions
            .iter()
            .filter(|a| a.cancelled)
            .map(|a| a.title.clone())
            .collect(),
        incomplete: actions
            .iter()
            .filter(|a| !a.cancelled && (a.no_reach || a.no_results))
            .map(|a| IncompleteAction {
                title: a.title.clone(),
                no_reach: a.no_reach,
                no_results: a.no_results,
            })
            .collect(),
        reach: reach
            .into_iter()
            .map(|r| Reach {
                label: target_group_label(&r.target_group).to_string(),
                target_group: r.target_group,
                planned: r.planned,
                reached: r.reached,
            })
            .collect(),
        partners: partners
            .into_iter()
            .map(|p| Partner {
                name: p.name,
                kind: p.kind.label().to_string(),
            })
            .collect(),
        agreements,
        budget,
    })
}

/// The agreements in force during `year` (not stopped, dates overlapping the year), with all
/// their commitments and the meetings held in the year.
async fn agreements(
    conn: &mut PgConnection,
    partnership_id: i64,
    year: i32,
) -> Result<Vec<AgreementFigures>> {
    let rows = sqlx::query!(
        r#"select agreement_id, title, status as "status: AgreementStatus",
                  starts_on as "starts_on: NaiveDate", ends_on as "ends_on: NaiveDate",
                  signed_on as "signed_on: NaiveDate"
           from agreements
           where partnership_id = $1 and status <> 'stopgezet'
             and $2 between extract(year from starts_on)::int and extract(year from ends_on)::int
           order by starts_on, agreement_id"#,
        partnership_id,
        year
    )
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.agreement_id).collect();
    let commitments = sqlx::query!(
        r#"select agreement_id, description, owner_side as "owner_side: CommitmentSide",
                  owner_name, deadline as "deadline: NaiveDate", status as "status: CommitmentStatus"
           from commitments where agreement_id = any($1)
           order by deadline, commitment_id"#,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let meetings = sqlx::query!(
        r#"select m.agreement_id, m.held_on as "held_on: NaiveDate", m.participants, m.decisions,
                  (select count(*) from meeting_commitment_statuses s
                   where s.meeting_id = m.meeting_id) as "followed!"
           from agreement_meetings m
           where m.agreement_id = any($1) and extract(year from m.held_on)::int = $2
           order by m.held_on, m.meeting_id"#,
        &ids,
        year
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|a| AgreementFigures {
            agreement_id: a.agreement_id,
            title: a.title,
            status: a.status.label().to_string(),
            starts_on: Some(a.starts_on),
            ends_on: Some(a.ends_on),
            signed_on: a.signed_on,
            commitments: commitments
                .iter()
                .filter(|c| c.agreement_id == a.agreement_id)
                .map(|c| CommitmentFigures {
                    description: c.description.clone(),
                    owner: format!("{} ({})", c.owner_name, c.owner_side.label()),
                    deadline: Some(c.deadline),
                    status: c.status.label().to_string(),
                })
                .collect(),
            meetings: meetings
                .iter()
                .filter(|m| m.agreement_id == a.agreement_id)
                .map(|m| MeetingFigures {
                    held_on: Some(m.held_on),
                    participants: m.participants.clone(),
                    decisions: m.decisions.clone(),
                    commitments_followed: m.followed,
                })
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(title: &str, priorities: &[i16], cancelled: bool) -> YearAction {
        YearAction {
            title: title.to_string(),
            priorities: priorities.to_vec(),
            cancelled,
            no_reach: false,
            no_results: false,
        }
    }

    #[test]
    fn every_priority_is_listed_and_an_empty_one_is_not_met() {
        let rows = per_priority(&[action("Jobbeurs", &[1, 2], false)]);
        let counts: Vec<(String, i64, bool)> = rows
            .iter()
            .map(|r| (r.code.clone(), r.count, r.met()))
            .collect();
        assert_eq!(
            counts,
            vec![
                ("WSE-LR1".to_string(), 1, true),
                ("WSE-LR2".to_string(), 1, true),
                ("WSE-LR3".to_string(), 0, false),
                ("WSE-LR4".to_string(), 0, false),
            ]
        );
    }

    #[test]
    fn a_cancelled_action_does_not_meet_the_rule() {
        let rows = per_priority(&[
            action("Geschrapt", &[1, 2, 3, 4], true),
            action("Overleg", &[4], false),
        ]);
        assert_eq!(
            rows.iter().map(PriorityFigures::met).collect::<Vec<_>>(),
            vec![false, false, false, true]
        );
        assert_eq!(rows[3].titles, vec!["Overleg".to_string()]);
    }

    #[test]
    fn the_rule_holds_when_all_four_priorities_have_an_action() {
        let data = ReportData {
            priorities: per_priority(&[action("A", &[1, 2], false), action("B", &[3, 4], false)]),
            ..ReportData::default()
        };
        assert!(data.all_priorities_met());
        assert!(!ReportData::default().all_priorities_met());
    }

    #[test]
    fn an_older_snapshot_without_new_fields_still_reads() {
        let data: ReportData =
            serde_json::from_str(r#"{"area_name":"Regio Noord","budget":{"paid_cents":5}}"#)
                .expect("reads");
        assert_eq!(data.area_name, "Regio Noord");
        assert_eq!(data.budget.paid_cents, 5);
        assert!(data.priorities.is_empty());
    }
}
