//! What the dashboard shows beside the health view, in one statement: the year's due date, the
//! messages waiting for an answer past their date, the reports to review and the user's saved
//! filters. Four small queries in sequence cost four round trips on every view of the page.

use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::PgExecutor;
use sqlx::types::Json;

use super::figures::Item;
use super::saved::SavedFilter;
use crate::error::Result;
use crate::reports::model::ReportStatus;
use crate::web::format;

/// How many reports to review the dashboard lists; the reports list has the rest.
const TO_REVIEW: i64 = 10;

/// A report waiting for review: handed in (ingediend) or being reviewed (in behandeling).
pub struct ToReview {
    pub name: String,
    pub year: i16,
    pub status: &'static str,
    /// This user is the werkingsgebied's reviewer.
    pub mine: bool,
    pub href: String,
}

pub struct Beside {
    pub due_on: Option<NaiveDate>,
    /// Messages of the year's reports whose answer date passed without a later message from
    /// the other side, oldest answer date first.
    pub unanswered: Vec<Item>,
    /// The reports waiting for review, of any year: the ones this user reviews first, then the
    /// oldest year; at most [`TO_REVIEW`], with how many there are in all.
    pub to_review: Vec<ToReview>,
    pub to_review_total: i64,
    /// The user's saved filters, by name.
    pub saved: Vec<SavedFilter>,
}

#[derive(Debug, Deserialize)]
struct Unanswered {
    partnership_id: i64,
    name: String,
    side: String,
    answer_by: NaiveDate,
}

#[derive(Debug, Deserialize)]
struct Review {
    partnership_id: i64,
    name: String,
    year: i16,
    status: ReportStatus,
    mine: bool,
    total: i64,
}

#[derive(Debug, Deserialize)]
struct Saved {
    filter_id: i64,
    name: String,
    query: String,
}

pub async fn load(
    db: impl PgExecutor<'_>,
    user_id: i64,
    year: i16,
    today: NaiveDate,
) -> Result<Beside> {
    let row = sqlx::query!(
        r#"select
             (select due_on from report_deadlines where year = $1) as "due_on: NaiveDate",
             (select coalesce(json_agg(u order by u.answer_by, u.message_id), '[]')
              from (select r.partnership_id, p.name, m.side::text as side, m.answer_by,
                           m.message_id
                    from report_messages m
                    join reports r on r.report_id = m.report_id
                    join partnerships p on p.partnership_id = r.partnership_id
                    where r.year = $1 and m.answer_by < $2
                      and not exists (
                          select 1 from report_messages l
                          where l.report_id = m.report_id and l.message_id > m.message_id
                            and l.side <> m.side)) u
             ) as "unanswered!: Json<Vec<Unanswered>>",
             (select coalesce(json_agg(t order by t.n), '[]')
              from (select r.partnership_id, p.name, r.year, r.status,
                           coalesce(pr.reviewer_id = $3, false) as mine,
                           count(*) over () as total,
                           row_number() over (order by coalesce(pr.reviewer_id = $3, false) desc,
                                                       r.year, lower(p.name)) as n
                    from reports r
                    join partnerships p on p.partnership_id = r.partnership_id
                    left join partnership_reviewers pr on pr.partnership_id = r.partnership_id
                    where r.status in ('ingediend', 'in_behandeling')
                    order by n
                    limit $4) t
             ) as "to_review!: Json<Vec<Review>>",
             (select coalesce(json_agg(f order by f.name, f.filter_id), '[]')
              from (select filter_id, name, query from saved_filters
                    where user_id = $3 and page = 'overzicht') f
             ) as "saved!: Json<Vec<Saved>>""#,
        year,
        today as NaiveDate,
        user_id,
        TO_REVIEW,
    )
    .fetch_one(db)
    .await?;
    let to_review_total = row.to_review.0.first().map_or(0, |r| r.total);
    Ok(Beside {
        due_on: row.due_on,
        unanswered: row
            .unanswered
            .0
            .into_iter()
            .map(|u| unanswered_item(u, year))
            .collect(),
        to_review: row
            .to_review
            .0
            .into_iter()
            .map(|r| ToReview {
                href: crate::reports::db::path(r.partnership_id, r.year.into()),
                name: r.name,
                year: r.year,
                status: r.status.label(),
                mine: r.mine,
            })
            .collect(),
        to_review_total,
        saved: row
            .saved
            .0
            .into_iter()
            .map(|f| SavedFilter {
                filter_id: f.filter_id,
                name: f.name,
                href: if f.query.is_empty() {
                    "/overzicht".into()
                } else {
                    format!("/overzicht?{}", f.query)
                },
            })
            .collect(),
    })
}

fn unanswered_item(u: Unanswered, year: i16) -> Item {
    // The side that wrote waits for the other.
    let waits_for = if u.side == "departement" {
        "het werkingsgebied"
    } else {
        "het departement"
    };
    Item {
        name: u.name,
        text: format!(
            "bericht wacht op antwoord van {waits_for} sinds {}",
            format::date(u.answer_by)
        ),
        href: format!(
            "{}#berichten",
            crate::reports::db::path(u.partnership_id, year.into())
        ),
    }
}
