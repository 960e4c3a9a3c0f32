//! The `regie` binary itself: creating and listing users from scripts, and refusing bad
//! configuration with a message that names the variable.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use regie::identity::Role;

use crate::helpers::TestApp;

/// A `DATABASE_URL` for the test's own database (over the embedded cluster's socket or TCP).
pub fn database_url(app: &TestApp) -> String {
    let options = app.db.connect_options();
    let user = options.get_username();
    let database = options.get_database().expect("a database name");
    match options.get_socket() {
        Some(socket) => format!(
            "postgres://{user}@localhost:{}/{database}?host={}",
            options.get_port(),
            socket.display()
        ),
        None => std::env::var("DATABASE_URL")
            .map(|url| {
                let base = url
                    .rsplit_once('/')
                    .map_or(url.as_str(), |(b, _)| b)
                    .to_string();
                format!("{base}/{database}")
            })
            .expect("DATABASE_URL for a TCP test server"),
    }
}

pub fn regie(app: &TestApp, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_regie"));
    command
        .args(args)
        .env_remove("REGIE_BIND")
        .env_remove("REGIE_DATA_DIR")
        .env("DATABASE_URL", database_url(app))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("run the regie binary");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn the_command_line_adds_users_who_can_sign_in_and_lists_them() {
    let app = TestApp::new().await;
    let add = [
        "user",
        "add",
        "--email",
        "s.s@vlaanderen.be",
        "--name",
        "Sam Script",
        "--role",
        "admin",
    ];
    let out = regie(&app, &add, "een lang wachtwoord voor de cli\n", &[]);
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Created user"));
    // The password never appears in the output.
    assert!(!text(&out.stdout).contains("een lang wachtwoord"));

    app.sign_in("s.s@vlaanderen.be", "een lang wachtwoord voor de cli")
        .await
        .assert_redirects_to("/");

    let again = regie(&app, &add, "een lang wachtwoord voor de cli\n", &[]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"));

    let list = regie(&app, &["user", "list"], "", &[]);
    assert!(list.status.success());
    assert!(text(&list.stdout).contains("s.s@vlaanderen.be"));
    assert!(text(&list.stdout).contains("Sam Script"));

    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'user.created' and details->>'via' = 'command line'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn the_command_line_refuses_weak_passwords_unknown_roles_and_bad_configuration() {
    let app = TestApp::new().await;
    app.with_user(Role::Ministry)
        .email("bestaand@vlaanderen.be")
        .name("Bestaande Gebruiker")
        .await;

    let weak = regie(
        &app,
        &[
            "user",
            "add",
            "--email",
            "zwak@vlaanderen.be",
            "--name",
            "Zwak",
            "--role",
            "ministry",
        ],
        "kort\n",
        &[],
    );
    assert!(!weak.status.success());
    assert!(text(&weak.stderr).contains("password refused"));

    let no_password = regie(
        &app,
        &[
            "user",
            "add",
            "--email",
            "leeg@vlaanderen.be",
            "--name",
            "Leeg",
            "--role",
            "ministry",
        ],
        "",
        &[],
    );
    assert!(!no_password.status.success());
    assert!(text(&no_password.stderr).contains("no password on standard input"));

    let role = regie(
        &app,
        &[
            "user",
            "add",
            "--email",
            "rol@vlaanderen.be",
            "--name",
            "Rol",
            "--role",
            "root",
        ],
        "een lang wachtwoord voor de cli\n",
        &[],
    );
    assert!(!role.status.success());
    assert!(text(&role.stderr).contains("unknown role"));
    assert!(
        text(&role.stderr).contains("vdab"),
        "the message names every role"
    );

    let config = regie(&app, &["user", "list"], "", &[("REGIE_BIND", "overal")]);
    assert_eq!(config.status.code(), Some(2));
    assert!(text(&config.stderr).contains("REGIE_BIND"));

    let log = regie(&app, &["user", "list"], "", &[("RUST_LOG", "[[[")]);
    assert_eq!(log.status.code(), Some(2));
    assert!(text(&log.stderr).contains("RUST_LOG"));

    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(users, 1, "nothing was created");
}

#[tokio::test]
async fn the_command_line_adds_a_vdab_account_manager() {
    let app = TestApp::new().await;
    let help = regie(&app, &["user", "add", "--help"], "", &[]);
    assert!(
        text(&help.stdout).contains("vdab"),
        "the help names the role"
    );

    let out = regie(
        &app,
        &[
            "user",
            "add",
            "--email",
            "an@vdab.be",
            "--name",
            "An Accountmanager",
            "--role",
            "vdab",
        ],
        "een lang wachtwoord voor de cli\n",
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("(vdab)"));
    let role: String =
        sqlx::query_scalar("select role::text from users where email = 'an@vdab.be'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(role, "vdab");

    // No two-step set-up is forced on them; they land on their start page.
    app.sign_in("an@vdab.be", "een lang wachtwoord voor de cli")
        .await
        .assert_redirects_to("/");
    app.get("/")
        .await
        .assert_contains("Er zijn u nog geen werkingsgebieden toegewezen");
}
