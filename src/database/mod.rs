//! Opening the database: the embedded cluster or `DATABASE_URL`, a pool that fails fast, and
//! preparing it (migrations, then reference data).
//!
//! Two logins: the owner (the embedded cluster's superuser, or the user of `DATABASE_URL`) runs
//! migrations, seeds and the command line; the web application's requests log in as
//! [`APP_ROLE`], which owns nothing and cannot change history (see the migration `app_role`).

pub mod backup;
pub mod embedded;

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use crate::config::Config;
use embedded::Cluster;

/// An instant as chrono sees it. sqlx's macros would pick the `time` crate (which the session
/// store enables) for `timestamptz` columns, so queries name this type in their column overrides.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// The migrations in `migrations/`, compiled in.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The database of the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "regie";

/// The role that requests log in as, created by a migration. Logging in as it (never `SET ROLE`
/// on an owner's connection, which `RESET ROLE` undoes) is what makes its limits hold.
pub const APP_ROLE: &str = "regie_app";

/// A request waits at most this long for a connection: then it gets a 503 page.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// No statement of a request runs longer than this. The owner's work (migrations, seeds, the
/// command line's bulk work such as `regie demo volume`) has no limit: see [`owner_pool`].
const STATEMENT_TIMEOUT: &str = "10s";

/// Sets what every connection of the application uses.
///
/// - `jit=off`: JIT compilation costs hundreds of milliseconds on the first run of an
///   aggregate and pays off only for long analytical queries, which a web page must not run.
///
/// - `plan_cache_mode=force_generic_plan`: every prepared statement (sqlx prepares each query
///   once per connection) is planned once, for any values, and that plan is kept. By default
///   PostgreSQL plans anew for the values of each run until a generic plan looks no more
///   costly, and for most of our statements it never did: with 195,000 actions, planning took
///   0.5-2 ms per statement against 0.1-0.6 ms running it. Measured in turns on the same data
///   (req/s, default -> generic): the regisseur's start page 1,100 -> 2,812, `/acties`
///   2,034 -> 3,400, a filtered list 634 -> 1,198, the agreements overview 1,888 -> 2,167;
///   none got slower beyond the noise. The price is a plan that cannot look at the values;
///   searches for a rare and for a common word were measured to keep a good one.
pub fn tune(options: PgConnectOptions) -> PgConnectOptions {
    tune_with(options, STATEMENT_TIMEOUT)
}

fn tune_with(options: PgConnectOptions, statement_timeout: &str) -> PgConnectOptions {
    options.application_name("regie").options([
        ("statement_timeout", statement_timeout),
        ("jit", "off"),
        ("plan_cache_mode", "force_generic_plan"),
    ])
}

/// A pool that gives up quickly when PostgreSQL is slow or gone and reconnects by itself.
///
/// No ping before handing out a connection as a rule (sqlx's default pings every time): it
/// was a second round trip for every statement, and dropping it made a page of two statements
/// three times faster (`/acties/{id}`: 1,330 -> 4,370 req/s). A connection is pinged first
/// only when it may have died unseen: it sat idle for [`IDLE_BEFORE_PING`], or a statement
/// lately found its connection gone ([`note_failure`]), as when PostgreSQL restarted. So
/// after an outage one request gets the 503 page and the pool then drops all dead connections
/// instead of handing each out once more.
pub async fn pool(options: PgConnectOptions, max_connections: u32) -> sqlx::Result<PgPool> {
    pool_with(tune(options), max_connections).await
}

/// A pool for the owner's work, which no request waits for: migrations, seeds and the command
/// line (`regie demo volume` inserts up to 195,000 actions a statement and ran into the
/// requests' 10 s limit on a busy machine). Statements run as long as they need.
pub async fn owner_pool(options: PgConnectOptions, max_connections: u32) -> sqlx::Result<PgPool> {
    pool_with(tune_with(options, "0"), max_connections).await
}

async fn pool_with(options: PgConnectOptions, max_connections: u32) -> sqlx::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_BEFORE_PING || lately_broken() {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
}

/// A connection idle this long is pinged before use: PostgreSQL or a firewall may have ended
/// it meanwhile.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(10);
/// After a statement found its connection gone, every connection is pinged before use for
/// this long.
const PING_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// When a statement last found its connection gone, in milliseconds since the Unix epoch
/// (0: never). Process-wide like the database it describes, and written from the error
/// conversions, which have no handle on the pool.
static BROKEN_AT_MS: AtomicU64 = AtomicU64::new(0);

fn now_ms() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

fn lately_broken() -> bool {
    let at = BROKEN_AT_MS.load(Ordering::Relaxed);
    at != 0 && now_ms().saturating_sub(at) < PING_AFTER_FAILURE.as_millis() as u64
}

/// Remembers `err` when it means the connection is gone (a socket error, or PostgreSQL ending
/// the session: 57P01-57P03, 08xxx), so the pool tests the connections it hands out next.
pub fn note_failure(err: &sqlx::Error) {
    let lost = match err {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P0")),
        _ => false,
    };
    if lost {
        BROKEN_AT_MS.store(now_ms(), Ordering::Relaxed);
    }
}

/// Closes `db` and waits until its last connection is gone. sqlx 0.8 returns the connection of
/// a transaction dropped without commit from a spawned task; one that comes back after
/// `close()` returned would stay open, idle, for the life of the process.
pub async fn close(db: &PgPool) {
    for _ in 0..200 {
        db.close().await;
        if db.size() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tracing::warn!("a database connection stayed open after its pool was closed");
}

/// Where the database is: the server of `DATABASE_URL`, or the embedded cluster (started here).
#[expect(
    clippy::large_enum_variant,
    reason = "one per process; boxing would only add noise"
)]
pub enum Location {
    External {
        /// `DATABASE_URL`: the owner.
        owner: PgConnectOptions,
        /// `REGIE_APP_DATABASE_URL`: the login for requests, if given.
        app: Option<PgConnectOptions>,
    },
    Embedded(Cluster),
}

impl Location {
    /// Starts the embedded cluster (blocking work, off the async executor) when needed.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        if let Some(url) = &config.database_url {
            let owner = PgConnectOptions::from_str(url).context("DATABASE_URL is not valid")?;
            let app = config
                .app_database_url
                .as_deref()
                .map(PgConnectOptions::from_str)
                .transpose()
                .context("REGIE_APP_DATABASE_URL is not valid")?;
            return Ok(Self::External { owner, app });
        }
        let data_dir = config.data_dir.clone();
        let cluster = tokio::task::spawn_blocking(move || Cluster::start(&data_dir)).await??;
        let location = Self::Embedded(cluster);
        location.create_database(EMBEDDED_DATABASE).await?;
        Ok(location)
    }

    /// The owner's options for the application's database.
    pub fn options(&self) -> PgConnectOptions {
        self.options_for(EMBEDDED_DATABASE)
    }

    /// The owner's options for another database on the same server (tests make one per test).
    pub fn options_for(&self, database: &str) -> PgConnectOptions {
        match self {
            Self::External { owner, .. } => with_database(owner, database),
            Self::Embedded(cluster) => cluster.connect_options(database),
        }
    }

    /// Options for the requests' login ([`APP_ROLE`]) to the application's database.
    pub fn app_options(&self) -> PgConnectOptions {
        self.app_options_for(EMBEDDED_DATABASE)
    }

    /// The requests' login to another database on the same server. The embedded cluster trusts
    /// its private socket, so `regie_app` needs no password there. An external server without
    /// `REGIE_APP_DATABASE_URL` gets the owner (see [`Self::requests_run_as_owner`]).
    pub fn app_options_for(&self, database: &str) -> PgConnectOptions {
        match self {
            Self::External { app: Some(app), .. } => with_database(app, database),
            Self::External { owner, app: None } => with_database(owner, database),
            Self::Embedded(cluster) => cluster.connect_options(database).username(APP_ROLE),
        }
    }

    /// An external server without `REGIE_APP_DATABASE_URL`: requests log in as the owner.
    pub fn requests_run_as_owner(&self) -> bool {
        matches!(self, Self::External { app: None, .. })
    }

    /// Options for the server's maintenance database, to create and drop databases.
    pub fn maintenance_options(&self) -> PgConnectOptions {
        match self {
            Self::External { owner, .. } => owner.clone().database("postgres"),
            Self::Embedded(cluster) => cluster.connect_options("postgres"),
        }
    }

    /// Creates `name` unless it exists. `name` must be a plain identifier.
    pub async fn create_database(&self, name: &str) -> anyhow::Result<()> {
        anyhow::ensure!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "invalid database name {name}"
        );
        let mut conn = self.maintenance_options().connect().await?;
        let exists: bool =
            sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                .bind(name)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            // Identifiers cannot be bound as parameters; `name` was checked above.
            match sqlx::query(&format!("create database {name}"))
                .execute(&mut conn)
                .await
            {
                Ok(_) => {}
                // 42P04 duplicate_database: a concurrent start made it first.
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Stops the embedded cluster if this process started it.
    pub fn close(&self) {
        if let Self::Embedded(cluster) = self
            && let Err(err) = cluster.stop()
        {
            tracing::error!(error = %err, "stopping the embedded PostgreSQL failed");
        }
    }
}

/// `options` for `database`; the application's own database is the one its URL names.
fn with_database(options: &PgConnectOptions, database: &str) -> PgConnectOptions {
    if database == EMBEDDED_DATABASE {
        options.clone()
    } else {
        options.clone().database(database)
    }
}

/// Creates the requests' role [`APP_ROLE`] unless the server has it (as the first migration
/// does): roles belong to the server, not to a database, so a backup holds the grants to it
/// but not the role, and a restore into a fresh server needs it first.
pub async fn ensure_app_role(db: &PgPool) -> anyhow::Result<()> {
    sqlx::raw_sql(
        "do $$
         begin
             if not exists (select from pg_roles where rolname = 'regie_app') then
                 create role regie_app login nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
             end if;
         exception
             when duplicate_object or unique_violation then null;
         end
         $$",
    )
    .execute(db)
    .await
    .context("cannot create the role regie_app (an administrator can: create role regie_app login)")?;
    Ok(())
}

/// Refuses a requests' login that could undo what [`APP_ROLE`] stands for: a superuser, or a
/// role that can act as the owner of the application's tables.
pub async fn check_app_login(db: &PgPool) -> anyhow::Result<()> {
    let login = sqlx::query!(
        r#"select current_user as "user!",
                  (select rolsuper or rolbypassrls from pg_roles where rolname = current_user)
                      as "superuser!",
                  exists(select from pg_class c
                         join pg_namespace n on n.oid = c.relnamespace
                         where n.nspname = 'public'
                           and pg_has_role(current_user, c.relowner, 'usage')) as "owner!""#
    )
    .fetch_one(db)
    .await?;
    let user = login.user;
    anyhow::ensure!(
        !login.superuser && !login.owner,
        "requests would log in as {user}, which is a superuser or owns the tables; \
         REGIE_APP_DATABASE_URL must log in as {APP_ROLE} (see the README)"
    );
    Ok(())
}

/// Two migrations shipped at one stop with other texts than the ones that had landed before
/// (their first landing is the text in `migrations/`): (version, SHA-384 of that other text).
/// A database created in between applied those texts; what they did is equivalent (one validated
/// a check the landed text leaves `not valid`; the other granted privileges that migration
/// 20261129000004 grants anyway), so its record is set to the landed checksum instead of
/// refusing to start.
const SHIPPED_IN_BETWEEN: &[(i64, &str)] = &[
    (
        20261128000001,
        "afbd2ed4120b271cb18bf5a6415e09c80daa88c29b58e3f166f4a24e1d2942f478f9ba3321fcba015f555328b888f5c9",
    ),
    (
        20261129000001,
        "98ecf8f3aa09b7dcd87c5f9ea038133be41a57b30ec61ecbd28a6758b75bcbaaa51c27b2e8be723afe3256a583e34a47",
    ),
];

/// Sets the recorded checksum of a migration applied from a [`SHIPPED_IN_BETWEEN`] text to the
/// checksum of its landed text, so sqlx's check passes. Any other mismatch still stops the start.
async fn reconcile_checksums(db: &PgPool) -> anyhow::Result<()> {
    let recorded: bool =
        sqlx::query_scalar("select to_regclass('public._sqlx_migrations') is not null")
            .fetch_one(db)
            .await?;
    if !recorded {
        return Ok(());
    }
    for &(version, other) in SHIPPED_IN_BETWEEN {
        let Some(landed) = MIGRATOR.iter().find(|m| m.version == version) else {
            continue;
        };
        let other = data_encoding::HEXLOWER
            .decode(other.as_bytes())
            .context("a checksum in SHIPPED_IN_BETWEEN is not hex")?;
        // Dynamic SQL (not `query!`): the table is sqlx's, absent when the offline data is made.
        let fixed = sqlx::query(
            "update _sqlx_migrations set checksum = $1 where version = $2 and checksum = $3",
        )
        .bind(landed.checksum.as_ref())
        .bind(version)
        .bind(&other)
        .execute(db)
        .await?
        .rows_affected();
        if fixed > 0 {
            tracing::info!(
                version,
                "migration record set to the landed text's checksum"
            );
        }
    }
    Ok(())
}

/// Runs the migrations (sqlx holds an advisory lock: concurrent starts are safe). The reference
/// data comes after, from the features that own it ([`crate::prepare`]).
pub async fn migrate(db: &PgPool) -> anyhow::Result<()> {
    reconcile_checksums(db).await?;
    MIGRATOR.run(db).await.context("running migrations")?;
    Ok(())
}
