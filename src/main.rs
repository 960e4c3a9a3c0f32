//! `regie`: parse the command line and the environment, then run. See `cli` for the commands.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use regie::cli::{self, Cli};
use regie::config::{Config, LogFormat};

/// See Cargo.toml's `mimalloc` for why, and the README's benchmark section for what it measured.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("regie: {err}");
            return ExitCode::from(2);
        }
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => match EnvFilter::try_new(&value) {
            Ok(filter) => filter,
            Err(err) => {
                eprintln!(
                    "regie: configuration variable RUST_LOG has an invalid value {value:?}: {err}"
                );
                return ExitCode::from(2);
            }
        },
        _ => EnvFilter::new("info,sqlx=warn,tower_sessions=warn"),
    };
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match config.operations.log_format {
        LogFormat::Json => logs.json().init(),
        // Colours only for a person at a terminal: a log file or journal gets plain text, not
        // escape codes. NO_COLOR (no-color.org) turns them off at a terminal too.
        LogFormat::Text => logs
            .with_ansi(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none())
            .init(),
    }

    match cli::run(cli, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("regie: {err:#}");
            ExitCode::FAILURE
        }
    }
}
