//! Crash safety (issue 13): the real binary is killed with SIGKILL in the middle of a
//! write-and-mail load and started again on the same database. Every acknowledged
//! write is there, every acknowledged mail reaches the SMTP server at least once,
//! and the outbox drains. Duplicates (a mail sent, then the process died before it
//! recorded that) are counted and printed.

use crate::helpers::Fetch;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::fresh_postgres_url;
use crate::process::Server;
use crate::smtp::SmtpSink;

async fn crash_in_the_middle_of_a_write_and_mail_load(database_url: Option<String>) {
    let sink = SmtpSink::start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let mut env = vec![
        ("MAILROOM_SMTP_URL", smtp.as_str()),
        ("MAILROOM_MAIL_FROM", "Mailroom <noreply@mailroom.test>"),
        ("MAILROOM_MAIL_LEASE_SECS", "2"),
    ];
    if let Some(url) = &database_url {
        env.push(("MAILROOM_DATABASE_URL", url));
    }
    let server = Server::start(&env).await;
    let pat = server.pat();
    let client = reqwest::Client::new();
    // user id → address, for every create answered 200.
    let acknowledged = Arc::new(Mutex::new(BTreeMap::<String, String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, base, pat) = (client.clone(), server.base.clone(), pat.clone());
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let address = format!("crash-{w}-{i}@example.com");
                i += 1;
                let answer = client
                    .post(format!("{base}/v2/users/human"))
                    .bearer_auth(&pat)
                    .json(&json!({"profile": {"givenName": "C", "familyName": "K"},
                                  "email": {"email": address, "sendCode": {}}}))
                    .send()
                    .await;
                let Ok(answer) = answer else { break }; // the process is gone
                if answer.status() != 200 {
                    break;
                }
                let Ok(body) = answer.json::<Value>().await else {
                    break;
                };
                let id = body["userId"].as_str().unwrap().to_owned();
                acknowledged.lock().unwrap().insert(id, address);
            }
        }));
    }
    // Let the worker send some and fall behind on others, then crash.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let data_dir = server.kill();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let before_restart = sink.messages().len();
    assert!(
        acknowledged.len() >= 20,
        "load ran: {} writes",
        acknowledged.len()
    );

    let restarted = Server::start_in(data_dir, &env).await;
    // Every acknowledged write is there.
    for (id, address) in &acknowledged {
        let user: Value = client
            .get(format!("{}/v2/users/{id}", restarted.base))
            .bearer_auth(&pat)
            .json_body()
            .await;
        assert_eq!(
            user["user"]["human"]["email"]["email"],
            json!(address),
            "{user}"
        );
    }
    // Every acknowledged mail arrives, at least once (the lease is 2 s, and the
    // restarted process takes its own claims back at once).
    let wanted: BTreeSet<&String> = acknowledged.values().collect();
    let mut received = BTreeMap::<String, usize>::new();
    for _ in 0..300 {
        received.clear();
        for message in sink.messages() {
            for to in message["rcpt_tos"].as_array().unwrap() {
                *received.entry(to.as_str().unwrap().to_owned()).or_default() += 1;
            }
        }
        if wanted.iter().all(|a| received.contains_key(*a)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let missing: Vec<_> = wanted
        .iter()
        .filter(|a| !received.contains_key(**a))
        .collect();
    assert!(
        missing.is_empty(),
        "never delivered: {missing:?}\n{}",
        restarted.log()
    );
    // The outbox drains: nothing queued or sending is left.
    for status in ["queued", "sending", "failed"] {
        let mut left = Value::Null;
        for _ in 0..100 {
            left = client
                .get(format!(
                    "{}/mailroom/v1/mails?status={status}",
                    restarted.base
                ))
                .bearer_auth(&pat)
                .json_body()
                .await;
            if left["mails"].as_array().is_some_and(|m| m.is_empty()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(left["mails"], json!([]), "{status} mails left");
    }
    let duplicates: usize = received.values().map(|n| n - 1).sum();
    eprintln!(
        "crash test ({}): {} acknowledged writes, {} mails before the kill, {} duplicates after the restart",
        if database_url.is_some() { "postgres" } else { "sqlite" },
        acknowledged.len(),
        before_restart,
        duplicates
    );
    // A duplicate needs a mail in flight at the kill: at most one batch per worker.
    assert!(duplicates <= 64, "{duplicates} duplicates");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_nothing_on_sqlite() {
    crash_in_the_middle_of_a_write_and_mail_load(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_nothing_on_postgres() {
    let Some(url) = fresh_postgres_url().await else {
        return;
    };
    crash_in_the_middle_of_a_write_and_mail_load(Some(url)).await;
}
