//! The real `mailroom` binary as an operator runs it: what it logs, and how much
//! memory hostile unauthenticated traffic can make it take (SPEC §7).

use crate::helpers::Fetch;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::ADMIN_PASSWORD;
use crate::smtp::free_port;

/// A `mailroom` process on SQLite in a fresh data directory, logging to a file.
pub struct Server {
    child: Child,
    pub base: String,
    pub data_dir: tempfile::TempDir,
    log: PathBuf,
}

impl Server {
    pub async fn start(env: &[(&str, &str)]) -> Server {
        Server::start_in(tempfile::tempdir().unwrap(), env).await
    }

    /// Like `start`, in a data directory that may already hold a database.
    pub async fn start_in(data_dir: tempfile::TempDir, env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let log = data_dir.path().join("server.log");
        let log_file = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_mailroom"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MAILROOM_DATA_DIR", data_dir.path())
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("MAILROOM_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("MAILROOM_WORKER_POLL_MS", "50")
            .stdout(Stdio::from(log_file.try_clone().unwrap()))
            .stderr(Stdio::from(log_file));
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("start mailroom");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            data_dir,
            log,
        };
        for _ in 0..200 {
            if let Ok(response) = reqwest::get(format!("{}/readyz", server.base)).await {
                if response.status() == 200 {
                    return server;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("mailroom did not become ready:\n{}", server.log());
    }

    /// SIGKILL, as a crash would; the data directory (master key, instance id and
    /// the SQLite database) stays for the next start.
    pub fn kill(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self.data_dir, tempfile::tempdir().unwrap())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end by itself; its exit status, or None after `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pat(&self) -> String {
        std::fs::read_to_string(self.data_dir.path().join("admin.pat"))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// Resident memory in KiB (Linux).
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn form(client: &reqwest::Client, base: &str, path: &str, fields: &[(&str, &str)]) -> u16 {
    let request = client.post(format!("{base}{path}")).header("origin", base);
    status_of(request.form(fields)).await
}

/// The answer's status; 0 when the request got none (the server was gone).
async fn status_of(request: reqwest::RequestBuilder) -> u16 {
    request
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Finding 4: the initialization form hashed the password before it checked the
/// user and the code; 32 parallel posts with made-up ids took 300 MB for good. Now
/// bogus posts hash nothing, and real hashes run behind a limit of about one per
/// core (the rest wait briefly, then get 503): memory stays flat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_flat_under_hostile_password_posts() {
    let server = Server::start(&[
        // No sign-in limits here: every guess reaches the password check.
        ("MAILROOM_LOGIN_FAILURES_PER_USER", "0"),
        ("MAILROOM_LOGIN_FAILURES_PER_ADDRESS", "0"),
    ])
    .await;
    let client = reqwest::Client::new();
    // Warm up: one real check, so that argon2's first allocation is counted before.
    form(
        &client,
        &server.base,
        "/api/login",
        &[("username", "admin"), ("password", "warm-up-guess")],
    )
    .await;
    let before = server.rss_kib();
    for round in 0..3 {
        let posts = (0..64).map(|i| {
            let client = client.clone();
            let base = server.base.clone();
            tokio::spawn(async move {
                let id = (1_000_000 + round * 64 + i).to_string();
                let init = form(
                    &client,
                    &base,
                    "/api/initialize_account",
                    &[
                        ("user_id", id.as_str()),
                        ("code", "ABCDEF"),
                        ("password", "a-long-enough-password"),
                        ("password_again", "a-long-enough-password"),
                    ],
                )
                .await;
                let login = form(
                    &client,
                    &base,
                    "/api/login",
                    &[("username", "admin"), ("password", "bogus-guess")],
                )
                .await;
                (init, login)
            })
        });
        for post in posts {
            let (init, login) = post.await.unwrap();
            assert!(init < 500, "bogus initialization: {init}");
            assert!(
                matches!(login, 401 | 503),
                "a wrong password is refused or deferred: {login}"
            );
        }
    }
    let after = server.rss_kib();
    assert!(
        after < before + 64 * 1024,
        "RSS grew from {before} KiB to {after} KiB under 64 parallel posts"
    );
}

/// Codes and links are never logged at `info`, nor end-user query strings in the
/// request logs (even with tower-http's request logging on).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_hold_no_codes_or_links() {
    let server = Server::start(&[(
        "RUST_LOG",
        "info,tower_http=debug,mailroom_server::startup=debug",
    )])
    .await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let pat = server.pat();
    let created = client
        .post(format!("{}/management/v1/users/human", server.base))
        .bearer_auth(&pat)
        .json(&serde_json::json!({"userName": "logged", "profile": {"firstName": "L", "lastName": "G"},
                                   "email": {"email": "logged@example.com"}}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = created.json().await.unwrap();
    let user = body["userId"].as_str().unwrap().to_owned();
    // The worker captures the initialization mail into the dev mailbox.
    let mut mail_id = String::new();
    for _ in 0..100 {
        let mails: serde_json::Value = client
            .get(format!("{}/mailroom/v1/mails?userId={user}", server.base))
            .bearer_auth(&pat)
            .json_body()
            .await;
        if mails["mails"][0]["status"] == "captured" {
            mail_id = mails["mails"][0]["id"].as_str().unwrap().to_owned();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !mail_id.is_empty(),
        "the mail was captured:\n{}",
        server.log()
    );
    let signed_in = form(
        &client,
        &server.base,
        "/api/login",
        &[("username", "admin"), ("password", ADMIN_PASSWORD)],
    )
    .await;
    assert!(signed_in < 400);
    let preview = client
        .get(format!("{}/mailbox/{mail_id}/preview", server.base))
        .text_body()
        .await;
    let at = preview.find("code=").expect("the admin sees the link") + 5;
    let code = preview[at..at + 6].to_owned();
    // An end-user page with a code in its query string.
    client
        .get(format!(
            "{}/ui/v2/login/verify?userId={user}&code=QSECRET",
            server.base
        ))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = server.log();
    assert!(log.contains("dev mailbox: captured a mail"), "{log}");
    assert!(
        log.contains("/ui/v2/login/verify"),
        "requests are logged: {log}"
    );
    for secret in [code.as_str(), "QSECRET", "/ui/login/user/init?"] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
}

async fn add_user(client: &reqwest::Client, base: &str, pat: &str, name: &str) -> u16 {
    let body = serde_json::json!({"username": name, "profile": {"givenName": "B", "familyName": "K"},
                                  "email": {"email": format!("{name}@example.com")}});
    let request = client
        .post(format!("{base}/v2/users/human"))
        .bearer_auth(pat);
    status_of(request.json(&body)).await
}

/// `mailroom backup <file>` while the server takes writes: the copy is consistent,
/// private (0600), holds what was committed before it began, and a server started
/// on it serves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_under_write_load_restores_into_a_working_server() {
    let server = Server::start(&[]).await;
    let pat = server.pat();
    let client = reqwest::Client::new();
    for i in 0..20 {
        assert_eq!(
            add_user(&client, &server.base, &pat, &format!("before{i}")).await,
            200
        );
    }
    // Writers keep going while the backup runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = tokio::spawn({
        let (client, base, pat, stop) = (
            client.clone(),
            server.base.clone(),
            pat.clone(),
            stop.clone(),
        );
        async move {
            let mut written = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                assert_eq!(
                    add_user(&client, &base, &pat, &format!("during{written}")).await,
                    200
                );
                written += 1;
            }
            written
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let restore_dir = tempfile::tempdir().unwrap();
    let copy = restore_dir.path().join("mailroom.db");
    let output = Command::new(env!("CARGO_BIN_EXE_mailroom"))
        .args(["backup", copy.to_str().unwrap()])
        .env_clear()
        .env("MAILROOM_DATA_DIR", server.data_dir.path())
        .output()
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let during = writer.await.unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(during > 0, "writes ran alongside the backup");
    // admin, api-admin and the 20 added before, plus whatever committed meanwhile.
    let users: u64 = said
        .strip_prefix("backed up ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output {said:?}"));
    assert!(
        (22..=22 + during).contains(&users),
        "{users} users in the copy"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // A second backup onto the same file is refused (nothing overwritten).
    let again = Command::new(env!("CARGO_BIN_EXE_mailroom"))
        .args(["backup", copy.to_str().unwrap()])
        .env_clear()
        .env("MAILROOM_DATA_DIR", server.data_dir.path())
        .output()
        .unwrap();
    assert!(!again.status.success());

    let restored = Server::start_in(restore_dir, &[]).await;
    let listed: serde_json::Value = client
        .post(format!("{}/v2/users", restored.base))
        .bearer_auth(&pat)
        .json(&serde_json::json!({"query": {"limit": 1}}))
        .json_body()
        .await;
    assert_eq!(
        listed["details"]["totalResult"],
        users.to_string(),
        "{listed}"
    );
    assert_eq!(
        add_user(&client, &restored.base, &pat, "after-restore").await,
        200
    );
}

/// Issue 13: SIGTERM under read load. The listener closes, requests in flight finish
/// (answered 200), no connection is reset before the listener closed, and the
/// process exits 0 within 10 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_read_load_drains_and_exits_cleanly() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;
    let mut server = Server::start(&[]).await;
    let pat = server.pat();
    let client = reqwest::Client::new();
    assert_eq!(add_user(&client, &server.base, &pat, "reader").await, 200);
    let users: serde_json::Value = client
        .post(format!("{}/v2/users", server.base))
        .bearer_auth(&pat)
        .json(&serde_json::json!({"queries": [{"userNameQuery": {"userName": "reader"}}]}))
        .json_body()
        .await;
    let user = users["result"][0]["userId"].as_str().unwrap().to_owned();
    let url = format!("{}/v2/users/{user}", server.base);

    // (when a request started, when it ended, answered 200 or not)
    let outcomes = Arc::new(Mutex::new(Vec::<(Instant, Instant, bool)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..16 {
        let (client, url, pat) = (client.clone(), url.clone(), pat.clone());
        let (outcomes, stop) = (outcomes.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let ok = matches!(
                    client.get(&url).bearer_auth(&pat).send().await,
                    Ok(r) if r.status() == 200
                );
                outcomes.lock().unwrap().push((started, Instant::now(), ok));
                if !ok {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }));
    }
    // Idle keep-alive connections, watched together with the listener: whenever the
    // server has closed one of them, a new connection must be refused already.
    let address: std::net::SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let mut idle = Vec::new();
    for _ in 0..4 {
        use std::io::{Read, Write};
        let mut conn = std::net::TcpStream::connect(address).unwrap();
        conn.write_all(b"GET /readyz HTTP/1.1\r\nhost: mailroom\r\n\r\n")
            .unwrap();
        let mut answer = [0u8; 512];
        let n = conn.read(&mut answer).unwrap();
        assert!(answer[..n].starts_with(b"HTTP/1.1 200"));
        conn.set_nonblocking(true).unwrap();
        idle.push(conn);
    }
    let watcher = std::thread::spawn(move || {
        use std::io::Read;
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut open = idle;
        let mut violations = 0;
        while !open.is_empty() && Instant::now() < deadline {
            let before = open.len();
            open.retain_mut(|conn| {
                let mut byte = [0u8; 1];
                match conn.read(&mut byte) {
                    Ok(0) => false,
                    Ok(_) => true,
                    Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
                }
            });
            if open.len() < before && std::net::TcpStream::connect(address).is_ok() {
                violations += 1;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        (violations, open.len())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signalled = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exited = tokio::task::spawn_blocking(move || {
        let status = server.wait_exit(Duration::from_secs(10));
        (status, server)
    });
    let (status, server) = exited.await.unwrap();
    let exited_at = Instant::now();
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
    let (violations, still_open) = watcher.join().unwrap();
    let status =
        status.unwrap_or_else(|| panic!("still running 10 s after SIGTERM:\n{}", server.log()));
    assert!(
        status.success(),
        "exit status {status:?}:\n{}",
        server.log()
    );
    assert!(exited_at - signalled < Duration::from_secs(10));
    let outcomes = outcomes.lock().unwrap();
    let answered_before = outcomes
        .iter()
        .filter(|(_, end, ok)| *ok && *end < signalled)
        .count();
    assert!(answered_before > 50, "load ran: {answered_before}");
    // Every request that started before the signal was answered.
    let lost: Vec<_> = outcomes
        .iter()
        .filter(|(start, _, ok)| !ok && *start < signalled)
        .collect();
    assert!(
        lost.is_empty(),
        "{} requests in flight at SIGTERM were dropped",
        lost.len()
    );
    assert_eq!(still_open, 0, "idle connections were closed");
    assert_eq!(
        violations, 0,
        "a connection was closed while the port still took new ones"
    );
    eprintln!(
        "sigterm: the process exited {:?} after the signal; {} requests answered",
        exited_at - signalled,
        outcomes.iter().filter(|o| o.2).count()
    );
}
