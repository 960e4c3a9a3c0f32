//! Object ids and forms in the wrong hands (issue #8).
//!
//! The IDOR sweep: two werkingsgebieden, A (Regio Leie, Kortrijk) and B (Regio Gent), each
//! with its own regisseur. B's regisseur tries every route that names an object of A. A row
//! says which rule holds: refused (403 or 404, A unchanged in the database, none of A's private
//! data on the page), deliberately readable by everyone signed in, or allowed because it only
//! writes into B's own werkingsgebied. Each refused write also names who *may* send that very
//! request, and a second test proves that it then changes A: otherwise "A unchanged" would
//! prove nothing. A new route with an object id gets a row here.
//!
//! Mass assignment: the real forms posted with fields they do not have (`partnership_id` of
//! another werkingsgebied, `role`, `version`, `origin`, `is_demo`, `user_id`, `created_by`, ...);
//! the database shows that none of them took effect.

use axum::http::StatusCode;
use regie::identity::Role;

use crate::actions::action_fields;
use crate::helpers::{PASSWORD, TestApp, TestResponse};

const A_REGISSEUR: &str = "rita@kortrijk.be";
const B_REGISSEUR: &str = "bert@gent.be";

/// What B's regisseur must never read: A's regisseur's sign-in address, a pending
/// appointment request's candidate address and note (staff only), and a deleted action of A
/// (ministry staff and admins only).
const PRIVATE_TO_A: &[&str] = &[
    A_REGISSEUR,
    "kandidaat@gemeente.be",
    "Vertrouwelijke nota",
    "Geheim overleg Kortrijk",
];

/// Everything the sweep refers to; `{name}` in a row's path or fields is replaced by its id.
struct World {
    /// Werkingsgebied A (Kortrijk, Wevelgem) and B (Gent), both of 2023-2025.
    a: i64,
    b: i64,
    a_regisseur: i64,
    b_regisseur: i64,
    /// "Jobbeurs Kortrijk", lopend.
    a_action: i64,
    /// "Geheim overleg Kortrijk", deleted.
    a_deleted_action: i64,
    /// "Taalcafé Gent".
    b_action: i64,
    /// A pending request for A, with a note.
    a_request: i64,
    /// A's regisseur's approved appointment.
    a_appointment: i64,
    /// 2023-2025.
    period: i64,
}

impl World {
    async fn new(app: &TestApp) -> Self {
        // A next period, so that carrying A over would do something.
        sqlx::query(
            "insert into policy_periods (name, starts_on, ends_on, vintage, population_year) values ('2026-2031', '2026-01-01', '2031-12-31', '2025', 2020)",
        )
        .execute(&app.db)
        .await
        .unwrap();
        let a = app
            .with_partnership("Regio Leie")
            .members(&["34022", "34041"])
            .await;
        let b = app.with_partnership("Regio Gent").members(&["44021"]).await;
        sqlx::query("update partnerships set contact_name = 'Lies Leie', contact_email = 'contact@regioleie.be' where partnership_id = $1")
            .bind(a)
            .execute(&app.db)
            .await
            .unwrap();
        let a_regisseur = app
            .with_user(Role::Regisseur)
            .email(A_REGISSEUR)
            .name("Rita Regisseur")
            .regisseur_of(a)
            .await;
        let b_regisseur = app
            .with_user(Role::Regisseur)
            .email(B_REGISSEUR)
            .name("Bert Regisseur")
            .regisseur_of(b)
            .await;
        let a_action = app
            .with_action(a)
            .title("Jobbeurs Kortrijk")
            .status("lopend")
            .await;
        // Written by A's regisseur, so that the pages everyone reads show her name (and must
        // not show her sign-in address).
        sqlx::query("update actions set created_by = $2, updated_by = $2 where action_id = $1")
            .bind(a_action)
            .bind(a_regisseur)
            .execute(&app.db)
            .await
            .unwrap();
        sqlx::query(
            "insert into action_changes (action_id, changed_by, change) values ($1, $2, 'created')",
        )
        .bind(a_action)
        .bind(a_regisseur)
        .execute(&app.db)
        .await
        .unwrap();
        let a_deleted_action = app.with_action(a).title("Geheim overleg Kortrijk").await;
        sqlx::query("update actions set deleted_at = now(), deleted_by = $2 where action_id = $1")
            .bind(a_deleted_action)
            .bind(a_regisseur)
            .execute(&app.db)
            .await
            .unwrap();
        let b_action = app.with_action(b).title("Taalcafé Gent").await;
        let a_request = app.with_appointment_request(a).await;
        sqlx::query("update appointments set request_note = 'Vertrouwelijke nota over de kandidaat' where appointment_id = $1")
            .bind(a_request)
            .execute(&app.db)
            .await
            .unwrap();
        let a_appointment =
            sqlx::query_scalar("select appointment_id from appointments where user_id = $1")
                .bind(a_regisseur)
                .fetch_one(&app.db)
                .await
                .unwrap();
        Self {
            a,
            b,
            a_regisseur,
            b_regisseur,
            a_action,
            a_deleted_action,
            b_action,
            a_request,
            a_appointment,
            period: app.period_id("2023-2025").await,
        }
    }

    fn fill(&self, text: &str) -> String {
        [
            ("{a}", self.a),
            ("{b}", self.b),
            ("{a_regisseur}", self.a_regisseur),
            ("{b_regisseur}", self.b_regisseur),
            ("{a_action}", self.a_action),
            ("{a_deleted_action}", self.a_deleted_action),
            ("{b_action}", self.b_action),
            ("{a_request}", self.a_request),
            ("{a_appointment}", self.a_appointment),
            ("{period}", self.period),
        ]
        .iter()
        .fold(text.to_string(), |t, (name, id)| {
            t.replace(name, &id.to_string())
        })
    }

    /// Everything of A a write could touch, as one text: the werkingsgebied, its members, its
    /// actions with their parts and history, its appointments, its regisseur's account and
    /// password links, the periods, and what was carried over from it.
    async fn a_as_stored(&self, app: &TestApp) -> String {
        sqlx::query_scalar(
            r#"select jsonb_build_object(
                 'partnership', (select to_jsonb(p) from partnerships p where partnership_id = $1),
                 'members', (select jsonb_agg(nis_code order by nis_code) from partnership_members where partnership_id = $1),
                 'actions', (select jsonb_agg(to_jsonb(a) order by action_id) from actions a where partnership_id = $1),
                 'partners', (select jsonb_agg(to_jsonb(x) order by x.action_id, x.position) from action_partners x join actions a using (action_id) where a.partnership_id = $1),
                 'municipalities', (select jsonb_agg(to_jsonb(x) order by x.action_id, x.nis_code) from action_municipalities x join actions a using (action_id) where a.partnership_id = $1),
                 'participants', (select jsonb_agg(to_jsonb(x) order by x.action_id, x.target_group) from action_participants x join actions a using (action_id) where a.partnership_id = $1),
                 'history', (select count(*) from action_changes x join actions a using (action_id) where a.partnership_id = $1),
                 'appointments', (select jsonb_agg(to_jsonb(x) order by appointment_id) from appointments x where partnership_id = $1),
                 'regisseur', (select to_jsonb(u) from users u where user_id = $2),
                 'password_links', (select count(*) from password_tokens where user_id = $2),
                 'periods', (select jsonb_agg(to_jsonb(pp) order by policy_period_id) from policy_periods pp),
                 'carried_over', (select count(*) from partnerships where carried_over_from = $1)
               )::text"#,
        )
        .bind(self.a)
        .bind(self.a_regisseur)
        .fetch_one(&app.db)
        .await
        .unwrap()
    }
}

/// Who may send a refused row's request, to show that it changes A when allowed.
#[derive(Clone, Copy, Debug)]
enum Allowed {
    Admin,
    RegisseurOfA,
    /// Nothing to change (a page to read, or a user who is active already).
    Nobody,
}

#[derive(Clone, Copy, Debug)]
enum Rule {
    /// 403 or 404 for B's regisseur; A unchanged; none of [`PRIVATE_TO_A`] on the page.
    Refused(Allowed),
    /// Deliberately readable by every signed-in user (README, "What is there"): 200, the page
    /// shows the first text and not the others, and none of [`PRIVATE_TO_A`].
    Readable(&'static str, &'static [&'static str]),
    /// Allowed, because it writes only into B's own werkingsgebied: a redirect, A unchanged.
    IntoOwn,
    /// A set-password link is a secret, not an id: a guessed one is 410 for everyone.
    Gone,
}

use Allowed::*;
use Rule::*;

#[derive(Clone, Copy, Debug)]
enum Body {
    Empty,
    Fields(&'static [(&'static str, &'static str)]),
    /// The complete action form for werkingsgebied A (as `actions::action_fields`), then these.
    ActionForm(&'static [(&'static str, &'static str)]),
}

use Body::*;

struct Route {
    method: &'static str,
    path: &'static str,
    body: Body,
    rule: Rule,
}

const fn get(path: &'static str, rule: Rule) -> Route {
    Route {
        method: "GET",
        path,
        body: Empty,
        rule,
    }
}

const fn post(path: &'static str, body: Body, rule: Rule) -> Route {
    Route {
        method: "POST",
        path,
        body,
        rule,
    }
}

/// The copy form ("Overnemen") as B's regisseur sends it: a new action of B.
const COPY_INTO_B: &[(&str, &str)] = &[
    ("partnership_id", "{b}"),
    ("title", "Jobbeurs Gent"),
    ("prioriteit", "1"),
    ("kind", "opleiding"),
    ("status", "gepland"),
    ("starts_on", "2025-03-01"),
];

/// The same, naming another source in the body: the path says what is copied.
const COPY_INTO_B_FORGED_SOURCE: &[(&str, &str)] = &[
    ("partnership_id", "{b}"),
    ("title", "Jobbeurs Gent"),
    ("prioriteit", "1"),
    ("kind", "opleiding"),
    ("status", "gepland"),
    ("starts_on", "2025-03-01"),
    ("copied_from", "{b_action}"),
];

/// Every route with an object id in its path (and the pages that take one in the query),
/// tried by B's regisseur on an object of A.
#[rustfmt::skip]
const ROUTES: &[Route] = &[
    // Actions: everyone signed in reads them; only A's regisseur writes them.
    get("/acties/{a_action}", Readable("Rita Regisseur", &[])),
    get("/acties/{a_deleted_action}", Refused(Nobody)),
    get("/acties/{a_action}/bewerken", Refused(Nobody)),
    post("/acties/{a_action}/bewerken", ActionForm(&[("version", "1")]), Refused(RegisseurOfA)),
    post("/acties/{a_action}/verwijderen", Empty, Refused(RegisseurOfA)),
    post("/acties/{a_deleted_action}/herstellen", Empty, Refused(Admin)),
    get("/acties/{a_action}/verwijderen", Refused(Nobody)),
    get("/acties/{a_action}/overnemen", Readable("Jobbeurs Kortrijk", &[])),
    get("/acties/{a_deleted_action}/overnemen", Refused(Nobody)),
    post("/acties/{a_action}/overnemen", ActionForm(&[]), Refused(RegisseurOfA)),
    post("/acties/{a_action}/overnemen", Fields(COPY_INTO_B), IntoOwn),
    post("/acties/{a_action}/overnemen", Fields(COPY_INTO_B_FORGED_SOURCE), IntoOwn),
    post("/acties/{a_deleted_action}/overnemen", Fields(COPY_INTO_B), Refused(Nobody)),
    post("/acties/nieuw", ActionForm(&[]), Refused(RegisseurOfA)),
    get("/acties/nieuw?werkingsgebied={a}", Readable("Regio Gent", &["Regio Leie", "Kortrijk"])),
    get("/acties?werkingsgebied={a}", Readable("Jobbeurs Kortrijk", &["Taalcafé Gent"])),
    get("/acties/export.csv?werkingsgebied={a}", Readable("Jobbeurs Kortrijk", &["Taalcafé Gent"])),
    get("/werkingsgebieden/{a}/acties", Readable("Jobbeurs Kortrijk", &["Taalcafé Gent"])),
    // Werkingsgebieden: everyone signed in reads them; admins edit; A's regisseur the contact.
    get("/werkingsgebieden/{a}", Readable("Regio Leie", &[])),
    get("/werkingsgebieden?periode={period}", Readable("Regio Leie", &[])),
    get("/werkingsgebieden/{a}/bewerken", Refused(Nobody)),
    post("/werkingsgebieden/{a}/bewerken", Fields(&[("name", "Regio Leie en Gent"), ("legal_form", "interlokale_vereniging"), ("lead_organisation", "Stad Gent"), ("contact_name", "Bert"), ("contact_email", "bert@gent.be"), ("contact_phone", "")]), Refused(Admin)),
    get("/werkingsgebieden/{a}/contact", Refused(Nobody)),
    post("/werkingsgebieden/{a}/contact", Fields(&[("contact_name", "Bert"), ("contact_email", "bert@gent.be"), ("contact_phone", "09 123 45 67")]), Refused(RegisseurOfA)),
    get("/werkingsgebieden/{a}/leden", Refused(Nobody)),
    post("/werkingsgebieden/{a}/leden/toevoegen", Fields(&[("nis_code", "34013")]), Refused(Admin)),
    post("/werkingsgebieden/{a}/leden/verwijderen", Fields(&[("nis_code", "34041")]), Refused(Admin)),
    get("/werkingsgebieden/{a}/overdragen", Refused(Nobody)),
    post("/werkingsgebieden/{a}/overdragen", Empty, Refused(Admin)),
    get("/gemeenten/34022", Readable("Kortrijk", &[])),
    // Appointments: ministry staff and admins; decisions by admins.
    get("/aanstellingen/{a_request}", Refused(Nobody)),
    get("/aanstellingen/{a_appointment}", Refused(Nobody)),
    get("/aanstellingen/nieuw?werkingsgebied={a}", Refused(Nobody)),
    get("/aanstellingen/{a_request}/goedkeuren", Refused(Nobody)),
    get("/aanstellingen/{a_appointment}/beeindigen", Refused(Nobody)),
    post("/aanstellingen/{a_request}/goedkeuren", Empty, Refused(Admin)),
    post("/aanstellingen/{a_request}/afwijzen", Fields(&[("motivation", "Geen budget")]), Refused(Admin)),
    post("/aanstellingen/{a_appointment}/beeindigen", Fields(&[("ended_on", "2099-12-31"), ("motivation", "Vertrek")]), Refused(Admin)),
    // Users and periods: admins.
    get("/admin/gebruikers/{a_regisseur}", Refused(Nobody)),
    post("/admin/gebruikers/{a_regisseur}/bewerken", Fields(&[("full_name", "Rita Weg"), ("role", "ministry")]), Refused(Admin)),
    post("/admin/gebruikers/{a_regisseur}/deactiveren", Empty, Refused(Admin)),
    post("/admin/gebruikers/{a_regisseur}/activeren", Empty, Refused(Nobody)),
    post("/admin/gebruikers/{a_regisseur}/wachtwoord-reset", Empty, Refused(Admin)),
    get("/admin/audit?gebruiker={a_regisseur}", Refused(Nobody)),
    get("/admin/beleidsperiodes/{period}/bewerken", Refused(Nobody)),
    post("/admin/beleidsperiodes/{period}/bewerken", Fields(&[("name", "2023-2025 bis"), ("starts_on", "2023-01-01"), ("ends_on", "2025-12-31"), ("vintage", "2019-2024"), ("population_year", "2020")]), Refused(Admin)),
    // Periods in the query: the overviews everyone reads, the staff tools.
    get("/dekking?periode={period}", Readable("Dekking", &[])),
    get("/api/v1/coverage?period={period}", Readable("2023-2025", &[])),
    get("/prioriteiten?periode={period}", Refused(Nobody)),
    get("/dekking/simulatie?periode={period}", Refused(Nobody)),
    // The holder of the link, whoever is signed in.
    get("/wachtwoord-instellen/geraden-token-van-rita", Gone),
    post("/wachtwoord-instellen/geraden-token-van-rita", Fields(&[("new_password", "een nieuw lang wachtwoord"), ("confirmation", "een nieuw lang wachtwoord")]), Gone),
];

/// The fields of a row, ids filled in.
fn fields(world: &World, body: Body) -> Vec<(String, String)> {
    let a = world.a.to_string();
    let mut all = match body {
        ActionForm(_) => action_fields(&a, "Overschreven"),
        Empty | Fields(_) => Vec::new(),
    };
    if let Fields(extra) | ActionForm(extra) = body {
        all.extend_from_slice(extra);
    }
    all.iter()
        .map(|(k, v)| (k.to_string(), world.fill(v)))
        .collect()
}

async fn send(app: &TestApp, world: &World, route: &Route) -> (String, TestResponse) {
    let path = world.fill(route.path);
    let fields = fields(world, route.body);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = match route.method {
        "GET" => app.get(&path).await,
        _ => app.post_form(&path, &pairs).await,
    };
    (format!("{} {path}", route.method), response)
}

#[track_caller]
fn assert_nothing_private(what: &str, response: &TestResponse) {
    for private in PRIVATE_TO_A {
        assert!(
            !response.body.contains(private),
            "{what} by the regisseur of B shows A's {private:?}:\n{}",
            response.body
        );
    }
}

#[tokio::test]
async fn a_regisseur_reaches_no_object_of_another_werkingsgebied_beyond_what_everyone_reads() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in(B_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    for route in ROUTES {
        let before = world.a_as_stored(&app).await;
        let (what, r) = send(&app, &world, route).await;
        match route.rule {
            Refused(_) => {
                let heading = match r.status {
                    StatusCode::FORBIDDEN => "Geen toegang",
                    StatusCode::NOT_FOUND => "Pagina niet gevonden",
                    other => panic!(
                        "{what} by the regisseur of B: expected 403 or 404, got {other} {}",
                        r.location()
                    ),
                };
                assert!(r.body.contains(heading), "{what}: {heading:?} on the page");
            }
            Readable(shows, hides) => {
                assert_eq!(
                    r.status,
                    StatusCode::OK,
                    "{what} is readable by every signed-in user"
                );
                assert!(
                    r.body.contains(shows),
                    "{what} shows {shows:?}:\n{}",
                    r.body
                );
                for hidden in hides {
                    assert!(!r.body.contains(hidden), "{what} shows {hidden:?}");
                }
            }
            IntoOwn => {
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{what}: {}", r.body);
                assert!(
                    !r.location().starts_with("/login"),
                    "{what} signed the regisseur of B out"
                );
            }
            Gone => assert_eq!(r.status, StatusCode::GONE, "{what}"),
        }
        assert_nothing_private(&what, &r);
        assert_eq!(
            world.a_as_stored(&app).await,
            before,
            "{what} by the regisseur of B changed werkingsgebied A"
        );
    }

    // What the allowed copies made is B's, linked back to A's action.
    let copies: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "select partnership_id, copied_from from actions where created_by = $1 order by action_id",
    )
    .bind(world.b_regisseur)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        copies,
        vec![(world.b, Some(world.a_action)); 2],
        "the two copies of A's action"
    );
}

#[tokio::test]
async fn each_refused_write_of_the_sweep_changes_werkingsgebied_a_when_sent_by_who_may() {
    for route in ROUTES {
        let who = match route.rule {
            Refused(Admin) => Role::Admin,
            Refused(RegisseurOfA) => Role::Regisseur,
            _ => continue,
        };
        let app = TestApp::new().await;
        let world = World::new(&app).await;
        match who {
            Role::Regisseur => app
                .sign_in(A_REGISSEUR, PASSWORD)
                .await
                .assert_redirects_to("/"),
            _ => {
                app.sign_in_as(who).await;
            }
        }
        let before = world.a_as_stored(&app).await;
        let (what, r) = send(&app, &world, route).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "{what} by {who:?} is allowed: {}",
            r.body
        );
        assert_ne!(
            world.a_as_stored(&app).await,
            before,
            "{what} by {who:?} changed nothing of A, so the sweep's row proves nothing"
        );
    }
}

// Mass assignment.

/// Fields no form of regie has; each names something a person must not set through a form.
const FORGED: &[(&str, &str)] = &[
    ("role", "admin"),
    ("version", "999"),
    ("origin", "demo"),
    ("is_demo", "true"),
    ("user_id", "{b_regisseur}"),
    ("created_by", "{b_regisseur}"),
    ("updated_by", "{b_regisseur}"),
    ("deleted_at", "2024-01-01"),
    ("copied_from", "{b_action}"),
    ("action_id", "{b_action}"),
    ("id", "{b_action}"),
    ("partnership_id", "{b}"),
];

/// `fields` then those of [`FORGED`] the form does not have, ids filled in. (A name sent twice
/// is another matter: see [`a_form_that_names_a_field_twice_is_refused_or_read_once`].)
fn with_forged(world: &World, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let forged = FORGED
        .iter()
        .filter(|(name, _)| !fields.iter().any(|(own, _)| own == name));
    fields
        .iter()
        .chain(forged)
        .map(|(k, v)| (k.to_string(), world.fill(v)))
        .collect()
}

async fn post_owned(app: &TestApp, path: &str, fields: &[(String, String)]) -> TestResponse {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form(path, &pairs).await
}

/// B's action and B's werkingsgebied as stored, to see that a forged id did not reach them.
/// How many actions carry this title.
async fn actions_titled(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("select count(*) from actions where title = $1")
        .bind(title)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn b_as_stored(app: &TestApp, world: &World) -> String {
    sqlx::query_scalar(
        r#"select jsonb_build_object(
             'partnership', (select to_jsonb(p) from partnerships p where partnership_id = $1),
             'actions', (select jsonb_agg(to_jsonb(a) order by action_id) from actions a where partnership_id = $1),
             'regisseur', (select to_jsonb(u) from users u where user_id = $2)
           )::text"#,
    )
    .bind(world.b)
    .bind(world.b_regisseur)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// (partnership, origin, version, created_by, copied_from, deleted, status) of an action.
type StoredAction = (i64, String, i32, Option<i64>, Option<i64>, bool, String);

async fn stored_action(app: &TestApp, id: i64) -> StoredAction {
    sqlx::query_as(
        "select partnership_id, origin::text, version, created_by, copied_from, deleted_at is not null, status::text from actions where action_id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn role_of(app: &TestApp, user_id: i64) -> String {
    sqlx::query_scalar("select role::text from users where user_id = $1")
        .bind(user_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// The action id in a `/acties/{id}?bewaard=1` or `/acties/{id}/bewerken` redirect.
fn action_in(location: &str) -> i64 {
    location
        .trim_start_matches("/acties/")
        .split(['?', '/'])
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("an action in {location:?}"))
}

#[tokio::test]
async fn a_new_action_for_another_werkingsgebied_is_refused() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in(A_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    let b = world.b.to_string();
    let mut form = action_fields(&b, "In Gent geplant door Kortrijk");
    // Gent is B's municipality: the form is right for B in every other way.
    form.retain(|(k, _)| *k != "gemeente");
    form.push(("gemeente", "44021"));
    let before = b_as_stored(&app, &world).await;

    let r = app.post_form("/acties/nieuw", &form).await;

    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("Geen toegang");
    assert_eq!(b_as_stored(&app, &world).await, before);
    let made = actions_titled(&app, "In Gent geplant door Kortrijk").await;
    assert_eq!(made, 0);
}

#[tokio::test]
async fn a_new_action_stays_in_the_own_werkingsgebied_whatever_else_the_form_says() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in(A_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    let a = world.a.to_string();
    let mut fields = with_forged(&world, &action_fields(&a, "Jobbeurs 2024"));
    fields.push(("partnership_id".into(), world.b.to_string()));
    let b_before = b_as_stored(&app, &world).await;

    let r = post_owned(&app, "/acties/nieuw", &fields).await;

    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = action_in(r.location());
    assert_eq!(
        stored_action(&app, id).await,
        (
            world.a,
            "real".into(),
            1,
            Some(world.a_regisseur),
            None,
            false,
            "gepland".into()
        )
    );
    assert_eq!(b_as_stored(&app, &world).await, b_before);
    assert_eq!(role_of(&app, world.a_regisseur).await, "regisseur");
    app.get(&format!("/acties/{id}"))
        .await
        .assert_contains("Regio Leie");
}

#[tokio::test]
async fn an_edit_keeps_the_action_in_its_werkingsgebied_and_counts_its_version_itself() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in(A_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    let a = world.a.to_string();
    let mut form = action_fields(&a, "Jobbeurs Kortrijk, tweede editie");
    form.push(("version", "1"));
    let mut fields = with_forged(&world, &form);
    fields.push(("version".into(), "999".into()));
    fields.push(("partnership_id".into(), world.b.to_string()));
    let b_before = b_as_stored(&app, &world).await;

    let r = post_owned(
        &app,
        &format!("/acties/{}/bewerken", world.a_action),
        &fields,
    )
    .await;

    r.assert_redirects_to(&format!("/acties/{}?bewaard=1", world.a_action));
    assert_eq!(
        stored_action(&app, world.a_action).await,
        (
            world.a,
            "real".into(),
            2,
            Some(world.a_regisseur),
            None,
            false,
            "gepland".into()
        )
    );
    assert_eq!(b_as_stored(&app, &world).await, b_before);
    app.get(&format!("/acties/{}", world.a_action))
        .await
        .assert_contains("Jobbeurs Kortrijk, tweede editie");
}

#[tokio::test]
async fn an_edit_that_names_a_version_that_does_not_exist_is_not_saved() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in(A_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    let a = world.a.to_string();
    let mut form = action_fields(&a, "Versie 999");
    form.push(("version", "999"));

    let r = app
        .post_form(&format!("/acties/{}/bewerken", world.a_action), &form)
        .await;

    assert_eq!(r.status, StatusCode::CONFLICT);
    r.assert_contains("Deze actie werd intussen gewijzigd");
    let (title, version): (String, i32) =
        sqlx::query_as("select title, version from actions where action_id = $1")
            .bind(world.a_action)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((title.as_str(), version), ("Jobbeurs Kortrijk", 1));
}

#[tokio::test]
async fn a_copy_is_a_planned_real_action_of_the_copiers_own_werkingsgebied() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in(B_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    // The copy form's own fields, pointing at B; the forged user and source must not count.
    let mut fields = with_forged(&world, COPY_INTO_B);
    fields.push(("created_by".into(), world.a_regisseur.to_string()));

    let r = post_owned(
        &app,
        &format!("/acties/{}/overnemen", world.a_action),
        &fields,
    )
    .await;

    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = action_in(r.location());
    assert_eq!(
        stored_action(&app, id).await,
        (
            world.b,
            "real".into(),
            1,
            Some(world.b_regisseur),
            Some(world.a_action),
            false,
            "gepland".into()
        )
    );
    assert_eq!(
        stored_action(&app, world.a_action).await,
        (
            world.a,
            "real".into(),
            1,
            Some(world.a_regisseur),
            None,
            false,
            "lopend".into()
        )
    );
}

#[tokio::test]
async fn the_contact_form_changes_only_the_contact_details_of_the_own_werkingsgebied() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in(A_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    let earlier = app.period_id("2020-2022").await.to_string();
    let mut fields = with_forged(
        &world,
        &[
            ("contact_name", "Rita Regisseur"),
            ("contact_email", "rita@kortrijk.be"),
            ("contact_phone", "056 12 34 56"),
            ("name", "Regio Vlaanderen"),
            ("legal_form", "centrumstad"),
            ("lead_organisation", "Stad Gent"),
            ("policy_period_id", &earlier),
        ],
    );
    fields.push(("carried_over_from".into(), world.b.to_string()));
    let b_before = b_as_stored(&app, &world).await;

    let r = post_owned(
        &app,
        &format!("/werkingsgebieden/{}/contact", world.a),
        &fields,
    )
    .await;

    r.assert_redirects_to(&format!("/werkingsgebieden/{}", world.a));
    let stored: (String, String, String, String, String, i64, bool, Option<i64>) = sqlx::query_as(
        "select contact_name, contact_phone, name, legal_form::text, lead_organisation, policy_period_id, is_demo, carried_over_from from partnerships where partnership_id = $1",
    )
    .bind(world.a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        stored,
        (
            "Rita Regisseur".into(),
            "056 12 34 56".into(),
            "Regio Leie".into(),
            "interlokale_vereniging".into(),
            "Stad".into(),
            world.period,
            false,
            None
        )
    );
    assert_eq!(b_as_stored(&app, &world).await, b_before);
}

#[tokio::test]
async fn a_werkingsgebied_keeps_its_period_and_its_origin_when_an_admin_edits_it() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in_as(Role::Admin).await;
    let earlier = app.period_id("2020-2022").await.to_string();
    let mut fields = with_forged(
        &world,
        &[
            ("name", "Regio Leie-Mandel"),
            ("legal_form", "projectvereniging"),
            ("lead_organisation", "Stad Kortrijk"),
            ("policy_period_id", &earlier),
        ],
    );
    fields.push(("carried_over_from".into(), world.b.to_string()));

    let r = post_owned(
        &app,
        &format!("/werkingsgebieden/{}/bewerken", world.a),
        &fields,
    )
    .await;

    r.assert_redirects_to(&format!("/werkingsgebieden/{}", world.a));
    let stored: (String, i64, bool, Option<i64>) = sqlx::query_as(
        "select name, policy_period_id, is_demo, carried_over_from from partnerships where partnership_id = $1",
    )
    .bind(world.a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        stored,
        ("Regio Leie-Mandel".into(), world.period, false, None)
    );
}

#[tokio::test]
async fn members_are_added_to_the_werkingsgebied_in_the_address_only() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in_as(Role::Admin).await;
    let fields = with_forged(&world, &[("nis_code", "34013")]);

    let r = post_owned(
        &app,
        &format!("/werkingsgebieden/{}/leden/toevoegen", world.a),
        &fields,
    )
    .await;

    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let owner: i64 = sqlx::query_scalar(
        "select partnership_id from partnership_members where nis_code = '34013'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(owner, world.a);
}

#[tokio::test]
async fn an_admin_editing_a_user_changes_only_the_name_and_the_role() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in_as(Role::Admin).await;
    let fields: Vec<(String, String)> = [
        ("full_name", "Rita Vermeulen"),
        ("role", "ministry"),
        ("email", "nieuw@kortrijk.be"),
        ("active", "false"),
        ("must_change_password", "true"),
        ("password_hash", "$argon2id$v=19$m=19456,t=2,p=1$x$y"),
        ("session_version", "99"),
        ("user_id", "{b_regisseur}"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), world.fill(v)))
    .collect();
    let account =
        "select to_jsonb(u) - 'full_name' - 'role' - 'updated_at' from users u where user_id = $1";
    let before: serde_json::Value = sqlx::query_scalar(account)
        .bind(world.a_regisseur)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let b_before = b_as_stored(&app, &world).await;

    let r = post_owned(
        &app,
        &format!("/admin/gebruikers/{}/bewerken", world.a_regisseur),
        &fields,
    )
    .await;

    r.assert_redirects_to(&format!("/admin/gebruikers/{}", world.a_regisseur));
    let after: serde_json::Value = sqlx::query_scalar(account)
        .bind(world.a_regisseur)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(after, before, "email, active, password, sessions unchanged");
    assert_eq!(role_of(&app, world.a_regisseur).await, "ministry");
    assert_eq!(b_as_stored(&app, &world).await, b_before);
}

#[tokio::test]
async fn a_new_user_must_choose_a_password_whatever_the_form_says() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in_as(Role::Admin).await;
    let fields = with_forged(
        &world,
        &[
            ("email", "nieuw@vlaanderen.be"),
            ("full_name", "Nieuwe Medewerker"),
            ("role", "ministry"),
            ("must_change_password", "false"),
            ("active", "false"),
            ("password_hash", "$argon2id$v=19$m=19456,t=2,p=1$x$y"),
        ],
    );

    let r = post_owned(&app, "/admin/gebruikers/nieuw", &fields).await;

    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored: (String, bool, bool, bool) = sqlx::query_as(
        "select role::text, must_change_password, active, password_hash like '$argon2id$%$x$y' from users where email = 'nieuw@vlaanderen.be'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stored, ("ministry".into(), true, true, false));
}

#[tokio::test]
async fn an_appointment_request_is_a_request_whatever_the_form_says() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    let staff = app.sign_in_as(Role::Ministry).await;
    let a = world.a.to_string();
    let mut fields = with_forged(
        &world,
        &[
            ("partnership_id", &a),
            ("person_name", "Nieuwe Kandidaat"),
            ("person_email", "nieuw@kortrijk.be"),
            ("fte", "0,8"),
            ("starts_on", "2024-01-01"),
            ("ends_on", "2025-12-31"),
            ("request_note", "Graag snel"),
        ],
    );
    for (k, v) in [
        ("status", "goedgekeurd"),
        ("requested_by", world.b_regisseur.to_string().as_str()),
        ("decided_by", world.b_regisseur.to_string().as_str()),
        ("decision_motivation", "zelf goedgekeurd"),
    ] {
        fields.push((k.into(), v.into()));
    }

    let r = post_owned(&app, "/aanstellingen/nieuw", &fields).await;

    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let stored: (i64, String, Option<i64>, bool, Option<i64>, Option<i64>, String) =
        sqlx::query_as(
            "select partnership_id, status::text, user_id, is_demo, requested_by, decided_by, decision_motivation from appointments where person_email = 'nieuw@kortrijk.be'",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        stored,
        (
            world.a,
            "aangevraagd".into(),
            None,
            false,
            Some(staff),
            None,
            String::new()
        )
    );
    // B's regisseur, named as user_id, got no write access to A.
    let b_writes_a: bool = sqlx::query_scalar(
        "select exists(select 1 from current_appointments where partnership_id = $1 and user_id = $2)",
    )
    .bind(world.a)
    .bind(world.b_regisseur)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(!b_writes_a);
}

#[tokio::test]
async fn approving_a_request_links_the_candidates_own_regisseur_account() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    let admin = app.sign_in_as(Role::Admin).await;
    let fields = with_forged(&world, &[("person_email", "admin@test.regie.be")]);

    let r = post_owned(
        &app,
        &format!("/aanstellingen/{}/goedkeuren", world.a_request),
        &fields,
    )
    .await;

    r.assert_redirects_to(&format!("/aanstellingen/{}", world.a_request));
    let linked: (String, String) = sqlx::query_as(
        "select u.email, u.role::text from appointments a join users u using (user_id) where a.appointment_id = $1",
    )
    .bind(world.a_request)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(linked, ("kandidaat@gemeente.be".into(), "regisseur".into()));
    assert_eq!(role_of(&app, admin).await, "admin");
    assert_eq!(role_of(&app, world.b_regisseur).await, "regisseur");
}

#[tokio::test]
async fn a_password_change_changes_only_the_own_password() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in(B_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    let account = "select to_jsonb(u) - 'password_hash' - 'must_change_password' - 'session_version' - 'updated_at' from users u where user_id = $1";
    let own_before: serde_json::Value = sqlx::query_scalar(account)
        .bind(world.b_regisseur)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let a_before = world.a_as_stored(&app).await;
    let mut fields = with_forged(
        &world,
        &[
            ("current_password", PASSWORD),
            ("new_password", "een ander lang wachtwoord voor gent"),
            ("confirmation", "een ander lang wachtwoord voor gent"),
        ],
    );
    for (k, v) in [
        ("user_id", world.a_regisseur.to_string()),
        ("email", A_REGISSEUR.to_string()),
        ("full_name", "Bert Beheerder".to_string()),
        ("active", "false".to_string()),
    ] {
        fields.insert(3, (k.into(), v));
    }

    let r = post_owned(&app, "/wachtwoord", &fields).await;

    r.assert_redirects_to("/");
    let own_after: serde_json::Value = sqlx::query_scalar(account)
        .bind(world.b_regisseur)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(own_after, own_before, "role, email, name, active unchanged");
    assert_eq!(world.a_as_stored(&app).await, a_before);
    let other = app.other_browser();
    other
        .sign_in(B_REGISSEUR, "een ander lang wachtwoord voor gent")
        .await
        .assert_redirects_to("/");
    other
        .get("/admin/gebruikers")
        .await
        .assert_contains("Geen toegang");
}

#[tokio::test]
async fn a_form_that_names_a_field_twice_is_refused_or_read_once() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    let (a, b) = (world.a.to_string(), world.b.to_string());

    // Forms read by serde refuse a second value outright.
    app.sign_in_as(Role::Ministry).await;
    let r = app
        .post_form(
            "/aanstellingen/nieuw",
            &[
                ("partnership_id", &a),
                ("partnership_id", &b),
                ("person_name", "Dubbele Kandidaat"),
                ("person_email", "dubbel@gemeente.be"),
                ("fte", "1"),
                ("starts_on", "2024-01-01"),
                ("ends_on", "2025-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    r.assert_contains("Deze aanvraag kon niet gelezen worden.");
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from appointments where person_email = 'dubbel@gemeente.be'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stored, 0);

    // The action form (checkbox groups repeat names) reads the first value, and checks that
    // one: another werkingsgebied first is refused.
    let regisseur = app.other_browser();
    regisseur
        .sign_in(A_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    let mut form = action_fields(&b, "Eerst Gent");
    form.push(("partnership_id", &a));
    let r = regisseur.post_form("/acties/nieuw", &form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    r.assert_contains("Geen toegang");
    let stored = actions_titled(&app, "Eerst Gent").await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn an_action_names_only_municipalities_of_its_own_werkingsgebied() {
    let app = TestApp::new().await;
    let world = World::new(&app).await;
    app.sign_in(A_REGISSEUR, PASSWORD)
        .await
        .assert_redirects_to("/");
    let a = world.a.to_string();
    let mut form = action_fields(&a, "Ook in Gent");
    form.push(("gemeente", "44021"));

    let r = app.post_form("/acties/nieuw", &form).await;

    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.assert_contains("Kies alleen gemeenten van het eigen werkingsgebied.");
    let stored = actions_titled(&app, "Ook in Gent").await;
    assert_eq!(stored, 0);
}
