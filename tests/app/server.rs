//! `regie serve`, the real binary, for the tests that need a process: started on the test's
//! database or on an embedded cluster of its own, signalled, and spoken to over plain HTTP.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::cli::database_url;
use crate::helpers::TestApp;

/// `regie serve` on the test's database, on a free port, its output in a file (a pipe nobody
/// reads would stop a server that logs much).
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
}

impl Server {
    pub async fn start(app: &TestApp, env: &[(&str, &str)]) -> Self {
        Self::start_on(app, free_address(), env).await
    }

    /// On `addr`: a restarted instance takes its predecessor's place.
    pub async fn start_on(app: &TestApp, addr: SocketAddr, env: &[(&str, &str)]) -> Self {
        let url = database_url(app);
        let mut settings = vec![("DATABASE_URL", url.as_str())];
        settings.extend_from_slice(env);
        Self::launch(addr, &settings, &["REGIE_DATA_DIR"]).await
    }

    /// On the embedded cluster of `data_dir` (no `DATABASE_URL`).
    pub async fn start_embedded(data_dir: &Path, addr: SocketAddr) -> Self {
        let data_dir = data_dir.to_str().unwrap();
        Self::launch(addr, &[("REGIE_DATA_DIR", data_dir)], &["DATABASE_URL"]).await
    }

    async fn launch(addr: SocketAddr, settings: &[(&str, &str)], unset: &[&str]) -> Self {
        // Its own name: a restarted server on the same address must not share (or, when the
        // one it replaces is dropped, lose) its log.
        let log = std::env::temp_dir().join(format!("regie-serve-{}.log", uuid::Uuid::new_v4()));
        let out = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_regie"));
        command
            .arg("serve")
            .env_remove("NO_COLOR")
            .env("REGIE_BIND", addr.to_string())
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        for name in unset {
            command.env_remove(name);
        }
        for (k, v) in settings {
            command.env(k, v);
        }
        let mut server = Server {
            child: command.spawn().expect("run regie serve"),
            addr,
            log,
        };
        let started = Instant::now();
        while get(addr, "/readyz").is_none_or(|r| !r.starts_with("HTTP/1.1 200")) {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("regie serve exited with {status}: {}", server.output());
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "regie serve did not become ready: {}",
                server.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    pub fn terminate(&self) {
        self.signal(Signal::SIGTERM);
    }

    /// `kill -9`: no shutdown at all.
    pub fn kill_hard(&self) {
        self.signal(Signal::SIGKILL);
    }

    fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        kill(pid, signal).unwrap();
    }

    /// Waits for the process to exit (at most `limit`): its exit status's success.
    pub async fn exited_within(&mut self, limit: Duration) -> Option<bool> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status.success());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// Standard output and error so far.
    pub fn output(&mut self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A loopback address with a port nothing listens on (just now).
pub fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// One plain HTTP/1.1 GET on a new connection: the whole response, or `None` when the
/// connection is refused or broken.
pub fn get(addr: SocketAddr, path: &str) -> Option<String> {
    get_with(addr, path, "")
}

/// [`get`] with these cookies (`name=value; ...`).
pub fn get_with(addr: SocketAddr, path: &str, cookies: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    (!response.is_empty()).then_some(response)
}

/// A whole form POST on a new connection, as a browser on the site sends it (Origin,
/// Sec-Fetch-Site, `cookies`): the response, or `None` when the connection is refused or
/// broken.
pub fn post(addr: SocketAddr, path: &str, cookies: &str, form: &[(&str, &str)]) -> Option<String> {
    let body = serde_urlencoded::to_string(form).ok()?;
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nSec-Fetch-Site: same-origin\r\nCookie: {cookies}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    (!response.is_empty()).then_some(response)
}

/// The value of cookie `name` that `response` sets.
pub fn set_cookie<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|line| {
        line.strip_prefix("set-cookie: ")?
            .strip_prefix(name)?
            .strip_prefix('=')?
            .split(';')
            .next()
    })
}
