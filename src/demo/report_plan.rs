//! The plan of the demo yearly reports: which story each report of a demo werkingsgebied tells
//! (which workflow steps it went through) and when. Pure functions; [`super::reports`] writes
//! them.
//!
//! 2023 and 2024 are (almost) all approved, a few after being sent back once; one 2024 report
//! was reopened. 2025 (due 31 March 2026) is a spread: not started (late), concept, submitted,
//! in review, sent back, approved.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Brussels;

use crate::reports::assemble::Narrative;
use crate::reports::model::{ReportStatus, Step};

/// The path a demo report took through the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Story {
    /// No report yet.
    NotStarted,
    Concept,
    Submitted,
    InReview,
    Approved,
    SentBack,
    /// Sent back, then submitted again (two submissions), waiting for review.
    Resubmitted,
    /// Sent back once, submitted again and approved.
    ApprovedAfterSendBack,
    /// Approved, then reopened with a reason: in review again.
    Reopened,
}

impl Story {
    /// The steps taken, in order.
    pub fn steps(self) -> &'static [Step] {
        use Step::*;
        match self {
            Self::NotStarted | Self::Concept => &[],
            Self::Submitted => &[Submit],
            Self::InReview => &[Submit, TakeUp],
            Self::Approved => &[Submit, TakeUp, Approve],
            Self::SentBack => &[Submit, TakeUp, SendBack],
            Self::Resubmitted => &[Submit, TakeUp, SendBack, Submit],
            Self::ApprovedAfterSendBack => &[Submit, TakeUp, SendBack, Submit, TakeUp, Approve],
            Self::Reopened => &[Submit, TakeUp, Approve, Reopen],
        }
    }

    /// The status the steps lead to.
    pub fn status(self) -> ReportStatus {
        self.steps()
            .iter()
            .fold(ReportStatus::Concept, |s, step| step.from(s).unwrap_or(s))
    }
}

/// The 2025 spread for 39 werkingsgebieden (scaled for another number).
const SPREAD_2025: [(Story, usize); 8] = [
    (Story::NotStarted, 7),
    (Story::Concept, 6),
    (Story::Resubmitted, 1),
    (Story::Submitted, 6),
    (Story::InReview, 7),
    (Story::SentBack, 4),
    (Story::ApprovedAfterSendBack, 1),
    (Story::Approved, 7),
];

/// The story of the report of the werkingsgebied at `position` (of `n`, in the demo's stable
/// pseudo-random order) for `year`.
pub fn story(year: i16, position: usize, n: usize) -> Story {
    match year {
        2023 if position % 13 == 4 => Story::ApprovedAfterSendBack,
        2024 if position == 0 => Story::Reopened,
        2024 if position % 10 == 7 => Story::ApprovedAfterSendBack,
        2023 | 2024 => Story::Approved,
        _ => {
            let total: usize = SPREAD_2025.iter().map(|s| s.1).sum();
            let mut cumulative = 0;
            for (story, count) in SPREAD_2025 {
                cumulative += count;
                if position < (cumulative * n).div_ceil(total) {
                    return story;
                }
            }
            Story::Approved
        }
    }
}

/// The day of the first submission (or, for a concept, of its creation). 2023, 2024 and the
/// approved 2025 reports came in before 31 March; the 2025 reports still under way came in
/// late, in the second half of 2026.
pub fn first_day(year: i16, story: Story, position: usize) -> NaiveDate {
    let next = i32::from(year) + 1;
    let (month, day, spread) = match (year, story) {
        (2025, Story::Concept) => (2, 10, 30),
        (2025, Story::Submitted) => (10, 12, 40),
        (2025, Story::InReview) => (9, 1, 45),
        (2025, Story::SentBack) => (8, 3, 20),
        (2025, Story::Resubmitted) => (3, 20, 5),
        _ => (2, 1, 56),
    };
    let start = NaiveDate::from_ymd_opt(next, month, day).unwrap_or_default();
    start + Duration::days(((position * 7) % spread) as i64)
}

/// Days between a step and the one before it.
fn gap(step: Step) -> i64 {
    match step {
        Step::Submit => 21,
        Step::TakeUp => 5,
        Step::Approve => 18,
        Step::SendBack => 12,
        Step::Reopen => 45,
    }
}

/// When each step of `story` was taken: during office hours, Belgian time, and never later
/// than `now` (the whole history moves back when it would end in the future).
pub fn timeline(
    story: Story,
    first: NaiveDate,
    position: usize,
    now: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut day = first;
    let mut out = Vec::new();
    for (k, step) in story.steps().iter().enumerate() {
        if k > 0 {
            day += Duration::days(gap(*step));
        }
        let local = day
            .and_hms_opt(9 + (k as u32 % 7), (position as u32 * 7) % 60, 0)
            .unwrap_or_default();
        let at = Brussels
            .from_local_datetime(&local)
            .earliest()
            .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc));
        out.push(at);
    }
    let latest = now - Duration::hours(1);
    if let Some(&last) = out.last()
        && last > latest
    {
        let shift = last - latest;
        for t in &mut out {
            *t -= shift;
        }
    }
    out
}

/// The demo narrative; `revised` is the text after a send-back, `complete` false gives the
/// half-written text of a concept.
pub fn narrative(area: &str, year: i16, revised: bool, complete: bool) -> Narrative {
    let mut n = Narrative {
        context: format!(
            "Demotekst: in {year} bouwde {area} verder aan de lokale regie sociale economie en \
             werk. Deze tekst is verzonnen om de toepassing te leren kennen."
        ),
        worked: "Demotekst: het regieoverleg met OCMW, VDAB en de sociale economie kwam elk \
                 kwartaal samen; de jobbeurs bereikte meer niet-beroepsactieven dan gepland."
            .to_string(),
        not_worked: String::new(),
        plans: String::new(),
    };
    if complete {
        n.not_worked = "Demotekst: lokale werkgevers waren moeilijk te bereiken voor de acties \
                        rond maatschappelijk verantwoord ondernemen."
            .to_string();
        n.plans = "Demotekst: volgend jaar meer inzetten op werkplekleren in de sociale economie."
            .to_string();
    }
    if revised {
        n.plans.push_str(
            " Na de opmerkingen van het departement: per prioriteit een concreet plan met \
             timing en partners, en het bereik per doelgroep aangevuld.",
        );
    }
    n
}

/// The remarks of a send-back and the reason of a reopening.
pub fn reason(step: Step) -> &'static str {
    match step {
        Step::SendBack => {
            "Demotekst: het bereik per doelgroep ontbreekt voor twee acties en de plannen zijn \
             te algemeen. Graag aanvullen en opnieuw indienen."
        }
        Step::Reopen => {
            "Demotekst: heropend omdat de uitgaven in het financieel verslag niet overeenkomen \
             met de toelichting."
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_story_ends_in_the_status_its_steps_allow() {
        assert_eq!(Story::Concept.status(), ReportStatus::Concept);
        assert_eq!(Story::Resubmitted.status(), ReportStatus::Ingediend);
        assert_eq!(Story::SentBack.status(), ReportStatus::Teruggestuurd);
        assert_eq!(
            Story::ApprovedAfterSendBack.status(),
            ReportStatus::Goedgekeurd
        );
        assert_eq!(Story::Reopened.status(), ReportStatus::InBehandeling);
        // Every step is allowed from where the previous one left the report.
        for story in [
            Story::ApprovedAfterSendBack,
            Story::Reopened,
            Story::Resubmitted,
        ] {
            let mut status = ReportStatus::Concept;
            for step in story.steps() {
                status = step.from(status).expect("an allowed step");
            }
        }
    }

    #[test]
    fn the_2025_spread_covers_every_state_for_39_areas() {
        let stories: Vec<Story> = (0..39).map(|i| story(2025, i, 39)).collect();
        let count = |s: Story| stories.iter().filter(|x| **x == s).count();
        assert_eq!(count(Story::NotStarted), 7);
        assert_eq!(count(Story::Concept), 6);
        assert_eq!(count(Story::Submitted) + count(Story::Resubmitted), 7);
        assert_eq!(count(Story::InReview), 7);
        assert_eq!(count(Story::SentBack), 4);
        assert_eq!(
            count(Story::Approved) + count(Story::ApprovedAfterSendBack),
            8
        );
    }

    #[test]
    fn a_timeline_never_ends_in_the_future() {
        let now = Utc::now();
        let times = timeline(Story::ApprovedAfterSendBack, now.date_naive(), 3, now);
        assert_eq!(times.len(), 6);
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert!(*times.last().unwrap() < now);
    }
}
