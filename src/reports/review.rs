//! TODO(skeleton): the reviewer's checklist (`POST /jaarrapporten/{partnership}/{year}/controlelijst`).

use axum::Router;

use crate::state::AppState;

/// The checklist every report is reviewed against: (code, what the reviewer checks). The codes
/// are fixed by the database (`report_review_items_item`).
pub const ITEMS: [(&str, &str); 6] = [
    (
        "prioriteiten",
        "Elke prioriteit heeft minstens één actie in het jaar",
    ),
    (
        "bereik",
        "Het bereik per doelgroep (gepland en bereikt) is verklaard",
    ),
    ("partners", "De partners en hun rol zijn duidelijk"),
    (
        "overeenkomst",
        "De samenwerkingsovereenkomst met VDAB wordt opgevolgd",
    ),
    ("budget", "De besteding past binnen de toekenning"),
    (
        "toelichting",
        "De toelichting is volledig: context, wat werkte, wat niet, plannen",
    ),
];

pub fn router() -> Router<AppState> {
    Router::new()
}
