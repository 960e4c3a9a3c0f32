//! The embedded default database: a private PostgreSQL cluster that `regie` creates on first
//! use and starts and stops itself, when no `DATABASE_URL` is given.
//!
//! * The server binaries are the machine's own: `pg_config --bindir`, then `initdb` on `PATH`,
//!   then `/usr/lib/postgresql/<version>/bin`, newest first.
//! * The cluster lives in `<REGIE_DATA_DIR>/postgres/` (default `var/postgres/`). PostgreSQL
//!   refuses to run as root, so under root it runs as the `postgres` system user; if that user
//!   cannot reach the data folder (a checkout under `/root`, say), the cluster lives in
//!   `/var/tmp/regie-<path>-<random>/` instead: created exclusively (never an existing folder),
//!   with a random name recorded in `<REGIE_DATA_DIR>/postgres.location`, and checked on every
//!   start (a real folder, not a link, owned by the server's user, mode 0700) before it is used.
//!   Ownership and modes are never changed through a symbolic link, so a folder or link that
//!   another local user planted cannot make a root-run `regie` hand over other paths.
//! * It listens only on a Unix socket in its own folder (mode 0700), never on TCP, with `trust`
//!   authentication: only its owner (and root) can reach the socket.
//! * A stale `postmaster.pid` (after a crash or reboot) is recognised and removed.
//! * A start takes a file lock, so the server, the command line and tests can start it at the
//!   same time; whoever finds it running reuses it and leaves it running.

mod folder;

use folder::{cluster_root, lock, private_dir};

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use nix::fcntl::OFlag;
use nix::unistd::{Uid, User};
use sqlx::postgres::PgConnectOptions;

/// The port names the socket file (`.s.PGSQL.5432`); nothing listens on TCP.
const PORT: u16 = 5432;
const SUPERUSER: &str = "postgres";

pub struct Cluster {
    bindir: PathBuf,
    root: PathBuf,
    run_as: Option<User>,
    started_here: bool,
}

impl Cluster {
    /// Creates (first time) and starts the cluster for `data_dir`, or finds it running.
    pub fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let run_as = if Uid::effective().is_root() {
            Some(User::from_name(SUPERUSER)?.with_context(|| {
                format!(
                    "running as root, the embedded PostgreSQL must run as the '{SUPERUSER}' system user, \
                     which does not exist; install PostgreSQL with: apt-get install postgresql"
                )
            })?)
        } else {
            None
        };
        let root = cluster_root(data_dir, run_as.as_ref())?;
        let _lock = lock(&root)?;

        let data = root.join("data");
        let existing_version = fs::read_to_string(data.join("PG_VERSION"))
            .ok()
            .map(|v| v.trim().to_string());
        let bindir = find_bindir(existing_version.as_deref())?;
        let mut cluster = Self {
            bindir,
            root,
            run_as,
            started_here: false,
        };
        if existing_version.is_none() {
            cluster.init()?;
        }
        if !cluster.is_running() {
            cluster.pg_ctl(
                &["start", "-w", "-t", "120", "-s", "-l"],
                Some(&cluster.log_file()),
            )?;
            cluster.started_here = true;
            cluster.claim();
            tracing::info!(folder = %cluster.root.display(), "embedded PostgreSQL started");
        } else if cluster.orphaned() {
            // Left running by a process that is gone (killed, crashed): this one owns it now and
            // stops it when it exits, or it would run for good.
            cluster.started_here = true;
            cluster.claim();
            tracing::info!(folder = %cluster.root.display(), "embedded PostgreSQL left running by a process that is gone; adopting it");
        } else {
            tracing::info!(folder = %cluster.root.display(), "embedded PostgreSQL already running; reusing it");
        }
        Ok(cluster)
    }

    /// Connection options for one database of the cluster, over its Unix socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(self.socket_dir())
            .port(PORT)
            .username(SUPERUSER)
            .database(database)
    }

    /// A program of the cluster's own PostgreSQL version, such as `pg_dump`.
    pub fn program(&self, name: &str) -> PathBuf {
        self.bindir.join(name)
    }

    /// The folder that holds the cluster (shown in messages and the README).
    pub fn folder(&self) -> &Path {
        &self.root
    }

    /// Stops the cluster if this process started it; a cluster found running is left alone.
    pub fn stop(&self) -> anyhow::Result<()> {
        if self.started_here {
            self.stop_now()?;
        }
        Ok(())
    }

    /// Stops the cluster of `data_dir` if it runs (`regie db stop`). Returns whether it ran.
    pub fn stop_for(data_dir: &Path) -> anyhow::Result<bool> {
        let run_as = if Uid::effective().is_root() {
            User::from_name(SUPERUSER)?
        } else {
            None
        };
        let root = cluster_root(data_dir, run_as.as_ref())?;
        let data = root.join("data");
        let Ok(version) = fs::read_to_string(data.join("PG_VERSION")) else {
            return Ok(false);
        };
        let cluster = Self {
            bindir: find_bindir(Some(version.trim()))?,
            root,
            run_as,
            started_here: false,
        };
        if !cluster.is_running() {
            return Ok(false);
        }
        cluster.stop_now()?;
        Ok(true)
    }

    fn stop_now(&self) -> anyhow::Result<()> {
        self.pg_ctl(&["stop", "-w", "-t", "60", "-s", "-m", "fast"], None)?;
        let _ = fs::remove_file(self.owner_file());
        tracing::info!("embedded PostgreSQL stopped");
        Ok(())
    }

    /// `<pid> <start time>` of the process that started the cluster (or adopted it). The start
    /// time tells the owner from a later process that got the same pid.
    fn owner_file(&self) -> PathBuf {
        self.root.join("owner")
    }

    /// Records this process as the owner: written to a new file of its own, then renamed over
    /// the record (never written through a link or into a FIFO someone planted in the folder,
    /// which under root belongs to the `postgres` user).
    fn claim(&self) {
        let claimed = process_identity(std::process::id())
            .context("cannot read this process's start time")
            .and_then(|me| {
                let fresh = self.root.join(format!("owner.{}", std::process::id()));
                let _ = fs::remove_file(&fresh);
                OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o644)
                    .custom_flags(OFlag::O_NOFOLLOW.bits())
                    .open(&fresh)?
                    .write_all(me.as_bytes())?;
                fs::rename(&fresh, self.owner_file())?;
                Ok(())
            });
        if let Err(err) = claimed {
            tracing::warn!(error = %err, "cannot record who owns the embedded PostgreSQL");
        }
    }

    /// Running, with an owner on record that is gone. Without a record (a cluster started by
    /// an older regie) it is left alone, as before. The record is read only if it is a plain
    /// file: opening a planted FIFO would wait for ever.
    fn orphaned(&self) -> bool {
        let opened = OpenOptions::new()
            .read(true)
            .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits())
            .open(self.owner_file());
        let Some(mut file) = opened
            .ok()
            .filter(|f| f.metadata().is_ok_and(|m| m.is_file()))
        else {
            return false;
        };
        let mut owner = String::new();
        if std::io::Read::read_to_string(&mut file, &mut owner).is_err() {
            return false;
        }
        let pid = owner.split_whitespace().next().and_then(|p| p.parse().ok());
        pid.and_then(process_identity).as_deref() != Some(owner.trim())
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("postgresql.log")
    }

    /// initdb into a temporary folder, then rename: an interrupted first start leaves no
    /// half-made cluster behind.
    fn init(&self) -> anyhow::Result<()> {
        let fresh = self.root.join("data.new");
        if fresh.exists() {
            fs::remove_dir_all(&fresh).context("removing an unfinished cluster")?;
        }
        let socket_dir = self.socket_dir();
        private_dir(&socket_dir, self.run_as.as_ref())?;

        tracing::info!(folder = %self.root.display(), "creating the embedded PostgreSQL cluster");
        let fresh_str = fresh.to_str().context("cluster path is not UTF-8")?;
        self.run(
            "initdb",
            &[
                "-D",
                fresh_str,
                "-U",
                SUPERUSER,
                "--auth-local=trust",
                "--auth-host=reject",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
        )?;
        let socket = socket_dir.to_str().context("socket path is not UTF-8")?;
        if socket.contains('\'') {
            bail!("the cluster folder {socket} contains a quote; choose another REGIE_DATA_DIR");
        }
        // Only a private Unix socket; never TCP.
        // The folder belongs to the server's user: never follow a link it may have planted.
        let mut conf = OpenOptions::new()
            .append(true)
            .custom_flags(OFlag::O_NOFOLLOW.bits())
            .open(fresh.join("postgresql.conf"))?;
        writeln!(
            conf,
            "\n# Written by regie for its embedded cluster.\n\
             listen_addresses = ''\n\
             unix_socket_directories = '{socket}'\n\
             unix_socket_permissions = 0700\n\
             max_connections = 200\n"
        )?;
        fs::rename(&fresh, self.data_dir())?;
        Ok(())
    }

    /// Whether the postmaster of this cluster runs. Removes a stale `postmaster.pid`.
    fn is_running(&self) -> bool {
        let pid_file = self.data_dir().join("postmaster.pid");
        let Ok(content) = fs::read_to_string(&pid_file) else {
            return false;
        };
        let pid: Option<u32> = content.lines().next().and_then(|l| l.trim().parse().ok());
        let alive = pid.is_some_and(|pid| {
            let proc_dir = PathBuf::from(format!("/proc/{pid}"));
            let comm = fs::read_to_string(proc_dir.join("comm")).unwrap_or_default();
            let is_postgres = matches!(comm.trim(), "postgres" | "postmaster");
            // A reused pid of another postgres (another cluster) has another working folder.
            let same_cluster = fs::read_link(proc_dir.join("cwd"))
                .map(|cwd| fs::canonicalize(self.data_dir()).is_ok_and(|d| d == cwd))
                .unwrap_or(true);
            is_postgres && same_cluster
        });
        if !alive {
            tracing::warn!("removing a stale postmaster.pid left by an earlier crash");
            let _ = fs::remove_file(&pid_file);
        }
        alive
    }

    fn pg_ctl(&self, args: &[&str], log: Option<&Path>) -> anyhow::Result<()> {
        let data = self.data_dir();
        let mut all: Vec<&str> = vec!["-D", data.to_str().context("path is not UTF-8")?];
        all.extend_from_slice(args);
        let log_str;
        if let Some(log) = log {
            log_str = log.to_str().context("path is not UTF-8")?.to_string();
            all.push(&log_str);
        }
        self.run("pg_ctl", &all).with_context(|| {
            format!(
                "PostgreSQL did not {}; see {}",
                args[0],
                self.log_file().display()
            )
        })
    }

    /// Runs a server program, as the `postgres` user when we are root.
    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let binary = self.bindir.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(&user.name).arg("--").arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        // "/" because the postgres user may not be allowed into our working folder; its own
        // process group so that Ctrl-C in the terminal reaches us, and we stop it cleanly.
        use std::os::unix::process::CommandExt;
        let output = command
            .args(args)
            .current_dir("/")
            .env("LC_ALL", "C.UTF-8")
            .stdin(Stdio::null())
            .process_group(0)
            .output()
            .with_context(|| format!("could not run {}", binary.display()))?;
        if !output.status.success() {
            bail!(
                "{program} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout).trim(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(())
    }
}

/// `<pid> <start time in clock ticks since boot>` of a running process (`/proc/<pid>/stat`,
/// field 22, counted after the command name, which may hold spaces).
fn process_identity(pid: u32) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after_name) = stat.rsplit_once(')')?;
    let started = after_name.split_whitespace().nth(19)?;
    Some(format!("{pid} {started}"))
}

/// Where PostgreSQL's programs may be: `pg_config --bindir`, `PATH`, then
/// `/usr/lib/postgresql/<version>/bin`, newest first.
fn candidate_bindirs() -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    let mut versioned: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((major, e.path().join("bin")))
        })
        .collect();
    versioned.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    candidates.extend(versioned.into_iter().map(|(_, p)| p));
    candidates
}

/// A client program (`pg_dump`, `pg_restore`, `psql`) for an external server. It must be at
/// least the server's major version, and a newer one reads older servers, so the newest
/// installed version comes first (`/usr/lib/postgresql/<version>/bin`), then `PATH` and
/// `pg_config --bindir`.
pub fn client_program(name: &str) -> anyhow::Result<PathBuf> {
    let mut dirs = candidate_bindirs();
    dirs.sort_by_key(|dir| {
        let version = dir
            .strip_prefix("/usr/lib/postgresql")
            .ok()
            .and_then(|rest| rest.iter().next()?.to_str()?.parse::<u32>().ok());
        std::cmp::Reverse(version)
    });
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|program| program.is_file())
        .with_context(|| {
            format!("{name} not found: install PostgreSQL's client programs (apt-get install postgresql-client)")
        })
}

/// Finds a folder with `initdb`, `pg_ctl` and `postgres`; for an existing cluster, one of its
/// major version.
fn find_bindir(version: Option<&str>) -> anyhow::Result<PathBuf> {
    let candidates = candidate_bindirs();
    let complete = |dir: &PathBuf| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    let found = candidates
        .into_iter()
        .filter(complete)
        .find(|dir| version.is_none_or(|v| major_version(dir).as_deref() == Some(v)));
    match (found, version) {
        (Some(dir), _) => Ok(dir),
        (None, Some(v)) => bail!(
            "the embedded cluster was made by PostgreSQL {v}, whose server programs are not installed; \
             install them (apt-get install postgresql-{v}) or remove the cluster folder to start afresh"
        ),
        (None, None) => bail!(
            "no PostgreSQL server programs (initdb, pg_ctl, postgres) found. Install them with:\n    \
             sudo apt-get install postgresql\n(Debian/Ubuntu), or set DATABASE_URL to an existing server"
        ),
    }
}

/// "15" for a bindir whose `pg_ctl --version` says "pg_ctl (PostgreSQL) 15.18".
fn major_version(bindir: &Path) -> Option<String> {
    let out = Command::new(bindir.join("pg_ctl"))
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let number = text.split_whitespace().last()?;
    Some(number.split('.').next()?.to_string())
}
