//! What the report page shows around the figures: the due date, the status history, the
//! submissions, the reviewer, the checklist and the message thread, read from the database and
//! made ready for the template.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgExecutor};

use super::model::ReportStatus;
use super::review::ITEMS;
use crate::database::Timestamp;
use crate::error::Result;
use crate::web::format;
use crate::web::forms::Choice;

/// Whether a report is late: its due date passed and it is not handed in (a report nobody
/// started, a concept, or one sent back and not yet submitted again).
pub fn is_late(due_on: Option<NaiveDate>, status: Option<ReportStatus>, today: NaiveDate) -> bool {
    due_on.is_some_and(|due| today > due) && !status.is_some_and(ReportStatus::handed_in)
}

/// The due date of the reports of `year`, if an admin set one.
pub async fn due_on(db: impl PgExecutor<'_>, year: i32) -> Result<Option<NaiveDate>> {
    Ok(sqlx::query_scalar!(
        r#"select due_on as "due_on: NaiveDate" from report_deadlines where year = $1"#,
        year as i16
    )
    .fetch_optional(db)
    .await?)
}

/// The name of the werkingsgebied's reviewer.
pub async fn reviewer(db: impl PgExecutor<'_>, partnership_id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        r#"select u.full_name from partnership_reviewers r join users u on u.user_id = r.reviewer_id
           where r.partnership_id = $1"#,
        partnership_id
    )
    .fetch_optional(db)
    .await?)
}

/// One status change.
pub struct HistoryLine {
    pub when: String,
    pub who: String,
    pub change: String,
    pub reason: String,
}

pub async fn history(db: impl PgExecutor<'_>, report_id: i64) -> Result<Vec<HistoryLine>> {
    let rows = sqlx::query!(
        r#"select t.from_status as "from_status: ReportStatus", t.to_status as "to_status: ReportStatus",
                  t.reason, u.full_name as "who?", t.changed_at as "changed_at: Timestamp"
           from report_transitions t left join users u on u.user_id = t.changed_by
           where t.report_id = $1 order by t.transition_id"#,
        report_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| HistoryLine {
            when: format::datetime(r.changed_at),
            who: r.who.unwrap_or_else(|| "-".into()),
            change: format!("{} → {}", r.from_status.label(), r.to_status.label()),
            reason: r.reason,
        })
        .collect())
}

/// One frozen submission.
pub struct SubmissionLine {
    pub number: i16,
    pub when: String,
    pub who: String,
}

pub async fn submissions(db: impl PgExecutor<'_>, report_id: i64) -> Result<Vec<SubmissionLine>> {
    let rows = sqlx::query!(
        r#"select s.number, s.submitted_at as "submitted_at: Timestamp", u.full_name as "who?"
           from report_submissions s left join users u on u.user_id = s.submitted_by
           where s.report_id = $1 order by s.number"#,
        report_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SubmissionLine {
            number: r.number,
            when: format::datetime(r.submitted_at),
            who: r.who.unwrap_or_else(|| "-".into()),
        })
        .collect())
}

/// The checklist states: code and label.
pub const STATES: [(&str, &str); 3] = [
    ("open", "open"),
    ("in_orde", "in orde"),
    ("opmerking", "opmerking"),
];

/// One checklist item as the page shows and the form edits it.
pub struct ChecklistLine {
    pub code: &'static str,
    pub label: &'static str,
    pub state: String,
    pub state_label: &'static str,
    pub remark: String,
    pub choices: Vec<Choice>,
}

/// Every item of [`ITEMS`], with what is stored for `report_id` (none: all open), or what the
/// user typed when a save was refused.
pub async fn checklist(
    db: impl PgExecutor<'_>,
    report_id: Option<i64>,
    typed: Option<&[(String, String, String)]>,
) -> Result<Vec<ChecklistLine>> {
    let stored = match report_id {
        Some(id) => sqlx::query!(
            r#"select item, state::text as "state!", remark from report_review_items
               where report_id = $1"#,
            id
        )
        .fetch_all(db)
        .await?
        .into_iter()
        .map(|r| (r.item, r.state, r.remark))
        .collect(),
        None => Vec::new(),
    };
    let source: &[(String, String, String)] = typed.unwrap_or(&stored);
    Ok(ITEMS
        .iter()
        .map(|(code, label)| {
            let (state, remark) = source
                .iter()
                .find(|(c, _, _)| c == code)
                .map(|(_, s, r)| (s.clone(), r.clone()))
                .unwrap_or_else(|| ("open".into(), String::new()));
            ChecklistLine {
                code,
                label,
                state_label: STATES
                    .iter()
                    .find(|(c, _)| *c == state)
                    .map_or("open", |(_, l)| l),
                choices: STATES
                    .iter()
                    .map(|(c, l)| Choice::new(c, *l, *c == state))
                    .collect(),
                state,
                remark,
            }
        })
        .collect())
}

/// The department's remarks on a report it sent back: the send-back's own remarks and every
/// checklist item marked "opmerking", each with who wrote it when and whether the werkingsgebied
/// answered it in the thread since.
pub struct SentBack {
    pub remarks: Vec<Remark>,
}

/// One remark of a sent-back report.
#[derive(Clone)]
pub struct Remark {
    /// The checklist item's code, or `terugsturen` for the send-back's own remarks.
    pub code: String,
    /// The section it is about.
    pub section: String,
    pub text: String,
    pub who: String,
    pub when: String,
    /// "beantwoord op ..." once a message answers it, else empty.
    pub answered: String,
}

/// What a message about remark `code` answers, in words; none for an unknown code.
pub fn about_phrase(code: &str) -> Option<String> {
    if code == SENT_BACK {
        return Some("de opmerkingen bij het terugsturen".into());
    }
    ITEMS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, label)| format!("de opmerking bij „{label}”"))
}

/// The code of the send-back's own remarks in `report_messages.about`.
pub const SENT_BACK: &str = "terugsturen";

/// The remarks of the last send-back of `report_id`, if it was ever sent back.
pub async fn sent_back(conn: &mut PgConnection, report_id: i64) -> Result<Option<SentBack>> {
    let Some(back) = sqlx::query!(
        r#"select t.reason, u.full_name as "who?", t.changed_at as "changed_at: Timestamp"
           from report_transitions t left join users u on u.user_id = t.changed_by
           where t.report_id = $1 and t.to_status = 'teruggestuurd'
           order by t.transition_id desc limit 1"#,
        report_id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let items = sqlx::query!(
        r#"select i.item, i.remark, u.full_name as "who?", i.updated_at as "updated_at: Timestamp"
           from report_review_items i left join users u on u.user_id = i.updated_by
           where i.report_id = $1 and i.state = 'opmerking'"#,
        report_id
    )
    .fetch_all(&mut *conn)
    .await?;
    // An answer is a message about the remark, written since the report was sent back.
    let answers = sqlx::query!(
        r#"select about as "about!", min(created_at) as "first!: Timestamp" from report_messages
           where report_id = $1 and about is not null and created_at >= $2
           group by about"#,
        report_id,
        back.changed_at
    )
    .fetch_all(&mut *conn)
    .await?;
    let answered = |code: &str| {
        answers
            .iter()
            .find(|a| a.about == code)
            .map(|a| format!("beantwoord op {}", format::datetime(a.first)))
            .unwrap_or_default()
    };
    let mut remarks = vec![Remark {
        code: SENT_BACK.into(),
        section: "Het rapport als geheel".into(),
        answered: answered(SENT_BACK),
        text: back.reason,
        who: back.who.unwrap_or_else(|| "-".into()),
        when: format::datetime(back.changed_at),
    }];
    for (code, label) in ITEMS {
        if let Some(item) = items.iter().find(|i| i.item == code) {
            remarks.push(Remark {
                code: code.into(),
                section: label.into(),
                text: item.remark.clone(),
                who: item.who.clone().unwrap_or_else(|| "-".into()),
                when: format::datetime(item.updated_at),
                answered: answered(code),
            });
        }
    }
    Ok(Some(SentBack { remarks }))
}

/// The remark with `code` of a sent-back report, which a message can answer.
pub fn remark_about(sent_back: Option<&SentBack>, code: &str) -> Option<Remark> {
    sent_back?.remarks.iter().find(|r| r.code == code).cloned()
}

/// One message of the thread.
pub struct MessageLine {
    pub author: String,
    /// "werkingsgebied" or "departement".
    pub side: String,
    pub when: String,
    pub body: String,
    /// "Antwoord gevraagd tegen ...", "te laat beantwoord", ... or empty.
    pub answer: String,
    pub overdue: bool,
    /// "Antwoord op ..." for a message that answers a remark, else empty.
    pub about: String,
}

/// What a message stands for when it asks an answer.
struct Posted {
    side: String,
    on: NaiveDate,
    answer_by: Option<NaiveDate>,
}

/// The answer line of message `i`: answered in time (nothing to say), answered late, waiting,
/// or waiting past the date. An answer is any later message from the other side.
fn answer_state(thread: &[Posted], i: usize, today: NaiveDate) -> (String, bool) {
    let Some(by) = thread[i].answer_by else {
        return (String::new(), false);
    };
    let answer = thread[i + 1..].iter().find(|m| m.side != thread[i].side);
    match answer {
        Some(a) if a.on > by => ("te laat beantwoord".into(), false),
        Some(_) => (
            format!("beantwoord (gevraagd tegen {})", format::date(by)),
            false,
        ),
        None if today > by => (
            format!(
                "wacht op antwoord — achterstallig (gevraagd tegen {})",
                format::date(by)
            ),
            true,
        ),
        None => (
            format!("antwoord gevraagd tegen {}", format::date(by)),
            false,
        ),
    }
}

pub async fn messages(
    db: impl PgExecutor<'_>,
    report_id: i64,
    today: NaiveDate,
) -> Result<Vec<MessageLine>> {
    let rows = sqlx::query!(
        r#"select u.full_name as author, m.side::text as "side!", m.body, m.about,
                  m.answer_by as "answer_by: NaiveDate", m.created_at as "created_at: Timestamp",
                  (m.created_at at time zone 'Europe/Brussels')::date as "on!: NaiveDate"
           from report_messages m join users u on u.user_id = m.author_id
           where m.report_id = $1 order by m.message_id"#,
        report_id
    )
    .fetch_all(db)
    .await?;
    let thread: Vec<Posted> = rows
        .iter()
        .map(|r| Posted {
            side: r.side.clone(),
            on: r.on,
            answer_by: r.answer_by,
        })
        .collect();
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let (answer, overdue) = answer_state(&thread, i, today);
            MessageLine {
                author: r.author,
                side: r.side,
                when: format::datetime(r.created_at),
                body: r.body,
                answer,
                overdue,
                about: r
                    .about
                    .as_deref()
                    .and_then(about_phrase)
                    .map(|phrase| format!("Antwoord op {phrase}"))
                    .unwrap_or_default(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).expect("date")
    }

    fn posted(side: &str, on: NaiveDate, answer_by: Option<NaiveDate>) -> Posted {
        Posted {
            side: side.into(),
            on,
            answer_by,
        }
    }

    #[test]
    fn a_report_is_late_only_after_its_due_date_and_when_not_handed_in() {
        let due = Some(d(3, 31));
        assert!(!is_late(due, None, d(3, 31)));
        assert!(is_late(due, None, d(4, 1)));
        assert!(is_late(due, Some(ReportStatus::Concept), d(4, 1)));
        assert!(is_late(due, Some(ReportStatus::Teruggestuurd), d(4, 1)));
        assert!(!is_late(due, Some(ReportStatus::Ingediend), d(4, 1)));
        assert!(!is_late(due, Some(ReportStatus::Goedgekeurd), d(4, 1)));
        assert!(!is_late(None, None, d(12, 31)));
    }

    #[test]
    fn a_question_waits_until_the_other_side_answers() {
        let thread = [
            posted("departement", d(4, 1), Some(d(4, 10))),
            posted("departement", d(4, 2), None),
        ];
        assert_eq!(
            answer_state(&thread, 0, d(4, 5)),
            ("antwoord gevraagd tegen 10/04/2026".to_string(), false)
        );
        assert_eq!(
            answer_state(&thread, 0, d(4, 11)),
            (
                "wacht op antwoord — achterstallig (gevraagd tegen 10/04/2026)".to_string(),
                true
            )
        );
        assert_eq!(answer_state(&thread, 1, d(4, 11)), (String::new(), false));
    }

    #[test]
    fn an_answer_after_the_date_is_late_and_one_before_is_fine() {
        let late = [
            posted("departement", d(4, 1), Some(d(4, 10))),
            posted("werkingsgebied", d(4, 12), None),
        ];
        assert_eq!(answer_state(&late, 0, d(5, 1)).0, "te laat beantwoord");
        let on_time = [
            posted("departement", d(4, 1), Some(d(4, 10))),
            posted("werkingsgebied", d(4, 10), None),
        ];
        assert!(!answer_state(&on_time, 0, d(5, 1)).1);
        assert!(
            answer_state(&on_time, 0, d(5, 1))
                .0
                .starts_with("beantwoord")
        );
    }
}
