//! The embedded PostgreSQL cluster on its own: created on first use, reused while running,
//! started again over a stale `postmaster.pid`, adopted after its server was killed. Uses a
//! throwaway data folder, not `var/`.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use regie::database::embedded::Cluster;
use sqlx::{Connection, PgConnection};

use crate::server::{Server, free_address};

async fn answers(cluster: &Cluster) -> bool {
    match PgConnection::connect_with(&cluster.connect_options("postgres")).await {
        Ok(mut conn) => sqlx::query_scalar::<_, i32>("select 1")
            .fetch_one(&mut conn)
            .await
            .is_ok(),
        Err(_) => false,
    }
}

#[tokio::test]
async fn the_cluster_is_created_reused_and_restarted_over_a_stale_pid_file() {
    let data_dir = std::env::temp_dir().join(format!("regie-embedded-test-{}", std::process::id()));
    let start = {
        let data_dir = data_dir.clone();
        move || {
            let data_dir = data_dir.clone();
            async move {
                tokio::task::spawn_blocking(move || Cluster::start(&data_dir))
                    .await
                    .unwrap()
                    .expect("the cluster starts")
            }
        }
    };

    let first = start().await;
    assert!(answers(&first).await);
    let folder = first.folder().to_path_buf();

    // Started again while it runs: reused, and that second handle does not stop it.
    let second = start().await;
    second.stop().unwrap();
    assert!(answers(&first).await, "a reused cluster is left running");

    // A crash leaves postmaster.pid behind, possibly naming a pid that now belongs to another
    // process (here: this test process). The next start must not be blocked by it.
    first.stop().unwrap();
    assert!(!answers(&first).await);
    std::fs::write(
        folder.join("data/postmaster.pid"),
        format!(
            "{}\n{}\n",
            std::process::id(),
            folder.join("data").display()
        ),
    )
    .unwrap();
    let third = start().await;
    assert!(answers(&third).await, "started over a stale postmaster.pid");
    third.stop().unwrap();

    std::fs::remove_dir_all(&folder).ok();
    std::fs::remove_dir_all(&data_dir).ok();
}

/// A server killed with `kill -9` leaves its cluster running; the next server adopts it, and
/// its clean exit stops it, instead of leaving PostgreSQL running for good.
#[tokio::test]
async fn a_cluster_left_by_a_killed_server_is_adopted_and_stopped_by_the_next_one() {
    let data_dir = std::env::temp_dir().join(format!("regie-adopt-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Where the cluster's socket is: in the data folder, or where postgres.location says.
    let socket = || {
        let root = std::fs::read_to_string(data_dir.join("postgres.location"))
            .map(|l| std::path::PathBuf::from(l.trim()))
            .unwrap_or_else(|_| data_dir.join("postgres"));
        root.join("run")
    };
    let answers = || async {
        let options = sqlx::postgres::PgConnectOptions::new()
            .socket(socket())
            .username("postgres")
            .database("postgres");
        PgConnection::connect_with(&options).await.is_ok()
    };

    let first = Server::start_embedded(&data_dir, free_address()).await;
    first.kill_hard();
    let mut first = first;
    first.exited_within(Duration::from_secs(10)).await;
    assert!(answers().await, "PostgreSQL outlives a killed server");

    let mut second = Server::start_embedded(&data_dir, free_address()).await;
    assert!(
        second.output().contains("adopting it"),
        "{}",
        second.output()
    );
    second.terminate();
    assert_eq!(
        second.exited_within(Duration::from_secs(60)).await,
        Some(true)
    );
    assert!(
        !answers().await,
        "the adopting server stopped PostgreSQL on its way out"
    );

    let location = std::fs::read_to_string(data_dir.join("postgres.location")).ok();
    let _ = std::fs::remove_dir_all(&data_dir);
    if let Some(location) = location {
        let _ = std::fs::remove_dir_all(location.trim());
    }
}
