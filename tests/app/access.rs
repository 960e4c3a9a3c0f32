//! Who may open what: every route against every role, including signed-out visitors.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::helpers::TestApp;

#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Signed(Role),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Ok,
    Unprocessable,
    Redirect,
    ToLogin,
    Forbidden,
    Gone,
}

use Expect::*;

/// (method, path, anonymous, admin, ministry, regisseur, vdab). `{user}` is a user other than the
/// signed-in one; `{partnership}` a werkingsgebied of 2023-2025 without a regisseur,
/// `{appointment}` a pending request for it, `{period}` that period, `{action}` an action of it,
/// `{agreement}` an agreement of it (ontwerp), `{commitment}` a commitment of that agreement,
/// `{document}` a PDF of it. The regisseur is not that werkingsgebied's regisseur; the VDAB
/// account manager has no assignment (their reach is tested in `vdab.rs`).
#[rustfmt::skip]
const ROUTES: &[(&str, &str, Expect, Expect, Expect, Expect, Expect)] = &[
    ("GET", "/", ToLogin, Ok, Redirect, Ok, Ok),
    ("GET", "/over", Ok, Ok, Ok, Ok, Ok),
    ("GET", "/healthz", Ok, Ok, Ok, Ok, Ok),
    ("GET", "/readyz", Ok, Ok, Ok, Ok, Ok),
    ("GET", "/login", Ok, Redirect, Redirect, Redirect, Redirect),
    ("GET", "/wachtwoord", ToLogin, Ok, Ok, Ok, Ok),
    ("GET", "/gemeenten", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/gemeenten/44021", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/admin/gebruikers", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("GET", "/admin/gebruikers/nieuw", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("GET", "/admin/gebruikers/{user}", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("GET", "/admin/audit", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/gebruikers/nieuw", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/gebruikers/{user}/bewerken", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/gebruikers/{user}/deactiveren", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/gebruikers/{user}/activeren", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/gebruikers/{user}/wachtwoord-reset", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("POST", "/wachtwoord", ToLogin, Unprocessable, Unprocessable, Unprocessable, Unprocessable),
    ("POST", "/logout", ToLogin, ToLogin, ToLogin, ToLogin, ToLogin),
    ("GET", "/werkingsgebieden", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/werkingsgebieden/{partnership}", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/werkingsgebieden/nieuw", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/nieuw", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/werkingsgebieden/{partnership}/bewerken", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/{partnership}/bewerken", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/werkingsgebieden/{partnership}/contact", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/{partnership}/contact", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("GET", "/werkingsgebieden/{partnership}/leden", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/{partnership}/leden/toevoegen", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/{partnership}/leden/verwijderen", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/{partnership}/overdragen", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    // The confirmation before carrying over; without a next period it sends back (Redirect).
    ("GET", "/werkingsgebieden/{partnership}/overdragen", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("GET", "/aanstellingen", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/aanstellingen/nieuw", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("POST", "/aanstellingen/nieuw", ToLogin, Unprocessable, Unprocessable, Forbidden, Forbidden),
    ("GET", "/aanstellingen/{appointment}", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("POST", "/aanstellingen/{appointment}/goedkeuren", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("POST", "/aanstellingen/{appointment}/afwijzen", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/aanstellingen/{appointment}/beeindigen", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    // Confirmations before approving and ending; a pending request cannot be ended (Redirect).
    ("GET", "/aanstellingen/{appointment}/goedkeuren", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("GET", "/aanstellingen/{appointment}/beeindigen", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("GET", "/dekking", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/dekking/simulatie", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/admin/beleidsperiodes", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("GET", "/admin/beleidsperiodes/nieuw", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/beleidsperiodes/nieuw", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/admin/beleidsperiodes/{period}/bewerken", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/beleidsperiodes/{period}/bewerken", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/wachtwoord-instellen/onbekend", Gone, Gone, Gone, Gone, Gone),
    ("GET", "/acties", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/acties?q=overleg&prioriteit=1&sortering=oudste", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/acties/{action}", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/acties/export.csv", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/werkingsgebieden/{partnership}/acties", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/prioriteiten", ToLogin, Ok, Ok, Forbidden, Forbidden),
    // Writing actions: only the werkingsgebied's current regisseur; nobody here is one.
    ("GET", "/acties/nieuw", ToLogin, Forbidden, Forbidden, Forbidden, Forbidden),
    ("POST", "/acties/nieuw", ToLogin, Forbidden, Forbidden, Forbidden, Forbidden),
    // Admins edit any action (to fix what /admin/kwaliteit finds); the empty form is refused.
    ("GET", "/acties/{action}/bewerken", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/acties/{action}/bewerken", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/acties/{action}/verwijderen", ToLogin, Forbidden, Forbidden, Forbidden, Forbidden),
    ("POST", "/acties/{action}/overnemen", ToLogin, Forbidden, Forbidden, Forbidden, Forbidden),
    ("GET", "/acties/{action}/verwijderen", ToLogin, Forbidden, Forbidden, Forbidden, Forbidden),
    ("GET", "/acties/{action}/overnemen", ToLogin, Forbidden, Forbidden, Forbidden, Forbidden),
    ("POST", "/acties/{action}/herstellen", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    // Two-step sign-in: setting it up is for everyone signed in; the second step needs a
    // password given just before (else: back to sign-in); clearing it is for admins.
    ("GET", "/tweestapsverificatie", ToLogin, Ok, Ok, Ok, Ok),
    ("POST", "/tweestapsverificatie", ToLogin, Unprocessable, Unprocessable, Unprocessable, Unprocessable),
    ("GET", "/aanmelden/code", ToLogin, ToLogin, ToLogin, ToLogin, ToLogin),
    ("POST", "/aanmelden/code", ToLogin, ToLogin, ToLogin, ToLogin, ToLogin),
    ("POST", "/admin/gebruikers/{user}/tweestapsverificatie-wissen", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("GET", "/api/v1/periods", Ok, Ok, Ok, Ok, Ok),
    ("GET", "/api/v1/coverage?period={period}", Ok, Ok, Ok, Ok, Ok),
    // Agreements: the agreement, its status and comments.
    ("GET", "/samenwerkingsovereenkomsten/{agreement}", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/samenwerkingsovereenkomsten/nieuw", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("GET", "/samenwerkingsovereenkomsten/nieuw?werkingsgebied={partnership}", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/samenwerkingsovereenkomsten/nieuw", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/samenwerkingsovereenkomsten/{agreement}/bewerken", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/samenwerkingsovereenkomsten/{agreement}/bewerken", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/samenwerkingsovereenkomsten/{agreement}/status", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/samenwerkingsovereenkomsten/{agreement}/opmerkingen", ToLogin, Unprocessable, Unprocessable, Forbidden, Forbidden),
    // Agreements: the overview and its exports.
    // Everyone signed in; a VDAB account manager sees only their assigned werkingsgebieden
    // (none here: an empty overview).
    ("GET", "/samenwerkingsovereenkomsten", ToLogin, Ok, Ok, Ok, Ok),
    ("GET", "/samenwerkingsovereenkomsten?status=geen&provincie=Antwerpen&achterstand=1", ToLogin, Ok, Ok, Ok, Ok),
    ("GET", "/samenwerkingsovereenkomsten/export.csv", ToLogin, Ok, Ok, Ok, Ok),
    ("GET", "/samenwerkingsovereenkomsten/export.xlsx", ToLogin, Ok, Ok, Ok, Ok),
    // Agreements: commitments, progress notes, action links and meetings.
    // Writing commitments and linking actions: writers (admin, the werkingsgebied's regisseur);
    // notes and meetings also the assigned VDAB account manager. Nobody here but the admin is
    // either; an empty form is a 422 (or, for unlinking what is not linked, a redirect).
    ("GET", "/samenwerkingsovereenkomsten/{agreement}/engagementen/nieuw", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/samenwerkingsovereenkomsten/{agreement}/engagementen/nieuw", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/engagementen/{commitment}/bewerken", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/engagementen/{commitment}/bewerken", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/engagementen/{commitment}/voortgang", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/engagementen/{commitment}/acties", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/engagementen/{commitment}/acties/{action}/ontkoppelen", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("GET", "/samenwerkingsovereenkomsten/{agreement}/opvolgingsmomenten/nieuw", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/samenwerkingsovereenkomsten/{agreement}/opvolgingsmomenten/nieuw", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    // Agreements: documents.
    ("GET", "/samenwerkingsovereenkomsten/{agreement}/documenten/nieuw", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/samenwerkingsovereenkomsten/{agreement}/documenten", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/documenten/{document}", ToLogin, Ok, Ok, Ok, Forbidden),
    ("POST", "/documenten/{document}/verwijderen", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    // Budgets: pages across Flanders for staff, their forms for admins (an empty form is a 422).
    // `{year}` is 2023, without an envelope.
    ("GET", "/budget", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/budget/export.csv", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/budget/export.xlsx", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/budget/enveloppen/2023", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("POST", "/budget/enveloppen/2023", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/budget/regels", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/budget/regels/nieuw", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/budget/regels/nieuw", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/budget/2023", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("POST", "/budget/2023/toekenningen", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/budget/werkloosheid", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("POST", "/budget/werkloosheid", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/budget/simulatie", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/budget/simulatie?jaar=2023&envelop=1000000&plafond_zonder=40000", ToLogin, Ok, Ok, Forbidden, Forbidden),
    // The budget of one werkingsgebied: staff read it, its own regisseur too and reports the
    // spending (this regisseur is not its regisseur), admins record payments.
    ("GET", "/werkingsgebieden/{partnership}/budget", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/{partnership}/budget/betalingen", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/werkingsgebieden/{partnership}/budget/betalingen/{payment}/corrigeren", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/{partnership}/budget/betalingen/{payment}/corrigeren", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/{partnership}/budget/uitgaven", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    // Allocations are public open data.
    ("GET", "/api/v1/allocations?period={period}", Ok, Ok, Ok, Ok, Ok),
    // VDAB assignments.
    ("POST", "/admin/gebruikers/{user}/werkingsgebieden", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/gebruikers/{user}/werkingsgebieden/{partnership}/intrekken", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    // Yearly reports of {partnership} (one for 2024, submitted once: {report}). Only the own
    // regisseur writes the narrative and submits; staff review; VDAB sees none of it.
    ("GET", "/jaarrapporten", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/jaarrapporten?jaar=2024&status=ingediend", ToLogin, Ok, Ok, Ok, Forbidden),
    ("GET", "/jaarrapporten/{partnership}/2024", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/jaarrapporten/{partnership}/2025", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("POST", "/jaarrapporten/{partnership}/2024", ToLogin, Forbidden, Forbidden, Forbidden, Forbidden),
    ("GET", "/jaarrapporten/{partnership}/2024/indieningen/1", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/jaarrapporten/{partnership}/2024/verschillen?van=1&naar=1", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("POST", "/jaarrapporten/{partnership}/2024/indienen/controleren", ToLogin, Forbidden, Forbidden, Forbidden, Forbidden),
    ("POST", "/jaarrapporten/{partnership}/2024/indienen", ToLogin, Forbidden, Forbidden, Forbidden, Forbidden),
    ("POST", "/jaarrapporten/{partnership}/2024/in-behandeling", ToLogin, Unprocessable, Unprocessable, Forbidden, Forbidden),
    ("POST", "/jaarrapporten/{partnership}/2024/goedkeuren", ToLogin, Unprocessable, Unprocessable, Forbidden, Forbidden),
    ("POST", "/jaarrapporten/{partnership}/2024/terugsturen", ToLogin, Unprocessable, Unprocessable, Forbidden, Forbidden),
    ("POST", "/jaarrapporten/{partnership}/2024/heropenen", ToLogin, Unprocessable, Unprocessable, Forbidden, Forbidden),
    ("POST", "/jaarrapporten/{partnership}/2024/controlelijst", ToLogin, Unprocessable, Unprocessable, Forbidden, Forbidden),
    ("POST", "/jaarrapporten/{partnership}/2024/berichten", ToLogin, Unprocessable, Unprocessable, Forbidden, Forbidden),
    ("POST", "/werkingsgebieden/{partnership}/beoordelaar", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("GET", "/admin/indiendata", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/indiendata", ToLogin, Unprocessable, Forbidden, Forbidden, Forbidden),
    ("POST", "/admin/indiendata/controles", ToLogin, Redirect, Forbidden, Forbidden, Forbidden),
    ("GET", "/admin/kwaliteit", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    // Notifications: everyone their own.
    ("GET", "/meldingen", ToLogin, Ok, Ok, Ok, Ok),
    ("POST", "/meldingen/gelezen", ToLogin, Redirect, Redirect, Redirect, Redirect),
    ("GET", "/meldingen/voorkeuren", ToLogin, Ok, Ok, Ok, Ok),
    ("POST", "/meldingen/voorkeuren", ToLogin, Redirect, Redirect, Redirect, Redirect),
    ("GET", "/admin/uitgaande-post", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    ("GET", "/admin/uitgaande-post/{mail}", ToLogin, Ok, Forbidden, Forbidden, Forbidden),
    // Marking one read: one's own only ({notification} is the signed-in user's).
    ("POST", "/meldingen/{notification}/gelezen", ToLogin, Redirect, Redirect, Redirect, Redirect),
    // The ministry dashboard.
    ("GET", "/overzicht", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("GET", "/overzicht?jaar=2024&sorteer=naam", ToLogin, Ok, Ok, Forbidden, Forbidden),
    ("POST", "/overzicht/filters", ToLogin, Unprocessable, Unprocessable, Forbidden, Forbidden),
    // Deleting a saved filter: {filter} is the signed-in user's own.
    ("POST", "/overzicht/filters/{filter}/verwijderen", ToLogin, Redirect, Redirect, Forbidden, Forbidden),
];

/// The id of the user `sign_in_as(role)` created.
async fn signed_in_user(app: &TestApp, role: Role) -> i64 {
    sqlx::query_scalar("select user_id from users where email = $1")
        .bind(format!("{}@test.regie.be", role.code()))
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// A notification of `user` with its outbox row: (notification id, mail id).
async fn with_notification(app: &TestApp, user: i64) -> (i64, i64) {
    sqlx::query_as(
        "with n as (insert into notifications (user_id, kind, title, link) values ($1, 'report_message', 'Nieuw bericht', '/jaarrapporten') returning notification_id) insert into outbox (notification_id, recipient, subject, body) select notification_id, 'x@y.be', 'Nieuw bericht', 'Tekst' from n returning notification_id, mail_id",
    )
    .bind(user)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A payment to `partnership` in 2024, within an allocation.
async fn with_payment(app: &TestApp, partnership: i64) -> i64 {
    app.with_envelope(2024, 3_000_000).await;
    app.with_allocation(partnership, 2024, 50_000).await;
    sqlx::query_scalar(
        "insert into payments (partnership_id, year, kind, paid_on, amount_cents) values ($1, 2024, 'voorschot', '2024-02-01', 100000) returning payment_id",
    )
    .bind(partnership)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A saved dashboard filter of `user`.
async fn with_saved_filter(app: &TestApp, user: i64) -> i64 {
    sqlx::query_scalar(
        "insert into saved_filters (user_id, page, name, query) values ($1, 'overzicht', 'Rood', 'signaal=rood') returning filter_id",
    )
    .bind(user)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

fn matches(status: StatusCode, location: &str, expect: Expect) -> bool {
    match expect {
        Ok => status == StatusCode::OK,
        Unprocessable => status == StatusCode::UNPROCESSABLE_ENTITY,
        Redirect => status == StatusCode::SEE_OTHER && !location.starts_with("/login"),
        ToLogin => status == StatusCode::SEE_OTHER && location.starts_with("/login"),
        Forbidden => status == StatusCode::FORBIDDEN,
        Gone => status == StatusCode::GONE,
    }
}

async fn check(who: Who) {
    for &(method, path, anonymous, admin, ministry, regisseur, vdab) in ROUTES {
        // A fresh app per route: a POST (sign-out, deactivation) must not affect the next row.
        let app = TestApp::new().await;
        let target = app
            .with_user(Role::Regisseur)
            .email("doel@gemeente.be")
            .name("Doel Gebruiker")
            .await;
        let expect = match who {
            Who::Anonymous => anonymous,
            Who::Signed(role) => {
                app.sign_in_as(role).await;
                match role {
                    Role::Admin => admin,
                    Role::Ministry => ministry,
                    Role::Regisseur => regisseur,
                    Role::Vdab => vdab,
                }
            }
        };
        let period = app.period_id("2023-2025").await;
        let partnership = app.with_partnership("Doelgebied").await;
        let appointment = app.with_appointment_request(partnership).await;
        let action = app.with_action(partnership).await;
        let agreement = app.with_agreement(partnership).await;
        let commitment = app.with_commitment(agreement).await;
        let document = app.with_document(agreement).await;
        let report = app.with_report(partnership, 2024).status("ingediend").await;
        let payment = with_payment(&app, partnership).await;
        // The signed-in user's own notification (with its mail) and saved filter; for a
        // signed-out visitor they belong to the target user.
        let owner = match who {
            Who::Signed(role) => signed_in_user(&app, role).await,
            Who::Anonymous => target,
        };
        let (notification, mail) = with_notification(&app, owner).await;
        let filter = with_saved_filter(&app, owner).await;
        let path = path
            .replace("{action}", &action.to_string())
            .replace("{agreement}", &agreement.to_string())
            .replace("{commitment}", &commitment.to_string())
            .replace("{document}", &document.to_string())
            .replace("{report}", &report.to_string())
            .replace("{payment}", &payment.to_string())
            .replace("{notification}", &notification.to_string())
            .replace("{mail}", &mail.to_string())
            .replace("{filter}", &filter.to_string())
            .replace("{user}", &target.to_string())
            .replace("{partnership}", &partnership.to_string())
            .replace("{appointment}", &appointment.to_string())
            .replace("{period}", &period.to_string());
        let response = match method {
            "GET" => app.get(&path).await,
            _ => app.post_form(&path, &[]).await,
        };
        assert!(
            matches(response.status, response.location(), expect),
            "{who:?} {method} {path}: expected {expect:?}, got {} {}",
            response.status,
            response.location()
        );
        if expect == Forbidden {
            response.assert_contains("Geen toegang");
            let denied: i64 = sqlx::query_scalar(
                "select count(*) from audit_events where action = 'access.denied' and details->>'path' = $1",
            )
            // The audit entry names the path without its query string.
            .bind(path.split('?').next())
            .fetch_one(&app.db)
            .await
            .unwrap();
            assert_eq!(denied, 1, "a denied access to {path} is audited");
        }
    }
}

#[tokio::test]
async fn signed_out_visitors_reach_only_public_pages() {
    check(Who::Anonymous).await;
}

#[tokio::test]
async fn admins_reach_everything() {
    check(Who::Signed(Role::Admin)).await;
}

#[tokio::test]
async fn ministry_staff_cannot_reach_the_admin_pages() {
    check(Who::Signed(Role::Ministry)).await;
}

#[tokio::test]
async fn regisseurs_cannot_reach_the_admin_pages() {
    check(Who::Signed(Role::Regisseur)).await;
}

#[tokio::test]
async fn vdab_account_managers_reach_only_their_agreement_pages() {
    check(Who::Signed(Role::Vdab)).await;
}
