//! The folder an embedded cluster lives in, made so that no other local user can steer it.
//!
//! Under root the cluster runs as `postgres`, so `regie` creates folders and hands them over.
//! Every folder is created exclusively or, when it exists, checked with `lstat` (a real folder,
//! not a link, owned by the server's user, mode 0700) before it is used; ownership and modes are
//! never changed through a link. The fallback folder in `/var/tmp` gets a random name, recorded
//! in the data folder, so nobody can create it in advance.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt, fchown};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use nix::fcntl::{Flock, FlockArg, OFlag};
use nix::unistd::{Uid, User};

/// Unix socket paths are limited to 107 bytes.
const MAX_SOCKET_PATH: usize = 100;
/// Where the cluster lives when the server's user cannot reach the data folder.
const FALLBACK_BASE: &str = "/var/tmp";
/// The file in the data folder that names the fallback folder.
const LOCATION_FILE: &str = "postgres.location";

/// The folder for the cluster of `data_dir`, owned by the server's user with mode 0700.
pub(super) fn cluster_root(data_dir: &Path, run_as: Option<&User>) -> anyhow::Result<PathBuf> {
    cluster_root_in(data_dir, run_as, Path::new(FALLBACK_BASE))
}

fn cluster_root_in(
    data_dir: &Path,
    run_as: Option<&User>,
    fallback_base: &Path,
) -> anyhow::Result<PathBuf> {
    fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create REGIE_DATA_DIR {}", data_dir.display()))?;
    let data_dir = fs::canonicalize(data_dir)?;
    let preferred = data_dir.join("postgres");
    let socket_len = preferred.join("run/.s.PGSQL.5432").as_os_str().len();
    let usable =
        socket_len <= MAX_SOCKET_PATH && run_as.is_none_or(|user| reachable(&data_dir, user));
    if usable {
        private_dir(&preferred, run_as)?;
        return Ok(preferred);
    }

    let record = data_dir.join(LOCATION_FILE);
    match fs::read_to_string(&record) {
        Ok(recorded) => {
            let root = PathBuf::from(recorded.trim());
            match fs::symlink_metadata(&root) {
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    // The machine cleaned /var/tmp: start afresh in a new folder.
                    new_fallback(&data_dir, run_as, fallback_base, &record)
                }
                _ => {
                    check_private(&root, run_as)?;
                    Ok(root)
                }
            }
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            new_fallback(&data_dir, run_as, fallback_base, &record)
        }
        Err(err) => Err(err).with_context(|| format!("cannot read {}", record.display())),
    }
}

/// Creates a fallback folder with an unpredictable name (never one that exists already) and
/// records it in the data folder.
fn new_fallback(
    data_dir: &Path,
    run_as: Option<&User>,
    base: &Path,
    record: &Path,
) -> anyhow::Result<PathBuf> {
    let name: String = data_dir
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let tail: String = name.trim_matches('-').chars().rev().take(30).collect();
    let tail: String = tail.chars().rev().collect();
    let random: u64 = rand::random();
    let root = base.join(format!("regie-{tail}-{random:016x}"));
    // `create`, not `create_all`: fails if anything (a folder, a link) already has the name.
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&root)
        .with_context(|| format!("cannot create the cluster folder {}", root.display()))?;
    give(&root, run_as)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(OFlag::O_NOFOLLOW.bits())
        .mode(0o600)
        .open(record)
        .with_context(|| format!("cannot write {}", record.display()))?;
    writeln!(file, "{}", root.display())?;
    Ok(root)
}

/// Makes `path` a private folder of the server's user: creates it, or checks the one that is
/// there (never through a link).
pub(super) fn private_dir(path: &Path, run_as: Option<&User>) -> anyhow::Result<()> {
    match fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => give(path, run_as),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = fs::symlink_metadata(path)?;
            if !meta.file_type().is_dir() {
                bail!(
                    "{} is not a folder (a link?); refusing to use it for the database",
                    path.display()
                );
            }
            // Our own folder from an earlier start: hand it over again (a first start may
            // have been interrupted between creating and handing over).
            if meta.uid() == Uid::effective().as_raw() {
                give(path, run_as)?;
            }
            check_private(path, run_as)
        }
        Err(err) => Err(err).with_context(|| format!("cannot create {}", path.display())),
    }
}

/// Refuses a folder that is a link, or is not owned by the server's user with mode 0700.
fn check_private(path: &Path, run_as: Option<&User>) -> anyhow::Result<()> {
    let meta = fs::symlink_metadata(path)
        .with_context(|| format!("cannot inspect the cluster folder {}", path.display()))?;
    let owner = run_as.map_or(Uid::effective(), |u| u.uid);
    if !meta.file_type().is_dir() {
        bail!(
            "the cluster folder {} is not a folder (a link?); refusing to use it. \
             Remove it (and {LOCATION_FILE} in REGIE_DATA_DIR) to start afresh",
            path.display()
        );
    }
    if meta.uid() != owner.as_raw() || meta.mode() & 0o077 != 0 {
        bail!(
            "the cluster folder {} is not private to uid {owner} (owner {}, mode {:o}); \
             refusing to use it. Remove it (and {LOCATION_FILE} in REGIE_DATA_DIR) to start afresh",
            path.display(),
            meta.uid(),
            meta.mode() & 0o7777
        );
    }
    Ok(())
}

/// Gives a folder to the server's user and makes it private, through a file descriptor of
/// the folder itself (opened with `O_NOFOLLOW`): a link swapped in after a check is never
/// followed.
fn give(path: &Path, run_as: Option<&User>) -> anyhow::Result<()> {
    let folder = OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW).bits())
        .open(path)
        .with_context(|| format!("{} is not a folder (a link?)", path.display()))?;
    if let Some(user) = run_as {
        fchown(&folder, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
            .with_context(|| format!("chown {}", path.display()))?;
    }
    folder.set_permissions(fs::Permissions::from_mode(0o700))?;
    Ok(())
}

/// Whether `user` may enter every folder on the way to `path`.
fn reachable(path: &Path, user: &User) -> bool {
    path.ancestors().all(|dir| {
        let Ok(meta) = fs::metadata(dir) else {
            return false;
        };
        let mode = meta.mode();
        if meta.uid() == user.uid.as_raw() {
            mode & 0o100 != 0
        } else if meta.gid() == user.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    })
}

/// Holds an exclusive lock on the cluster folder while it is created or started.
pub(super) fn lock(root: &Path) -> anyhow::Result<Flock<File>> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(OFlag::O_NOFOLLOW.bits())
        .open(root.join("regie.lock"))?;
    Flock::lock(file, FlockArg::LockExclusive)
        .map_err(|(_, errno)| anyhow::anyhow!("cannot lock the cluster folder: {errno}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{lchown, symlink};

    /// A scratch folder of this test, under /tmp.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "regie-embedded-test-{name}-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A data folder whose socket path would be too long, so the cluster must go elsewhere.
    fn long_data_dir(base: &Path) -> PathBuf {
        base.join("x".repeat(60)).join("y".repeat(60))
    }

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    #[test]
    fn the_fallback_folder_is_new_private_and_unpredictable() {
        let base = scratch("fallback");
        let elsewhere = base.join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        let data = long_data_dir(&base);

        let root = cluster_root_in(&data, None, &elsewhere).unwrap();
        assert!(root.starts_with(&elsewhere));
        assert_eq!(mode(&root), 0o700);
        // The same data folder finds the recorded folder again.
        assert_eq!(cluster_root_in(&data, None, &elsewhere).unwrap(), root);

        // A second data folder with the same path elsewhere cannot guess the name: another
        // start without the record gets another random folder.
        fs::remove_file(data.join(LOCATION_FILE)).unwrap();
        let again = cluster_root_in(&data, None, &elsewhere).unwrap();
        assert_ne!(again, root);
        fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_recorded_folder_that_others_can_enter_is_refused() {
        let base = scratch("hostile");
        let data = long_data_dir(&base);
        fs::create_dir_all(&data).unwrap();
        // Another user pre-created a folder and got its name recorded (or the record points to
        // a folder that was made group- or world-accessible since).
        let hostile = base.join("regie-hostile");
        fs::create_dir(&hostile).unwrap();
        fs::set_permissions(&hostile, fs::Permissions::from_mode(0o777)).unwrap();
        fs::write(data.join(LOCATION_FILE), hostile.to_str().unwrap()).unwrap();

        let err = cluster_root_in(&data, None, &base).unwrap_err();
        assert!(err.to_string().contains("not private"), "{err}");
        assert_eq!(mode(&hostile), 0o777, "the hostile folder was not touched");

        if Uid::effective().is_root() {
            // Private mode, but owned by someone else (nobody).
            fs::set_permissions(&hostile, fs::Permissions::from_mode(0o700)).unwrap();
            lchown(&hostile, Some(65534), Some(65534)).unwrap();
            let err = cluster_root_in(&data, None, &base).unwrap_err();
            assert!(err.to_string().contains("not private"), "{err}");
            assert_eq!(fs::symlink_metadata(&hostile).unwrap().uid(), 65534);
        }
        fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn a_planted_link_is_refused_and_its_target_left_alone() {
        let base = scratch("link");
        let target = base.join("target");
        fs::create_dir(&target).unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o755)).unwrap();

        // A link where the preferred cluster folder goes.
        let data = base.join("data");
        fs::create_dir(&data).unwrap();
        symlink(&target, data.join("postgres")).unwrap();
        let err = cluster_root_in(&data, None, &base).unwrap_err();
        assert!(err.to_string().contains("not a folder"), "{err}");
        assert_eq!(mode(&target), 0o755);

        // A link where the recorded fallback folder was.
        let long = long_data_dir(&base);
        let root = cluster_root_in(&long, None, &base).unwrap();
        fs::remove_dir(&root).unwrap();
        symlink(&target, &root).unwrap();
        let err = cluster_root_in(&long, None, &base).unwrap_err();
        assert!(err.to_string().contains("not a folder"), "{err}");
        assert_eq!(mode(&target), 0o755);

        // A link planted as the lock file is not followed either.
        let victim = base.join("victim");
        fs::write(&victim, "untouched").unwrap();
        let private = base.join("private");
        fs::create_dir(&private).unwrap();
        symlink(&victim, private.join("regie.lock")).unwrap();
        assert!(lock(&private).is_err());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "untouched");
        fs::remove_dir_all(&base).unwrap();
    }
}
