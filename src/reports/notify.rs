//! Who is told about a report event and what the notice says. The werkingsgebied's side are its
//! regisseurs (a current appointment, also of the werkingsgebied carried over from it); the department's side is the assigned reviewer, or every
//! active ministry user when the werkingsgebied has none (someone must hear of a submission).
//! The author of a change is never told about their own change.
//!
//! Called inside the transaction of the change, through [`crate::notifications::notify`].

use sqlx::PgConnection;

use super::access::writers;
use super::db::{self, Area};
use crate::error::Result;
use crate::notifications::{self, Kind, Notice};
use crate::state::AppState;

/// The assigned reviewer of werkingsgebied `partnership_id`, while they are an active ministry
/// user.
pub async fn reviewer(conn: &mut PgConnection, partnership_id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        r#"select u.user_id from partnership_reviewers r
           join users u on u.user_id = r.reviewer_id
           where r.partnership_id = $1 and u.active and u.role = 'ministry'"#,
        partnership_id
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// The reviewer, or every active ministry user when there is none.
async fn department(conn: &mut PgConnection, partnership_id: i64) -> Result<Vec<i64>> {
    if let Some(reviewer) = reviewer(conn, partnership_id).await? {
        return Ok(vec![reviewer]);
    }
    Ok(sqlx::query_scalar!(
        "select user_id from users where role = 'ministry' and active order by user_id"
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Something that happened to a report that someone must hear of.
pub enum Event<'a> {
    /// The regisseur submitted it: the department hears.
    Submitted,
    /// Ministry staff took it up: the regisseurs hear.
    TakenUp,
    /// Sent back with these remarks: the regisseurs hear.
    SentBack(&'a str),
    /// Approved: the regisseurs hear.
    Approved,
    /// Reopened for this reason: the regisseurs and the reviewer hear.
    Reopened(&'a str),
    /// A message from the werkingsgebied (`from_area`) or the department: the other side hears.
    Message { from_area: bool, body: &'a str },
}

impl Event<'_> {
    fn kind(&self) -> Kind {
        match self {
            Self::Submitted => Kind::ReportSubmitted,
            Self::TakenUp => Kind::ReportInReview,
            Self::SentBack(_) => Kind::ReportSentBack,
            Self::Approved => Kind::ReportApproved,
            Self::Reopened(_) => Kind::ReportReopened,
            Self::Message { .. } => Kind::ReportMessage,
        }
    }

    /// The notice about report `year` of `area`.
    fn notice(&self, area: &Area, year: i32) -> Notice {
        let report = format!("Jaarrapport {year} van {}", area.name);
        let path = db::path(area.partnership_id, year);
        let (title, body) = match self {
            Self::Submitted => (format!("{report} is ingediend"), ""),
            Self::TakenUp => (format!("{report} is in behandeling genomen"), ""),
            Self::SentBack(remarks) => (format!("{report} is teruggestuurd"), *remarks),
            Self::Approved => (format!("{report} is goedgekeurd"), ""),
            Self::Reopened(reason) => (format!("{report} is heropend"), *reason),
            Self::Message { body, .. } => (
                format!("Nieuw bericht bij het jaarrapport {year} van {}", area.name),
                *body,
            ),
        };
        let link = match self {
            Self::Message { .. } => format!("{path}#berichten"),
            _ => path,
        };
        Notice::new(self.kind(), title, link).body(body)
    }
}

/// Notifies whoever must hear of `event` on report `year` of `area`, except `author`.
pub async fn send(
    conn: &mut PgConnection,
    state: &AppState,
    area: &Area,
    year: i32,
    event: &Event<'_>,
    author: i64,
) -> Result<u64> {
    let p = area.partnership_id;
    let mut recipients = match event {
        Event::Submitted
        | Event::Message {
            from_area: true, ..
        } => department(conn, p).await?,
        Event::TakenUp
        | Event::SentBack(_)
        | Event::Approved
        | Event::Message {
            from_area: false, ..
        } => writers(&mut *conn, p, year).await?,
        Event::Reopened(_) => {
            let mut ids = writers(&mut *conn, p, year).await?;
            ids.extend(reviewer(conn, p).await?);
            ids
        }
    };
    recipients.retain(|&id| id != author);
    notifications::notify(
        conn,
        &state.config.public_url,
        &recipients,
        &event.notice(area, year),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area() -> Area {
        Area {
            partnership_id: 7,
            name: "Regio Leie".into(),
            period_name: "2023-2025".into(),
            first_year: 2023,
            last_year: 2025,
            is_demo: false,
        }
    }

    #[test]
    fn a_notice_names_the_report_and_links_to_it() {
        let sent_back = Event::SentBack("Graag aanvullen.").notice(&area(), 2025);
        assert_eq!(
            sent_back.title,
            "Jaarrapport 2025 van Regio Leie is teruggestuurd"
        );
        assert_eq!(sent_back.body, "Graag aanvullen.");
        assert_eq!(sent_back.link, "/jaarrapporten/7/2025");
        assert_eq!(sent_back.kind, Kind::ReportSentBack);

        let message = Event::Message {
            from_area: true,
            body: "Waar blijft het?",
        }
        .notice(&area(), 2024);
        assert_eq!(message.link, "/jaarrapporten/7/2024#berichten");
        assert_eq!(message.kind, Kind::ReportMessage);
    }
}
