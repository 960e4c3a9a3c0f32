//! The embedded PostgreSQL cluster on its own: created on first use, reused while running,
//! started again over a stale `postmaster.pid`. Uses a throwaway data folder, not `var/`.

use regie::database::embedded::Cluster;
use sqlx::{Connection, PgConnection};

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
