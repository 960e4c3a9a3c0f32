//! Two `regie serve` instances on one database behind nginx, configured by the shipped
//! `deploy/nginx.conf`: one session served by both, sign-in throttling, idempotency keys and
//! the outbox holding across instances, the client address taken from the proxy only, and a
//! rolling restart under load without one failed request. Needs Debian's `nginx` (`.ci/run`
//! installs it).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use regie::identity::Role;

use crate::helpers::{PASSWORD, TestApp};
use crate::server::{Server, free_address};
use crate::smtp::SmtpServer;

/// nginx in the foreground with `deploy/nginx.conf` in front of `upstreams`, in its own folder.
struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    /// nginx's program, or `None` (skip) where it is not installed, as for the browser tests:
    /// under `CI=true` a missing nginx fails the run instead.
    fn program() -> Option<PathBuf> {
        let found = ["/usr/sbin/nginx", "/usr/local/sbin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.is_file());
        if found.is_none() {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but nginx is missing: apt-get install nginx");
            }
            eprintln!("SKIPPED nginx test: nginx is not installed (apt-get install nginx)");
        }
        found
    }

    async fn start(program: PathBuf, addr: SocketAddr, upstreams: [SocketAddr; 2]) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "regie-nginx-{}-{}",
            std::process::id(),
            addr.port()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();

        let shipped = include_str!("../../deploy/nginx.conf");
        let site = shipped
            .replace("127.0.0.1:3001", &upstreams[0].to_string())
            .replace("127.0.0.1:3002", &upstreams[1].to_string())
            .replace("listen 8080;", &format!("listen {addr};"));
        for line in [
            format!("server {} ", upstreams[0]),
            format!("server {} ", upstreams[1]),
            format!("listen {addr};"),
        ] {
            assert!(
                site.contains(&line),
                "deploy/nginx.conf no longer has the address this test replaces: {line}"
            );
        }
        std::fs::write(dir.join("site.conf"), site).unwrap();
        let d = dir.display();
        // Run as root (as CI does), nginx would hand its workers to `nobody`, who cannot write
        // in this folder.
        let user = if nix::unistd::Uid::effective().is_root() {
            "user root;"
        } else {
            ""
        };
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "{user}\ndaemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
                 events {{ worker_connections 512; }}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
                 include {d}/site.conf;\n}}\n"
            ),
        )
        .unwrap();
        let child = Command::new(program)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let nginx = Nginx { child, dir };
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nginx did not start: {}",
                std::fs::read_to_string(nginx.dir.join("error.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        nginx
    }
}

impl Nginx {
    /// Takes `upstream` out of rotation (`down`) or puts it back, and reloads nginx, as an
    /// operator does around a restart. nginx's reload is itself graceful: the old workers
    /// finish their requests.
    async fn set_down(&self, upstream: SocketAddr, down: bool) {
        let file = self.dir.join("site.conf");
        let site = std::fs::read_to_string(&file).unwrap();
        let line = format!("server {upstream} max_fails=1 fail_timeout=2s");
        let (from, to) = if down {
            (format!("{line};"), format!("{line} down;"))
        } else {
            (format!("{line} down;"), format!("{line};"))
        };
        assert!(
            site.contains(&from),
            "deploy/nginx.conf changed its server lines"
        );
        std::fs::write(&file, site.replace(&from, &to)).unwrap();
        let pid = Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        kill(pid, Signal::SIGHUP).unwrap();
        // The new workers take over within moments; the old ones finish what they hold.
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: the master then stops its workers, which would otherwise live
        // on, holding the port.
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// A browser of sorts: HTTP/1.0 (one request per connection, no chunked bodies), its cookies,
/// and the headers a browser sends with a form.
struct Client {
    to: SocketAddr,
    origin: String,
    cookies: HashMap<String, String>,
}

impl Client {
    fn new(to: SocketAddr, public: SocketAddr) -> Self {
        Self {
            to,
            origin: format!("http://{public}"),
            cookies: HashMap::new(),
        }
    }

    fn send(&mut self, method: &str, path: &str, form: &[(&str, &str)], extra: &str) -> Response {
        self.try_send(method, path, form, extra)
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"))
    }

    fn try_send(
        &mut self,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
        extra: &str,
    ) -> std::io::Result<Response> {
        let body = serde_urlencoded::to_string(form).unwrap();
        let cookies: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut stream = TcpStream::connect(self.to)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut request = format!(
            "{method} {path} HTTP/1.0\r\nHost: {host}\r\nCookie: {cookies}\r\n{extra}",
            host = self.origin.trim_start_matches("http://"),
            cookies = cookies.join("; "),
        );
        if method == "POST" {
            request += &format!(
                "Origin: {}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                self.origin,
                body.len()
            );
        }
        request += "\r\n";
        request += &body;
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("no status line: {raw:?}")))?;
        for line in head.lines() {
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("set-cookie")
                && let Some((k, v)) = value
                    .trim()
                    .split(';')
                    .next()
                    .and_then(|c| c.split_once('='))
            {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Ok(Response {
            status,
            head: head.to_string(),
            body: body.to_string(),
        })
    }

    /// The form's CSRF token and idempotency key on the page at `path`.
    fn form_fields(&mut self, path: &str) -> (String, String) {
        let page = self.send("GET", path, &[], "");
        let value = |name: &str| {
            let marker = format!("name=\"{name}\" value=\"");
            page.body
                .split_once(&marker)
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(v, _)| v.to_string())
                .unwrap_or_default()
        };
        (value("csrf_token"), value("idempotency_key"))
    }

    fn sign_in(&mut self, email: &str, password: &str, extra: &str) -> Response {
        let (token, _) = self.form_fields("/login");
        self.send(
            "POST",
            "/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
            ],
            extra,
        )
    }
}

/// The requests an instance logged for `path`, answered with `status`.
fn served(log: &str, path: &str, status: u16) -> usize {
    log.lines()
        .filter(|l| {
            l.contains(&format!("path=\"{path}\"")) && l.contains(&format!("status={status}"))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_behind_nginx_share_sessions_throttling_idempotency_and_the_outbox() {
    let Some(program) = Nginx::program() else {
        return;
    };
    let app = TestApp::new().await;
    let partnership = app.with_partnership("Regio Achter De Proxy").await;
    let email = "proxy.regisseur@test.regie.be";
    app.with_user(Role::Regisseur)
        .email(email)
        .name("Petra Proxy")
        .regisseur_of(partnership)
        .await;
    // Mail waiting in the outbox before either instance starts: both workers go for it at once.
    for n in 0..20 {
        sqlx::query("insert into outbox (recipient, subject, body) values ($1, 'Test', 'Tekst')")
            .bind(format!("ontvanger{n}@test.regie.be"))
            .execute(&app.db)
            .await
            .unwrap();
    }
    let smtp = SmtpServer::start().await;

    let proxy = free_address();
    let public = format!("http://{proxy}");
    let env = [
        ("REGIE_TRUSTED_PROXIES", "127.0.0.1"),
        ("REGIE_PUBLIC_URL", public.as_str()),
        ("REGIE_SMTP_URL", smtp.url.as_str()),
    ];
    let mut a = Server::start(&app, &env).await;
    let mut b = Server::start(&app, &env).await;
    let _nginx = Nginx::start(program, proxy, [a.addr, b.addr]).await;

    // One session, signed in through the proxy, served by both instances in turn. A client
    // that names its own address is not believed: nginx replaces the header.
    let mut browser = Client::new(proxy, proxy);
    let signed_in = browser.sign_in(email, PASSWORD, "X-Forwarded-For: 203.0.113.9\r\n");
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    for _ in 0..6 {
        let home = browser.send("GET", "/", &[], "");
        assert_eq!(home.status, 200);
        assert!(home.body.contains("Petra"), "signed in on every instance");
    }
    let address: String = sqlx::query_scalar(
        "select host(client_ip) from audit_events where action = 'sign_in.succeeded' order by 1 limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        address, "127.0.0.1",
        "the address nginx saw, not the one the client named"
    );

    // The same form sent twice, to each instance once: one action.
    let (token, key) = browser.form_fields("/acties/nieuw");
    assert!(!key.is_empty(), "the action form has an idempotency key");
    let form = [
        ("csrf_token", token.as_str()),
        ("idempotency_key", key.as_str()),
        ("partnership_id", &partnership.to_string()),
        ("title", "Eén keer bewaard"),
        ("prioriteit", "2"),
        ("kind", "overleg"),
        ("status", "gepland"),
        ("starts_on", "2025-05-01"),
    ];
    for instance in [a.addr, b.addr] {
        let mut direct = Client::new(instance, proxy);
        direct.cookies = browser.cookies.clone();
        let saved = direct.send("POST", "/acties/nieuw", &form, "");
        assert_eq!(saved.status, 303, "{}", saved.body);
    }
    let copies: i64 =
        sqlx::query_scalar("select count(*) from actions where title = 'Eén keer bewaard'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        copies, 1,
        "one action for one idempotency key, whichever instance"
    );

    // Failed sign-ins count together: three on one instance, two on the other, then locked.
    for (n, instance) in [a.addr, a.addr, a.addr, b.addr, b.addr]
        .into_iter()
        .enumerate()
    {
        let mut guesser = Client::new(instance, proxy);
        let refused = guesser.sign_in(email, "verkeerd wachtwoord", "");
        assert!(
            !refused.body.contains("Te veel mislukte"),
            "locked after {n} failures"
        );
    }
    let mut guesser = Client::new(proxy, proxy);
    let locked = guesser.sign_in(email, PASSWORD, "");
    assert!(
        locked.body.contains("Te veel mislukte aanmeldpogingen"),
        "the sixth attempt is throttled: {}",
        locked.body
    );

    // The outbox: every mail sent, none twice, though both workers ran.
    let started = Instant::now();
    while smtp.messages().len() < 20 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut recipients: Vec<String> = smtp.messages().into_iter().flat_map(|m| m.to).collect();
    recipients.sort();
    let before = recipients.len();
    recipients.dedup();
    assert_eq!((before, recipients.len()), (20, 20), "each mail once");

    a.terminate();
    b.terminate();
    assert_eq!(a.exited_within(Duration::from_secs(30)).await, Some(true));
    assert_eq!(b.exited_within(Duration::from_secs(30)).await, Some(true));
    let (log_a, log_b) = (a.output(), b.output());
    assert!(
        served(&log_a, "/", 200) > 0 && served(&log_b, "/", 200) > 0,
        "both instances served the session's start page: {} and {}",
        served(&log_a, "/", 200),
        served(&log_b, "/", 200)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rolling_restart_behind_nginx_fails_no_request() {
    let Some(program) = Nginx::program() else {
        return;
    };
    let app = TestApp::new().await;
    let partnership = app.with_partnership("Regio Rollend").await;
    let email = "rollend@test.regie.be";
    app.with_user(Role::Regisseur)
        .email(email)
        .regisseur_of(partnership)
        .await;
    let proxy = free_address();
    let public = format!("http://{proxy}");
    // Request logs on (to a file each): a restarted instance shows in its log when nginx has
    // taken it back.
    let env = [
        ("REGIE_TRUSTED_PROXIES", "127.0.0.1"),
        ("REGIE_PUBLIC_URL", public.as_str()),
    ];
    let mut a = Server::start(&app, &env).await;
    let mut b = Server::start(&app, &env).await;
    let nginx = Nginx::start(program, proxy, [a.addr, b.addr]).await;
    let mut browser = Client::new(proxy, proxy);
    assert_eq!(browser.sign_in(email, PASSWORD, "").status, 303);
    let (token, _) = browser.form_fields("/acties/nieuw");

    // Two clients keep reading a signed-in page, two keep saving new actions. nginx resends a
    // GET that failed to the other instance, but never a POST that reached one, so a save that
    // the restart cuts off shows as a 502.
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let saved = Arc::new(std::sync::Mutex::new(Vec::new()));
    let load: Vec<_> = (0..4)
        .map(|n| {
            let (stop, ok, failures, saved) =
                (stop.clone(), ok.clone(), failures.clone(), saved.clone());
            let (cookies, token) = (browser.cookies.clone(), token.clone());
            std::thread::spawn(move || {
                let mut client = Client::new(proxy, proxy);
                client.cookies = cookies;
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let title = format!("Rollend {n}-{i}");
                    let (sent, expected) = if n < 2 {
                        (client.try_send("GET", "/gemeenten", &[], ""), 200)
                    } else {
                        let key = uuid::Uuid::new_v4().to_string();
                        let form = [
                            ("csrf_token", token.as_str()),
                            ("idempotency_key", key.as_str()),
                            ("partnership_id", &partnership.to_string()),
                            ("title", title.as_str()),
                            ("prioriteit", "2"),
                            ("kind", "overleg"),
                            ("status", "gepland"),
                            ("starts_on", "2025-05-01"),
                        ];
                        (client.try_send("POST", "/acties/nieuw", &form, ""), 303)
                    };
                    match sent {
                        Ok(r) if r.status == expected => {
                            ok.fetch_add(1, Ordering::Relaxed);
                            if expected == 303 {
                                saved.lock().unwrap().push(title);
                            }
                        }
                        Ok(r) => failures.lock().unwrap().push(format!(
                            "{} {}",
                            r.status,
                            r.header("content-type").unwrap_or_default()
                        )),
                        Err(err) => failures.lock().unwrap().push(err.to_string()),
                    }
                }
            })
        })
        .collect();

    // Restart each instance in turn, as the README says: take it out of nginx's rotation
    // (down, reload), SIGTERM, wait for its exit, start the new one on its address, wait until
    // it is ready, put it back (reload) and wait until nginx sends it requests again; only then
    // the other one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for server in [&mut a, &mut b] {
        let before = ok.load(Ordering::Relaxed);
        nginx.set_down(server.addr, true).await;
        server.terminate();
        assert_eq!(
            server.exited_within(Duration::from_secs(30)).await,
            Some(true)
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let addr = server.addr;
        *server = Server::start_on(&app, addr, &env).await;
        nginx.set_down(addr, false).await;
        let back = Instant::now();
        while served(&server.output(), "/gemeenten", 200) == 0 {
            assert!(
                back.elapsed() < Duration::from_secs(60),
                "nginx did not take the restarted instance back"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            ok.load(Ordering::Relaxed) > before,
            "requests were served while an instance restarted"
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for thread in load {
        thread.join().unwrap();
    }
    let failures = std::mem::take(&mut *failures.lock().unwrap());
    assert!(
        failures.is_empty(),
        "{} of {} requests failed: {:?}",
        failures.len(),
        failures.len() + ok.load(Ordering::Relaxed),
        &failures[..failures.len().min(5)]
    );
    // Every acknowledged save is there, once.
    let mut acknowledged = std::mem::take(&mut *saved.lock().unwrap());
    assert!(acknowledged.len() > 10, "saves went on during the restarts");
    let mut stored: Vec<String> =
        sqlx::query_scalar("select title from actions where title like 'Rollend %'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    stored.sort();
    acknowledged.sort();
    assert_eq!(stored, acknowledged);
}
