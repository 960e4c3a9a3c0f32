//! Opening the database: the embedded cluster or `DATABASE_URL`, a pool that fails fast, and
//! preparing it (migrations, then reference data).

pub mod embedded;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

use crate::config::Config;
use embedded::Cluster;

/// An instant as chrono sees it. sqlx's macros would pick the `time` crate (which the session
/// store enables) for `timestamptz` columns, so queries name this type in their column overrides.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// The migrations in `migrations/`, compiled in.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The database of the embedded cluster.
pub const EMBEDDED_DATABASE: &str = "regie";

/// A request waits at most this long for a connection: then it gets a 503 page.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// No statement runs longer than this.
const STATEMENT_TIMEOUT: &str = "10s";

/// Sets what every connection of the application uses.
///
/// - `jit=off`: JIT compilation costs hundreds of milliseconds on the first run of an
///   aggregate and pays off only for long analytical queries, which a web page must not run.
/// - `plan_cache_mode=force_custom_plan`: the list and search queries take optional filters
///   (`$1 is null or ...`); a generic plan cannot drop the unused ones and picks bad scans,
///   while planning with the actual values costs about a millisecond.
pub fn tune(options: PgConnectOptions) -> PgConnectOptions {
    options.application_name("regie").options([
        ("statement_timeout", STATEMENT_TIMEOUT),
        ("jit", "off"),
        ("plan_cache_mode", "force_custom_plan"),
    ])
}

/// A pool that gives up quickly when PostgreSQL is slow or gone and reconnects by itself.
pub async fn pool(options: PgConnectOptions, max_connections: u32) -> sqlx::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(tune(options))
        .await
}

/// Where the database is: the server of `DATABASE_URL`, or the embedded cluster (started here).
pub enum Location {
    External(PgConnectOptions),
    Embedded(Cluster),
}

impl Location {
    /// Starts the embedded cluster (blocking work, off the async executor) when needed.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        if let Some(url) = &config.database_url {
            let options = PgConnectOptions::from_str(url).context("DATABASE_URL is not valid")?;
            return Ok(Self::External(options));
        }
        let data_dir = config.data_dir.clone();
        let cluster = tokio::task::spawn_blocking(move || Cluster::start(&data_dir)).await??;
        let location = Self::Embedded(cluster);
        location.create_database(EMBEDDED_DATABASE).await?;
        Ok(location)
    }

    /// Options for the application's database.
    pub fn options(&self) -> PgConnectOptions {
        self.options_for(EMBEDDED_DATABASE)
    }

    /// Options for another database on the same server (tests make one per test).
    pub fn options_for(&self, database: &str) -> PgConnectOptions {
        match self {
            Self::External(options) if database == EMBEDDED_DATABASE => options.clone(),
            Self::External(options) => options.clone().database(database),
            Self::Embedded(cluster) => cluster.connect_options(database),
        }
    }

    /// Options for the server's maintenance database, to create and drop databases.
    pub fn maintenance_options(&self) -> PgConnectOptions {
        match self {
            Self::External(options) => options.clone().database("postgres"),
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

/// Runs the migrations (sqlx holds an advisory lock: concurrent starts are safe) and loads the
/// reference data.
pub async fn prepare(db: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(db).await.context("running migrations")?;
    if crate::municipalities::seed::load(db).await? {
        tracing::info!("reference data loaded from seeds/");
    }
    crate::periods::seed(db).await?;
    Ok(())
}
