//! Several server processes on one Postgres (SPEC §6, issue "scale-out"): bootstrap
//! once, sessions and send limits shared. (Mail delivery once: `mail.rs`.)

use serde_json::json;

use crate::helpers::{
    postgres_available, spawn_app_with, spawn_postgres_with_long_auth_cache, Backend,
    ADMIN_PASSWORD,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_starts_bootstrap_once() {
    if !postgres_available() {
        return;
    }
    let app = spawn_app_with(Backend::Postgres, |_| {}).await.unwrap();
    // A fresh database for the race (the helper's is bootstrapped already).
    let admin_url = std::env::var("MAILROOM_TEST_POSTGRES_URL").unwrap();
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    let name = format!("mailroom_test_{:016x}", rand::random::<u64>());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let starts = (0..3).map(|_| {
        let mut config = app.config.clone();
        let dir = tempfile::tempdir().unwrap().keep();
        config.database_url = url.clone();
        config.first_pat_path = dir.join("admin.pat");
        config.master_key_path = dir.join("master.key");
        config.site_addr = "127.0.0.1:0".parse().unwrap();
        tokio::spawn(mailroom_server::Application::build(config))
    });
    let mut bootstrapped = 0;
    for start in starts {
        let built = start.await.unwrap().expect("every process starts");
        bootstrapped += usize::from(built.bootstrapped.is_some());
    }
    assert_eq!(bootstrapped, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_and_send_limits_are_shared() {
    if !postgres_available() {
        return;
    }
    let a = spawn_app_with(Backend::Postgres, |_| {}).await.unwrap();
    let mut config = a.config.clone();
    config.site_addr = "127.0.0.1:0".parse().unwrap();
    let b = mailroom_server::Application::build(config).await.unwrap();
    let b_base = format!("http://{}", b.address());
    tokio::spawn(b.run_until(std::future::pending()));

    // Signed in on A, the session works on B.
    let sign_in = a
        .client
        .post(a.url("/api/login"))
        .header("accept", "text/html")
        .header("origin", a.base.clone())
        .header("referer", a.url("/login"))
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = sign_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = a
        .client
        .get(format!("{b_base}/users"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "B accepts A's session");
    assert!(page.text().await.unwrap().contains("admin@localhost"));

    // A code mail through A, then one through B at once: B refuses.
    let user = a.human("shared@example.com", true).await;
    let first = a
        .post_by(&a.pat, &format!("/v2/users/{user}/email/send"), json!({}))
        .await;
    assert_eq!(first.status, 200);
    let send = format!("/v2/users/{user}/email/send");
    let second = a.post_at(&b_base, &send, json!({})).await;
    assert_eq!(second.status, 429, "{}", second.body);
}

/// A role or state change made on one process reaches the token caches of the others
/// at once (Postgres LISTEN/NOTIFY), not only when their entries age out: the cache
/// lifetime here is a minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn auth_changes_reach_the_other_process_at_once() {
    use mailroom_core::permissions::Role;
    let Some(a) = spawn_postgres_with_long_auth_cache().await else {
        return;
    };
    let mut config = a.config.clone();
    config.site_addr = "127.0.0.1:0".parse().unwrap();
    let b = mailroom_server::Application::build(config).await.unwrap();
    let b_base = format!("http://{}", b.address());
    tokio::spawn(b.run_until(std::future::pending()));

    let (machine, token) = a.machine(a.org_id, "reader-bot", Role::OrgOwner).await;
    let path = format!("/management/v1/users/{}/email", a.admin_id);
    let read_on_a = || a.client.get(a.url(&path)).bearer_auth(&token).send();
    assert_eq!(read_on_a().await.unwrap().status(), 200, "cached on A now");

    let deactivated = a
        .client
        .post(format!("{b_base}/v2/users/{machine}/deactivate"))
        .bearer_auth(&a.pat)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(deactivated.status(), 200, "deactivated on B");

    let started = std::time::Instant::now();
    loop {
        let status = read_on_a().await.unwrap().status();
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "A still accepts the token of a user deactivated on B"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
