//! `regie backup [FILE]` and `regie restore FILE`: PostgreSQL's own `pg_dump` (custom format)
//! and `pg_restore`, on the embedded cluster or the server of `DATABASE_URL`.
//!
//! Everything regie keeps is in the database, uploaded PDFs included (`agreement_documents`),
//! so one archive is a whole backup. A restore goes into an empty database only (or, when told,
//! replaces what one holds), in one transaction: it succeeds whole or leaves the database as it
//! was.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Brussels;
use sqlx::PgPool;

use super::{Location, embedded};
use crate::config::Config;

/// A PostgreSQL client program (`pg_dump`, `pg_restore`, `psql`) of the right version, with
/// the arguments that reach the database and the password in its environment (never on the
/// command line, where any local user could read it).
struct Client {
    program: PathBuf,
    connection: Vec<OsString>,
    password: Option<String>,
}

impl Client {
    fn new(name: &str, location: &Location, config: &Config) -> anyhow::Result<Self> {
        match (location, &config.database_url) {
            (Location::Embedded(cluster), _) => {
                let options = cluster.connect_options(super::EMBEDDED_DATABASE);
                let socket = options
                    .get_socket()
                    .context("the embedded cluster has no socket folder")?;
                Ok(Self {
                    program: cluster.program(name),
                    connection: vec![
                        "--host".into(),
                        socket.into(),
                        "--port".into(),
                        options.get_port().to_string().into(),
                        "--username".into(),
                        options.get_username().into(),
                        "--dbname".into(),
                        super::EMBEDDED_DATABASE.into(),
                    ],
                    password: None,
                })
            }
            (Location::External { .. }, Some(url)) => {
                let mut url = url::Url::parse(url).context("DATABASE_URL is not a valid URL")?;
                let password = url
                    .password()
                    .map(|p| {
                        percent_encoding::percent_decode_str(p)
                            .decode_utf8()
                            .map(|p| p.into_owned())
                            .context("the password in DATABASE_URL is not valid UTF-8")
                    })
                    .transpose()?;
                let _ = url.set_password(None);
                Ok(Self {
                    program: embedded::client_program(name)?,
                    connection: vec!["--dbname".into(), url.as_str().into()],
                    password,
                })
            }
            (Location::External { .. }, None) => bail!("DATABASE_URL is not set"),
        }
    }

    /// The program, connected to the database.
    fn connected(&self) -> Command {
        let mut command = self.offline();
        command.args(&self.connection).arg("--no-password");
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        command
    }

    /// The program on its own (`pg_restore` writing a script).
    fn offline(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.stdin(Stdio::null());
        command
    }
}

/// `<REGIE_DATA_DIR>/backups/`: where `regie backup` and the daily backups write.
pub fn folder(config: &Config) -> PathBuf {
    config.data_dir.join("backups")
}

/// `<REGIE_DATA_DIR>/backups/regie-20261203T101500Z.dump`.
pub fn default_file(config: &Config) -> PathBuf {
    folder(config).join(file_name(Utc::now()))
}

/// Writes a custom-format archive of the whole database to `file`: see [`Dumper::write`].
pub async fn backup(location: &Location, config: &Config, file: &Path) -> anyhow::Result<u64> {
    Dumper::new(location, config)?.write(file).await
}

/// `pg_dump`, ready to write archives of this database (also from a background task, which
/// cannot borrow the [`Location`]).
pub struct Dumper(Client);

impl Dumper {
    pub fn new(location: &Location, config: &Config) -> anyhow::Result<Self> {
        Ok(Self(Client::new("pg_dump", location, config)?))
    }

    /// Writes the archive to `file` (through a temporary file beside it, linked at the end: a
    /// failed backup leaves no file that looks complete). The file is readable by its owner
    /// only: it holds personal data and password hashes. Returns its size in bytes.
    ///
    /// pg_dump runs as a child of this task and is killed when the task is dropped, so a
    /// server that shuts down does not wait for a daily backup (its `.partial` file is removed
    /// by the next [`prune`]).
    pub async fn write(&self, file: &Path) -> anyhow::Result<u64> {
        let folder = file.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(folder) = folder {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(folder)
                .with_context(|| format!("cannot create the folder {}", folder.display()))?;
        }
        if file.exists() {
            bail!(
                "{} exists already: choose another name or remove it first",
                file.display()
            );
        }
        let partial = file.with_extension("dump.partial");
        let out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&partial)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        // Its messages come back in the error, so a daily backup logs them like any other
        // line (JSON included) instead of writing them around the log.
        let mut command = self.0.connected();
        command
            .arg("--format=custom")
            .stdout(out)
            .stderr(Stdio::piped());
        // spawn, not output(): tokio's output() would pipe standard output too.
        let dumped = match tokio::process::Command::from(command)
            .kill_on_drop(true)
            .spawn()
        {
            Ok(child) => child.wait_with_output().await.map_err(anyhow::Error::from),
            Err(err) => Err(anyhow::Error::from(err)),
        }
        .with_context(|| format!("cannot run {}", self.0.program.display()));
        let finished = dumped.and_then(|run| {
            if !run.status.success() {
                bail!(
                    "pg_dump failed ({}): {}",
                    run.status,
                    String::from_utf8_lossy(&run.stderr).trim()
                );
            }
            // A link, not a rename: it fails if the name was taken meanwhile, so no backup
            // ever replaces another.
            fs::hard_link(&partial, file)
                .with_context(|| format!("cannot write {}", file.display()))
        });
        let _ = fs::remove_file(&partial);
        finished?;
        Ok(fs::metadata(file)?.len())
    }
}

/// `REGIE_BACKUP_DAILY`: a backup into `folder` every day at `at` (Belgian time), keeping the
/// newest `keep`. A failed backup is logged and tried again the next day; the site goes on.
pub async fn daily(dumper: Dumper, folder: PathBuf, at: NaiveTime, keep: usize) {
    loop {
        let now = Utc::now();
        let next = next_run(now, at);
        tokio::time::sleep((next - now).to_std().unwrap_or_default()).await;
        let file = folder.join(daily_file_name(Utc::now()));
        match dumper.write(&file).await {
            Ok(bytes) => {
                tracing::info!(file = %file.display(), bytes, "daily backup written");
                match prune(&folder, keep) {
                    Ok(removed) if !removed.is_empty() => {
                        tracing::info!(removed = removed.len(), "older daily backups removed");
                    }
                    Ok(_) => {}
                    Err(err) => tracing::error!(error = %err, "cannot remove older backups"),
                }
            }
            Err(err) => tracing::error!(error = %format!("{err:#}"), "daily backup failed"),
        }
    }
}

/// The first moment after `now` at which the clock in Brussels shows `at`. On the night the
/// clocks go forward a time that does not exist that night runs an hour later.
pub fn next_run(now: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let mut day = now.with_timezone(&Brussels).date_naive();
    loop {
        let wall = day.and_time(at);
        let moment = Brussels
            .from_local_datetime(&wall)
            .earliest()
            .or_else(|| {
                Brussels
                    .from_local_datetime(&(wall + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc));
        if let Some(moment) = moment.filter(|m| *m > now) {
            return moment;
        }
        day = day.succ_opt().unwrap_or(day);
    }
}

/// `regie-20261203T101500Z.dump`: the time in the name, so names sort as times do.
fn file_name(at: DateTime<Utc>) -> String {
    format!("regie-{}.dump", at.format("%Y%m%dT%H%M%SZ"))
}

/// `regie-daily-20261203T013000Z.dump`: only these are ever removed (by [`prune`]), never a
/// backup someone made by hand.
fn daily_file_name(at: DateTime<Utc>) -> String {
    format!("regie-daily-{}.dump", at.format("%Y%m%dT%H%M%SZ"))
}

/// Removes all but the newest `keep` daily backups in `folder`, and what a daily backup cut
/// off (a crash) left half-written; other files are left alone. Returns what it removed.
pub fn prune(folder: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let daily = |path: &PathBuf, suffix: &str| {
        path.file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("regie-daily-")?.strip_suffix(suffix))
            .is_some_and(|stamp| {
                chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").is_ok()
            })
    };
    let files: Vec<PathBuf> = fs::read_dir(folder)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    let mut backups: Vec<PathBuf> = files
        .iter()
        .filter(|p| daily(p, ".dump"))
        .cloned()
        .collect();
    let mut removed: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| daily(p, ".dump.partial"))
        .collect();
    backups.sort();
    let old = backups.len().saturating_sub(keep);
    removed.extend(backups.drain(..old));
    for path in &removed {
        fs::remove_file(path)?;
    }
    Ok(removed)
}

/// Whether the database holds no table of its own (regie's or any other): only then does a
/// restore go ahead without `--replace`.
pub async fn is_empty(db: &PgPool) -> anyhow::Result<bool> {
    let tables: i64 = sqlx::query_scalar(
        "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
    )
    .fetch_one(db)
    .await?;
    Ok(tables == 0)
}

/// Before a replacing restore: what the database held goes, in the restore's transaction.
const EMPTY_IT: &str =
    "drop schema if exists public, tower_sessions cascade;\ncreate schema public;\n";

/// Between the definitions and the rows. pg_restore loads rows with an empty search_path and
/// checks each against its table's CHECK constraints; a function those call that names our
/// types without their schema then fails ("type agreement_status does not exist"). Migration
/// 20261205000002 fixed ours, but an archive of a database from before it still has them
/// unfixed, so every such function gets its search_path here, as that migration would.
const NAME_SEARCH_PATHS: &str = "do $$
declare f regprocedure;
begin
    for f in
        select distinct p.oid::regprocedure
        from pg_catalog.pg_depend d join pg_catalog.pg_proc p on p.oid = d.refobjid
        where d.classid in ('pg_catalog.pg_constraint'::pg_catalog.regclass,
                            'pg_catalog.pg_attrdef'::pg_catalog.regclass)
          and p.pronamespace = 'public'::pg_catalog.regnamespace
          and p.proconfig is null
          and not exists (select from pg_catalog.pg_depend e -- not an extension's
                          where e.objid = p.oid and e.deptype = 'e')
    loop
        execute pg_catalog.format('alter function %s set search_path = public, pg_temp', f);
    end loop;
end
$$;
";

/// Restores `file` in ONE transaction: psql reads pg_restore's script (its definitions, the
/// search-path fix above, then its rows and indexes), between `begin` and a `commit` that is
/// sent only when every part was read whole. Any failure rolls everything back. `replace`:
/// drop what the database holds first (the caller checked it was empty otherwise).
pub fn restore(
    location: &Location,
    config: &Config,
    file: &Path,
    replace: bool,
) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let pg_restore = Client::new("pg_restore", location, config)?;
    let psql = Client::new("psql", location, config)?;
    let mut session = psql
        .connected()
        .args(["--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot run {}", psql.program.display()))?;
    let mut input = session.stdin.take().context("psql has no input")?;
    let fed = (|| -> anyhow::Result<()> {
        input.write_all(b"begin;\n")?;
        if replace {
            input.write_all(EMPTY_IT.as_bytes())?;
        }
        // --no-owner: the objects belong to whoever restores (the owner of DATABASE_URL, or
        // the embedded cluster's superuser), as after the migrations; grants to regie_app stay.
        script(&pg_restore, file, &["--section=pre-data"], &mut input)?;
        input.write_all(NAME_SEARCH_PATHS.as_bytes())?;
        script(
            &pg_restore,
            file,
            &["--section=data", "--section=post-data"],
            &mut input,
        )?;
        input.write_all(b"commit;\n")?;
        Ok(())
    })();
    if fed.is_err() {
        // Never let psql reach the end of its input, where it would keep what it has.
        let _ = session.kill();
    }
    drop(input);
    let status = session.wait()?;
    fed?;
    if !status.success() {
        bail!("the restore failed ({status}); nothing was restored (see the message above)");
    }
    Ok(())
}

/// Copies pg_restore's SQL script for `sections` of `file` into `into`.
fn script(
    pg_restore: &Client,
    file: &Path,
    sections: &[&str],
    into: &mut impl Write,
) -> anyhow::Result<()> {
    let mut child = pg_restore
        .offline()
        .args(["--no-owner", "--file=-"])
        .args(sections)
        .arg(file)
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", pg_restore.program.display()))?;
    let mut out = child.stdout.take().context("pg_restore has no output")?;
    let copied = std::io::copy(&mut out, into);
    if copied.is_err() {
        // psql stopped (an error): pg_restore would wait for ever on a full pipe.
        drop(out);
        let _ = child.kill();
    }
    let status = child.wait()?;
    copied.context("psql stopped reading: the restore failed (see the message above)")?;
    if !status.success() {
        bail!("pg_restore could not read {} ({status})", file.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_daily_backup_runs_at_the_next_time_the_brussels_clock_shows() {
        let at = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
        // Winter (UTC+1): 02:30 in Brussels is 01:30 UTC; later today, or else tomorrow.
        assert_eq!(
            next_run(utc("2026-12-03T00:00:00Z"), at),
            utc("2026-12-03T01:30:00Z")
        );
        assert_eq!(
            next_run(utc("2026-12-03T01:30:00Z"), at),
            utc("2026-12-04T01:30:00Z")
        );
        // Summer (UTC+2).
        assert_eq!(
            next_run(utc("2026-07-01T12:00:00Z"), at),
            utc("2026-07-02T00:30:00Z")
        );
        // 29 March 2026: 02:30 does not exist in Brussels (02:00 -> 03:00): an hour later.
        assert_eq!(
            next_run(utc("2026-03-28T12:00:00Z"), at),
            utc("2026-03-29T01:30:00Z")
        );
    }

    #[test]
    fn only_the_newest_backups_are_kept_and_other_files_are_left_alone() {
        let folder = std::env::temp_dir().join(format!("regie-prune-{}", std::process::id()));
        let _ = fs::remove_dir_all(&folder);
        fs::create_dir_all(&folder).unwrap();
        let names = [
            "regie-daily-20261201T013000Z.dump",
            "regie-daily-20261202T013000Z.dump",
            "regie-daily-20261203T013000Z.dump",
            "regie-daily-20261203T020000Z.dump.partial",
            "regie-20261130T120000Z.dump",
            "regie-voor-de-upgrade.dump",
            "notes.txt",
        ];
        for name in names {
            fs::write(folder.join(name), b"x").unwrap();
        }
        let mut removed = prune(&folder, 2).unwrap();
        removed.sort();
        assert_eq!(removed, vec![folder.join(names[0]), folder.join(names[3])]);
        let mut left: Vec<String> = fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "notes.txt",
                "regie-20261130T120000Z.dump",
                "regie-daily-20261202T013000Z.dump",
                "regie-daily-20261203T013000Z.dump",
                "regie-voor-de-upgrade.dump"
            ],
            "a backup made by hand stays, whatever its name"
        );
        fs::remove_dir_all(&folder).unwrap();
    }
}
