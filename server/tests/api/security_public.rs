//! SPEC §7 for what anyone can reach without an account: the end-user pages (bounded
//! failure events, answers that tell no user apart, 64 KiB bodies) and the sign-in
//! form (limits per username and per client address that hold across processes).

use mailroom_core::ids::UserId;
use mailroom_core::permissions::Role;
use serde_json::json;

use crate::helpers::{postgres_available, spawn_app_with, Backend, TestApp, ADMIN_PASSWORD};
use crate::{both_backends, per_backend};

/// A form post as a browser sends it from the page at `page`.
async fn form_post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn verify_by_link(app: &TestApp, user: &str, code: &str) -> (u16, String) {
    let response = form_post(
        app,
        "/api/verify_email_link",
        &[("user_id", user), ("code", code)],
    )
    .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    (response.status().as_u16(), location)
}

fn count(events: &[String], kind: &str) -> usize {
    events.iter().filter(|e| e.as_str() == kind).count()
}

const FAILED: &str = "user.human.email.verification.failed";

/// Finding 6: every wrong code on the public page appended an event, with or without
/// a live code. Now: nothing without a live code, one per attempt on a live code
/// until it is used up (5), then nothing.
async fn failure_events_are_bounded(app: TestApp) {
    // Verified through the API: no code is live.
    let no_code = app.human("nocode@example.com", true).await;
    let before = app.event_types(no_code).await;
    for _ in 0..8 {
        assert!(verify_by_link(&app, &no_code.to_string(), "WRONG1")
            .await
            .1
            .contains("result=invalid"));
    }
    assert_eq!(
        app.event_types(no_code).await,
        before,
        "no live code: nothing written"
    );

    let user = app.human("live@example.com", false).await;
    let code = app.returned_code(user).await;
    for _ in 0..9 {
        verify_by_link(&app, &user.to_string(), "WRONG1").await;
    }
    // Through the API too, once the code is used up.
    let api = app
        .post(
            &format!("/v2/users/{user}/email/verify"),
            json!({"verificationCode": "WRONG2"}),
        )
        .await;
    assert_eq!(api.status, 400);
    let events = app.event_types(user).await;
    assert_eq!(count(&events, FAILED), 5, "{events:?}");
    // The right code no longer helps: it was used up.
    assert!(verify_by_link(&app, &user.to_string(), &code)
        .await
        .1
        .contains("result=invalid"));
    assert_eq!(count(&app.event_types(user).await, FAILED), 5);
}

/// Finding 7: "send me a new code" and a wrong code answered differently for unknown,
/// real, verified and code-less users. Now each answer is the same page and status.
async fn public_answers_tell_no_user_apart(app: TestApp) {
    // Its code expires before the others are made.
    let no_code = app.human("plain@example.com", false).await;
    app.clock.advance_secs(3601);
    let with_code = app.human("coded@example.com", false).await;
    app.returned_code(with_code).await;
    let verified = app.human("verified@example.com", true).await;
    let unknown = UserId::generate();
    let users = [unknown, with_code, verified, no_code];
    let mut verify_answers = Vec::new();
    let mut new_code_answers = Vec::new();
    for user in users {
        let id = user.to_string();
        let (status, location) = verify_by_link(&app, &id, "ZZZZZZ").await;
        let page = app.fetch(&location).await;
        let html = page.text().await.unwrap().replace(&id, "<id>");
        verify_answers.push((status, location.replace(&id, "<id>"), strip_nonces(&html)));
        for _ in 0..2 {
            // The second ask is over the send limit for real users: still the same.
            let response = form_post(&app, "/api/request_new_code", &[("user_id", &id)]).await;
            let location = response.headers()["location"]
                .to_str()
                .unwrap()
                .replace(&id, "<id>");
            new_code_answers.push((response.status().as_u16(), location));
        }
    }
    for answer in &verify_answers[1..] {
        assert_eq!(answer, &verify_answers[0]);
    }
    for answer in &new_code_answers[1..] {
        assert_eq!(answer, &new_code_answers[0]);
    }
    assert!(verify_answers[0].1.contains("result=invalid"));
    assert!(new_code_answers[0].1.contains("result=sent"));
}

/// The page's nonce (also in `crossorigin`) differs per response.
fn strip_nonces(html: &str) -> String {
    let mut html = html.to_owned();
    for attribute in ["nonce=\"", "crossorigin=\""] {
        let mut out = String::new();
        for (i, part) in html.split(attribute).enumerate() {
            if i == 0 {
                out.push_str(part);
            } else {
                out.push_str(part.split_once('"').map_or(part, |(_, rest)| rest));
            }
        }
        html = out;
    }
    html
}

/// "Already verified" is told only to whoever holds the code that did it.
async fn already_verified_needs_the_code(app: TestApp) {
    let user = app.human("twice@example.com", false).await;
    let code = app.returned_code(user).await;
    let id = user.to_string();
    assert!(verify_by_link(&app, &id, &code)
        .await
        .1
        .contains("result=verified"));
    assert!(verify_by_link(&app, &id, &code)
        .await
        .1
        .contains("result=already"));
    assert!(verify_by_link(&app, &id, "ZZZZZZ")
        .await
        .1
        .contains("result=invalid"));
}

/// Finding 9: server functions took 2 MiB bodies and answered 500 above that.
async fn site_bodies_over_64_kib_get_413(app: TestApp) {
    let big = "x".repeat(100 * 1024);
    let huge = "x".repeat(3 * 1024 * 1024);
    for path in [
        "/api/login",
        "/api/verify_email_link",
        "/api/initialize_account",
        "/api/request_new_code",
    ] {
        let response = form_post(&app, path, &[("user_id", big.as_str()), ("username", "a")]).await;
        assert_eq!(response.status(), 413, "{path} with {} bytes", big.len());
        // 3 MiB: answered 413 from the declared length, before the body is read (the
        // client may see the connection close while it still sends).
        // A client of its own: the server closes this connection.
        let huge = reqwest::Client::new()
            .post(app.url(path))
            .header("origin", app.base.clone())
            .form(&[("user_id", huge.as_str())])
            .send()
            .await;
        if let Ok(response) = huge {
            assert_eq!(response.status(), 413, "{path} with 3 MiB");
        }
        // Without a declared length, too.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            (0..80).map(|_| Ok(vec![b'x'; 1024])).collect();
        let response = reqwest::Client::new()
            .post(app.url(path))
            .header("origin", app.base.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                chunks,
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413, "{path} streamed");
    }
    // A normal post still works.
    let (status, location) = verify_by_link(&app, "1", "ABCDEF").await;
    assert!(
        status < 400 && location.contains("result=invalid"),
        "{status} {location}"
    );
}

/// A sign-in through the JSON door the hydrated form uses: its status.
async fn attempt(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
    forwarded: Option<&str>,
) -> (u16, Option<u64>) {
    let mut request = client
        .post(format!("{base}/api/login"))
        .header("origin", base)
        .form(&[("username", username), ("password", password)]);
    if let Some(addr) = forwarded {
        request = request.header("x-forwarded-for", addr);
    }
    let response = request.send().await.unwrap();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (response.status().as_u16(), retry)
}

/// Finding 5: with the delay at 4 s, 20 parallel wrong passwords were all evaluated.
/// Now 5 failures per username are evaluated, the rest answered 429 at once.
async fn sign_in_failures_are_limited_per_username(app: TestApp) {
    let guesses = (0..20).map(|i| {
        let client = app.client.clone();
        let base = app.base.clone();
        tokio::spawn(
            async move { attempt(&client, &base, "admin", &format!("guess-{i}"), None).await },
        )
    });
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let evaluated = statuses.iter().filter(|(s, _)| *s == 401).count();
    let limited: Vec<_> = statuses.iter().filter(|(s, _)| *s == 429).collect();
    assert_eq!((evaluated, limited.len()), (5, 15), "{statuses:?}");
    assert!(limited
        .iter()
        .all(|(_, retry)| retry.is_some_and(|secs| secs > 60)));
    // Over the limit, even the right password is not looked at.
    let (status, _) = attempt(&app.client, &app.base, "admin", ADMIN_PASSWORD, None).await;
    assert_eq!(status, 429);
    // The window ends: the username may try again.
    let olga = app.console_user("olga", "olga-password", None).await;
    app.grant(olga, Some(app.org_id), Role::OrgOwnerViewer)
        .await;
    let (status, _) = attempt(&app.client, &app.base, "olga", "olga-password", None).await;
    assert_eq!(
        status, 200,
        "another username is not limited by admin's failures"
    );
}

/// Per client address: many usernames from one address run out too; the address is
/// the socket's unless the peer is a trusted proxy.
async fn sign_in_failures_are_limited_per_address(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.login_failures_per_address = 3;
        config.trusted_proxies =
            mailroom_server::client_addr::TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await
    else {
        return;
    };
    let from = |addr: &'static str| Some(addr);
    let mut seen = Vec::new();
    for i in 0..5 {
        seen.push(
            attempt(
                &app.client,
                &app.base,
                &format!("nobody{i}"),
                "x",
                from("203.0.113.7"),
            )
            .await
            .0,
        );
    }
    assert_eq!(seen, [401, 401, 401, 429, 429]);
    // Another client behind the same proxy has its own budget.
    assert_eq!(
        attempt(&app.client, &app.base, "nobody9", "x", from("198.51.100.1"))
            .await
            .0,
        401
    );
    // The nearest untrusted hop counts, not what the client wrote first.
    assert_eq!(
        attempt(
            &app.client,
            &app.base,
            "nobody8",
            "x",
            from("198.51.100.9, 203.0.113.7")
        )
        .await
        .0,
        429
    );

    // Without trusted proxies the header is ignored: every guess comes from 127.0.0.1.
    let Some(direct) =
        spawn_app_with(backend, |config| config.login_failures_per_address = 3).await
    else {
        return;
    };
    let mut seen = Vec::new();
    for (i, addr) in ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"]
        .into_iter()
        .enumerate()
    {
        seen.push(
            attempt(
                &direct.client,
                &direct.base,
                &format!("x{i}"),
                "x",
                Some(addr),
            )
            .await
            .0,
        );
    }
    assert_eq!(seen, [401, 401, 401, 429]);
}

/// The budget is in the database: two processes share it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_in_limits_hold_across_processes() {
    if !postgres_available() {
        return;
    }
    let a = spawn_app_with(Backend::Postgres, |_| {}).await.unwrap();
    let b = a.second_process(|_| {}).await;
    let guesses = (0..16).map(|i| {
        let client = a.client.clone();
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b.clone()
        };
        tokio::spawn(async move { attempt(&client, &base, "admin", "wrong", None).await.0 })
    });
    let mut evaluated = 0;
    for guess in guesses {
        evaluated += usize::from(guess.await.unwrap() == 401);
    }
    assert_eq!(evaluated, 5);
}

/// SPEC §7 "Sessions": a user's console sessions end when it is deactivated or
/// locked (reactivating or unlocking does not bring them back).
async fn sessions_end_with_the_user(app: TestApp) {
    let olga = app.console_user("olga", "olga-password", None).await;
    app.grant(olga, Some(app.org_id), Role::OrgOwner).await;
    for (off, on) in [("deactivate", "reactivate"), ("lock", "unlock")] {
        let (status, client) = app.sign_in("olga", "olga-password").await;
        assert_eq!(status, 303);
        assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 200);
        let answer = app
            .post(&format!("/v2/users/{olga}/{off}"), json!({}))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        app.post_ok(&format!("/v2/users/{olga}/{on}"), json!({}))
            .await;
        let page = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(page.status(), 303, "the session ended with {off}");
    }
}

/// Over https the cookie is `__Host-` prefixed and `Secure`.
async fn the_cookie_is_host_prefixed_over_https(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.public_url = "https://mailroom.example".into();
        config.cookie_secure = true;
    })
    .await
    else {
        return;
    };
    let response = form_post(
        &app,
        "/api/login",
        &[("username", "admin"), ("password", ADMIN_PASSWORD)],
    )
    .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-mailroom_session="), "{cookie}");
    for part in ["Secure", "Path=/", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
}

both_backends!(
    failure_events_are_bounded,
    public_answers_tell_no_user_apart,
    already_verified_needs_the_code,
    site_bodies_over_64_kib_get_413,
    sign_in_failures_are_limited_per_username,
    sessions_end_with_the_user,
);

mod own_apps {
    use super::*;
    per_backend!(
        sign_in_failures_are_limited_per_address,
        the_cookie_is_host_prefixed_over_https
    );
}
