//! The command line: `regie` (or `regie serve`) runs the web application; `regie user add`,
//! `regie user list`, `regie backup`, `regie restore` and `regie db stop` are for scripts and
//! operators.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use sqlx::PgPool;

use crate::audit::{self, Action};
use crate::auth::password;
use crate::config::Config;
use crate::database::{self, Location, backup, embedded::Cluster};
use crate::identity::Role;
use crate::notifications::{outbox, reminders};
use crate::state::AppState;
use crate::users::{self, db as users_db};
use crate::web::RequestContext;

#[derive(Parser)]
#[command(
    name = "regie",
    version,
    about = "Lokale regie sociale economie en werk"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web application (the default).
    Serve,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the embedded PostgreSQL cluster.
    #[command(subcommand)]
    Db(DbCommand),
    /// Demonstration data (marked as demo everywhere).
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Write a backup of the whole database (PDFs included): a pg_dump archive in custom
    /// format, by default <REGIE_DATA_DIR>/backups/regie-<UTC time>.dump.
    Backup {
        /// Where to write it (must not exist).
        file: Option<PathBuf>,
    },
    /// Restore a backup made by `regie backup` into an empty database, in one transaction.
    Restore {
        file: PathBuf,
        /// Restore into a database that is not empty, replacing what the backup holds.
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Load the demo werkingsgebieden and regisseurs (skipped when real ones exist).
    Load,
    /// Add synthetic actions for benchmarks (marked synthetic), and two benchmark accounts
    /// whose password is read from standard input. Never on a production database.
    Volume {
        /// Actions per werkingsgebied and year.
        #[arg(long, default_value_t = 850)]
        per_year: i32,
        /// Years, counting back from 2025; only the years a policy period holds get actions.
        #[arg(long, default_value_t = 6)]
        years: i32,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; reads the password (one line) from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, ministry, regisseur or vdab (a VDAB account manager: an admin then assigns
        /// their werkingsgebieden on the user's admin page)
        #[arg(long)]
        role: String,
    },
    /// List all users.
    List,
}

#[derive(Subcommand)]
pub enum DbCommand {
    /// Stop the embedded cluster (tests and `regie user` leave it running for the next use).
    Stop,
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            // Bind first: a taken port should fail before any database work.
            let listener = tokio::net::TcpListener::bind(config.bind)
                .await
                .with_context(|| format!("cannot listen on {} (REGIE_BIND)", config.bind))?;
            let metrics = match config.operations.metrics_bind {
                Some(addr) => Some(crate::metrics::bind(addr).await?),
                None => None,
            };
            let location = Location::open(&config).await?;
            let result = serve(&location, listener, metrics, config).await;
            location.close();
            result
        }
        Command::User(UserCommand::Add { email, name, role }) => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}: use admin, ministry, regisseur or vdab")
            })?;
            let password = read_password()?;
            with_database(&config, |db| add_user(db, email, name, role, password)).await
        }
        Command::User(UserCommand::List) => with_database(&config, list_users).await,
        Command::Demo(DemoCommand::Volume { per_year, years }) => {
            if !(1..=5000).contains(&per_year) || !(1..=30).contains(&years) {
                bail!("--per-year must be 1..5000 and --years 1..30");
            }
            let password = read_password()?;
            with_database(&config, |db| async move {
                let started = std::time::Instant::now();
                let count =
                    crate::demo::actions::synthetic(&db, per_year, years, &password).await?;
                println!(
                    "{count} synthetic actions added in {:.1} s.",
                    started.elapsed().as_secs_f64()
                );
                Ok(())
            })
            .await
        }
        Command::Demo(DemoCommand::Load) => with_database(&config, |db| async move {
            if crate::demo::load(&db).await? {
                println!("Demo data loaded.");
            } else {
                println!(
                    "Demo data not loaded: it was loaded before, or real werkingsgebieden exist."
                );
            }
            Ok(())
        })
        .await,
        Command::Backup { file } => {
            let file = file.unwrap_or_else(|| backup::default_file(&config));
            let location = Location::open(&config).await?;
            let written = backup::backup(&location, &config, &file).await;
            location.close();
            let bytes = written?;
            println!(
                "Backup written: {} ({:.1} MB)",
                file.display(),
                bytes as f64 / 1_048_576.0
            );
            Ok(())
        }
        Command::Restore { file, replace } => {
            let location = Location::open(&config).await?;
            let result = restore(&location, &config, &file, replace).await;
            location.close();
            result
        }
        Command::Db(DbCommand::Stop) => {
            if Cluster::stop_for(&config.data_dir)? {
                println!("Embedded PostgreSQL stopped.");
            } else {
                println!("Embedded PostgreSQL was not running.");
            }
            Ok(())
        }
    }
}

/// Opens and prepares the database, runs `work`, and then stops the embedded cluster if this
/// process started it, whether `work` succeeded or not.
async fn with_database<F, Fut>(config: &Config, work: F) -> anyhow::Result<()>
where
    F: FnOnce(PgPool) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let location = Location::open(config).await?;
    let result = async {
        let db = prepared(&location, config).await?;
        let outcome = work(db.clone()).await;
        db.close().await;
        outcome
    }
    .await;
    location.close();
    result
}

/// A pool of the owner's connections to a migrated and seeded database.
async fn prepared(location: &Location, config: &Config) -> anyhow::Result<PgPool> {
    let db = database::owner_pool(location.options(), config.db_max_connections)
        .await
        .context("cannot connect to PostgreSQL")?;
    crate::prepare(&db).await?;
    Ok(db)
}

/// Prepares the database as its owner, then serves requests on connections that log in as
/// the application's own role; no owner's connection stays open while serving.
async fn serve(
    location: &Location,
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    config: Config,
) -> anyhow::Result<()> {
    let owner = prepared(location, &config).await?;
    let started = start_up(&owner, &config).await;
    database::close(&owner).await;
    started?;

    let db = database::pool(location.app_options(), config.db_max_connections)
        .await
        .with_context(|| {
            format!(
                "cannot connect to PostgreSQL as the requests' role {}",
                database::APP_ROLE
            )
        })?;
    if location.requests_run_as_owner() {
        tracing::warn!(
            "REGIE_APP_DATABASE_URL is not set: requests run as the owner of DATABASE_URL, who \
             can change the audit trail. Give them the role {} (see the README)",
            database::APP_ROLE
        );
    } else {
        database::check_app_login(&db).await?;
    }
    tokio::spawn(crate::auth::PgSessions::new(db.clone()).delete_expired_hourly());
    tokio::spawn(crate::auth::throttle::forget_old_attempts(db.clone()));
    // Reminders are in-app notifications too, so they run with or without a mail server.
    tokio::spawn(reminders::run(db.clone(), config.public_url.clone()));
    match outbox::Mailer::from_config(&config)? {
        Some(mailer) => {
            tokio::spawn(outbox::run(db.clone(), mailer));
        }
        None => tracing::info!(
            "REGIE_SMTP_URL is not set: e-mail stays in the outbox, which admins read at \
             /admin/uitgaande-post"
        ),
    }

    if config.exposes_plain_http() {
        tracing::warn!(
            bind = %config.bind,
            "listening beyond this machine over plain HTTP: passwords and session cookies travel \
             unencrypted. Put regie behind an HTTPS proxy and set REGIE_PUBLIC_URL=https://..."
        );
    }
    tracing::info!("listening on http://{}", config.bind);
    println!(
        "regie is running on http://{} (Ctrl-C stops it)",
        config.bind
    );
    if let Some(listener) = metrics {
        spawn_metrics(listener, db.clone())?;
    }
    if let Some(at) = config.operations.backup_daily {
        let dumper = backup::Dumper::new(location, &config)?;
        tracing::info!(at = %at.format("%H:%M"), keep = config.operations.backup_keep, "daily backups on");
        tokio::spawn(backup::daily(
            dumper,
            backup::folder(&config),
            at,
            config.operations.backup_keep,
        ));
    }
    serve_until_stopped(listener, AppState::new(db.clone(), config)).await?;
    // Closing waits for connections in use, which a request cut off by the shutdown's time
    // limit may still hold.
    let _ = tokio::time::timeout(Duration::from_secs(5), db.close()).await;
    tracing::info!("stopped");
    Ok(())
}

/// The metrics page on its own listener (`REGIE_METRICS_BIND`).
fn spawn_metrics(listener: tokio::net::TcpListener, db: PgPool) -> anyhow::Result<()> {
    let handle = crate::metrics::install()?;
    tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(err) = crate::metrics::serve(listener, handle, db).await {
            tracing::error!(error = %err, "the metrics server stopped");
        }
    });
    Ok(())
}

/// Serves until Ctrl-C or SIGTERM; then stops accepting at once and lets the requests in
/// flight finish, but not for ever (`REGIE_SHUTDOWN_TIMEOUT`): a client that never finishes
/// its request must not keep a rolling restart waiting.
async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    state: AppState,
) -> anyhow::Result<()> {
    let grace = state.config.operations.shutdown_timeout;
    let stopping = state.stopping.clone();
    let (began, mut begun) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        crate::app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        stopping.begin();
        let _ = began.send(true);
    })
    .into_future();
    tokio::select! {
        served = server => served?,
        () = async {
            let _ = begun.wait_for(|began| *began).await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!(
            seconds = grace.as_secs(),
            "requests still in flight after REGIE_SHUTDOWN_TIMEOUT: stopping without them"
        ),
    }
    Ok(())
}

/// The first admin, and demo data for the embedded cluster: written once, as the owner.
async fn start_up(db: &PgPool, config: &Config) -> anyhow::Result<()> {
    if let Some((email, password)) = users::ensure_first_admin(db, &config.admin_email).await? {
        // Printed once, to the console only: never to the log.
        println!(
            "\n  First start: an admin account was created.\n    e-mail:               {email}\n    one-time password:    {password}\n  Sign in and choose your own password. This is shown only once.\n"
        );
    }
    // The embedded default is for trying regie out: give it a living system to look at.
    if config.database_url.is_none() && crate::demo::load(db).await? {
        println!("  Demo data loaded (werkingsgebieden and regisseurs marked as demo).");
    }
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, finish the requests in flight (for at most
/// `REGIE_SHUTDOWN_TIMEOUT`).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// `regie restore`: refuses a database that holds tables unless told to replace them, makes
/// sure the requests' role exists (the archive grants to it; roles are not in it), restores,
/// and says what came back.
async fn restore(
    location: &Location,
    config: &Config,
    file: &std::path::Path,
    replace: bool,
) -> anyhow::Result<()> {
    let db = database::owner_pool(location.options(), 1)
        .await
        .context("cannot connect to PostgreSQL")?;
    let outcome = async {
        if !replace && !backup::is_empty(&db).await? {
            bail!(
                "the database is not empty: a backup is restored into an empty database only. \
                 Use a new database (or a new REGIE_DATA_DIR), or pass --replace to overwrite \
                 what the backup holds"
            );
        }
        database::ensure_app_role(&db).await?;
        tokio::task::block_in_place(|| backup::restore(location, config, file, replace))?;
        let (actions, users, documents): (i64, i64, i64) = sqlx::query_as(
            "select (select count(*) from actions), (select count(*) from users), \
                    (select count(*) from agreement_documents)",
        )
        .fetch_one(&db)
        .await
        .context("the restored database lacks regie's tables")?;
        println!(
            "Restored {}: {actions} actions, {users} users, {documents} documents. \
             The next start applies any newer migrations.",
            file.display()
        );
        Ok(())
    }
    .await;
    db.close().await;
    outcome
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!(
            "no password on standard input; pipe one line, e.g. `read -rs PW; echo \"$PW\" | regie user add ...`"
        );
    }
    Ok(password)
}

async fn add_user(
    db: PgPool,
    email: String,
    name: String,
    role: Role,
    password: String,
) -> anyhow::Result<()> {
    if !crate::identity::is_plausible_email(&email) {
        bail!("{email:?} is not a valid email address");
    }
    if name.trim().is_empty() || name.trim().chars().count() > 200 {
        bail!("the name must be 1 to 200 characters");
    }
    if let Err(message) = password::check_policy(&password, &email, &name) {
        bail!("password refused: {message}");
    }
    let hash = crate::identity::hashing::Hasher::default()
        .hash(password)
        .await?;
    let mut tx = db.begin().await?;
    let user_id = users_db::create(
        &mut *tx,
        users_db::NewUser {
            email: &email,
            full_name: &name,
            role,
            password_hash: Some(&hash),
            must_change_password: false,
        },
    )
    .await?
    .map_err(|users_db::EmailTaken| anyhow::anyhow!("a user with email {email} already exists"))?;
    audit::Entry::new(Action::UserCreated)
        .object("user", user_id)
        .details(serde_json::json!({ "email": email.trim(), "role": role.code(), "via": "command line" }))
        .record(&mut *tx, &RequestContext::default())
        .await?;
    tx.commit().await?;
    println!(
        "Created user {user_id}: {} <{}> ({})",
        name.trim(),
        email.trim(),
        role.code()
    );
    Ok(())
}

async fn list_users(db: PgPool) -> anyhow::Result<()> {
    let users = users_db::list(&db).await?;
    println!(
        "{:>5}  {:<9}  {:<8}  {:<35}  name",
        "id", "role", "active", "email"
    );
    for u in &users {
        println!(
            "{:>5}  {:<9}  {:<8}  {:<35}  {}",
            u.user_id,
            u.role.code(),
            if u.active { "yes" } else { "no" },
            u.email,
            u.full_name
        );
    }
    println!("{} user(s)", users.len());
    Ok(())
}
