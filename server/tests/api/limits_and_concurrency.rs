//! Send limits (SPEC §1) and concurrent writes to one user (gap-free sequences).

use mailroom_core::ids::UserId;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_rest_error, Fetch, TestApp};

async fn send_limits(app: TestApp) {
    let user = app.human("limited@example.com", true).await;
    let send = format!("/v2/users/{user}/email/send");
    app.post_ok(&send, json!({})).await;

    // Within 30 seconds: refused, with Retry-After, and nothing written.
    let events_before = app.event_types(user).await;
    let mails_before = app.mails(user).await.len();
    app.clock.advance_secs(10);
    let refused = app.post(&send, json!({})).await;
    assert_rest_error(
        &refused,
        429,
        8,
        "MAILROOM-LIMIT",
        "Too many codes sent, try again later",
    );
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((19..=20).contains(&retry_after), "{retry_after}");
    assert_eq!(app.event_types(user).await, events_before);
    assert_eq!(app.mails(user).await.len(), mails_before);
    // The same limit on every door that mails a code.
    let v1 = app
        .put(
            &format!("/management/v1/users/{user}/email"),
            json!({"email": "other@example.com"}),
        )
        .await;
    assert_eq!(v1.status, 429);
    let connect = app
        .connect(
            &app.pat,
            "/zitadel.user.v2.UserService/SendEmailCode",
            json!({"userId": user.to_string()}),
        )
        .await;
    assert_eq!(
        (connect.status, connect.body["code"].as_str()),
        (429, Some("resource_exhausted"))
    );
    assert!(connect.headers.contains_key("retry-after"));
    // returnCode mails nothing and is not limited.
    let returned = app.post(&send, json!({"returnCode": {}})).await;
    assert_eq!(returned.status, 200);

    // Ten per hour.
    for _ in 0..9 {
        app.clock.advance_secs(31);
        app.post_ok(&send, json!({})).await;
    }
    app.clock.advance_secs(31);
    let refused = app.post(&send, json!({})).await;
    assert_eq!(refused.status, 429);
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        retry_after > 30,
        "the hourly window, not the 30 s interval: {retry_after}"
    );
    app.clock.advance_secs(retry_after as i64);
    assert_eq!(app.post(&send, json!({})).await.status, 200);
}

/// The doors concurrent writers come through: on Postgres, half of them go to a
/// second process on the same database, so the ordering holds across processes.
async fn doors(app: &TestApp) -> Vec<String> {
    let mut doors = vec![app.base.clone()];
    if app.config.database_url.starts_with("postgres") {
        doors.push(app.second_process(|_| {}).await);
    }
    doors
}

/// Fires `bodies` at once, spread over `doors`; answers (status, body) in order.
async fn all_at_once(
    app: &TestApp,
    doors: &[String],
    calls: Vec<(String, Value)>,
) -> Vec<(u16, Value)> {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(calls.len()));
    let mut tasks = Vec::new();
    for (i, (path, body)) in calls.into_iter().enumerate() {
        let (client, pat, start) = (app.client.clone(), app.pat.clone(), start.clone());
        let url = format!("{}{path}", doors[i % doors.len()]);
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let response = client
                .post(url)
                .bearer_auth(pat)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// Each door's count of writes that raced another and ran again: none, since writes
/// to one user take turns, on Postgres across processes too (the row lock).
async fn assert_no_write_retries(app: &TestApp, doors: &[String]) {
    for door in doors {
        let metrics = app.client.get(format!("{door}/metrics")).text_body().await;
        assert!(
            metrics.contains("\nmailroom_write_retries_total 0\n"),
            "{door}: {}",
            metrics
                .lines()
                .find(|l| l.starts_with("mailroom_write_retries_total"))
                .unwrap_or("no retry count")
        );
    }
}

/// The user's event sequences are 1..n without gaps or repeats; returns the events.
async fn gapless_events(app: &TestApp, user: UserId) -> Vec<Value> {
    let events = app
        .get(&format!("/mailroom/v1/users/{user}/events?limit=1000"))
        .await
        .body["events"]
        .as_array()
        .unwrap()
        .clone();
    let sequences: Vec<u64> = events
        .iter()
        .map(|e| e["sequence"].as_str().unwrap().parse().unwrap())
        .collect();
    let expected: Vec<u64> = (1..=sequences.len() as u64).collect();
    assert_eq!(sequences, expected, "gap-free and without duplicates");
    events
}

/// Issue 13: 32 concurrent SetEmail to one user all succeed, one after another; the
/// address left is the one of the write acknowledged last (the highest sequence).
async fn concurrent_writes_to_one_user_all_land_in_order(app: TestApp) {
    let user = app.human("busy@example.com", false).await;
    let doors = doors(&app).await;
    let calls = (0..32)
        .map(|i| {
            (
                format!("/v2/users/{user}/email"),
                json!({"email": format!("busy{i}@example.com"), "returnCode": {}}),
            )
        })
        .collect();
    let answers = all_at_once(&app, &doors, calls).await;
    let mut acknowledged = Vec::new();
    for (i, (status, body)) in answers.iter().enumerate() {
        assert_eq!(*status, 200, "write {i}: {body}");
        let sequence: u64 = body["details"]["sequence"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        acknowledged.push((sequence, format!("busy{i}@example.com")));
    }
    acknowledged.sort();
    let distinct: std::collections::BTreeSet<u64> = acknowledged.iter().map(|(s, _)| *s).collect();
    assert_eq!(distinct.len(), 32, "each write saw the one before it");
    let events = gapless_events(&app, user).await;
    // Each write appended email.changed + code.added on top of the 2 creation events.
    assert_eq!(events.len(), 2 + 2 * 32);
    let last = &acknowledged.last().unwrap().1;
    assert_eq!(app.user(user).await.human().unwrap().email.as_str(), last);
    let shown = app.get(&format!("/v2/users/{user}")).await;
    assert_eq!(shown.body["user"]["human"]["email"]["email"], json!(last));
    assert_no_write_retries(&app, &doors).await;
}

/// The same for a mix of SetEmail, SendEmailCode and VerifyEmail: none is refused
/// because another was in flight (no 409); a verification can only fail on its code.
async fn a_mix_of_writes_to_one_user_serializes(app: TestApp) {
    let user = app.human("mixed@example.com", false).await;
    let code = app.returned_code(user).await;
    let doors = doors(&app).await;
    let calls = (0..36)
        .map(|i| match i % 3 {
            0 => (
                format!("/v2/users/{user}/email"),
                json!({"email": format!("mixed{i}@example.com"), "returnCode": {}}),
            ),
            1 => (
                format!("/v2/users/{user}/email/send"),
                json!({"returnCode": {}}),
            ),
            _ => (
                format!("/v2/users/{user}/email/verify"),
                json!({"verificationCode": code}),
            ),
        })
        .collect();
    let answers = all_at_once(&app, &doors, calls).await;
    let mut verified = 0;
    for (i, (status, body)) in answers.iter().enumerate() {
        match (i % 3, *status) {
            (_, 200) => verified += usize::from(i % 3 == 2),
            // The code was replaced by an earlier write, or used up.
            (2, 400) => assert_eq!(body["details"][0]["id"], "COMMAND-eis9R", "{body}"),
            (kind, other) => panic!("call {i} (kind {kind}): {other} {body}"),
        }
    }
    assert!(verified <= 1, "one code verifies once");
    let events = gapless_events(&app, user).await;
    let changes = events
        .iter()
        .filter(|e| e["type"] == "user.human.email.changed")
        .count();
    assert_eq!(changes, 12, "every SetEmail");
    assert_no_write_retries(&app, &doors).await;
}

/// Issue 13: reads are served from memory on SQLite; a read after an acknowledged
/// write still sees it, while other readers hammer the same user.
async fn a_read_after_an_acknowledged_write_sees_it(app: TestApp) {
    let user = app.human("cached@example.com", true).await;
    let path = format!("/management/v1/users/{user}/email");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (client, url, pat, stop) = (
            app.client.clone(),
            app.url(&path),
            app.pat.clone(),
            stop.clone(),
        );
        readers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let answer = client.get(&url).bearer_auth(&pat).send().await.unwrap();
                assert_eq!(answer.status(), 200);
            }
        }));
    }
    for i in 0..40 {
        let address = format!("cached{i}@example.com");
        let set = app
            .post(
                &format!("/v2/users/{user}/email"),
                if i % 2 == 0 {
                    json!({"email": address, "isVerified": true})
                } else {
                    json!({"email": address, "returnCode": {}})
                },
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        let read = app.get(&path).await;
        assert_eq!(
            read.body["email"]["email"],
            json!(address),
            "read {i} after its write"
        );
        // protobuf JSON leaves `false` out.
        assert_eq!(
            read.body["email"]["isEmailVerified"]
                .as_bool()
                .unwrap_or(false),
            i % 2 == 0
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
}

/// Writes that arrive together share a transaction on SQLite (group commit): a
/// failing one among them (a taken username) fails alone, and every other one lands.
async fn a_failing_write_among_concurrent_ones_fails_alone(app: TestApp) {
    let mut tasks = Vec::new();
    for i in 0..40 {
        let client = app.client.clone();
        let url = app.url("/v2/users/human");
        let pat = app.pat.clone();
        // Users 7 and 23 ask for the same username.
        let username = if i == 23 {
            "crowd-7".to_owned()
        } else {
            format!("crowd-{i}")
        };
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(pat)
                .json(&json!({
                    "username": username,
                    "profile": {"givenName": "Crowd", "familyName": i.to_string()},
                    "email": {"email": format!("crowd{i}@example.com"), "isVerified": true},
                }))
                .send()
                .await
                .unwrap();
            (username, response.status().as_u16())
        }));
    }
    let mut created = 0;
    let mut taken = 0;
    for task in tasks {
        let (username, status) = task.await.unwrap();
        match status {
            200 => created += 1,
            409 => {
                assert_eq!(username, "crowd-7");
                taken += 1;
            }
            other => panic!("{username}: {other}"),
        }
    }
    assert_eq!((created, taken), (39, 1));
    for i in (0..40).filter(|i| *i != 23) {
        let found = app
            .mailroom
            .store()
            .user_by_username(&format!("crowd-{i}"))
            .await
            .unwrap();
        assert!(found.is_some(), "crowd-{i} was created");
    }
}

both_backends!(
    send_limits,
    concurrent_writes_to_one_user_all_land_in_order,
    a_mix_of_writes_to_one_user_serializes,
    a_read_after_an_acknowledged_write_sees_it,
    a_failing_write_among_concurrent_ones_fails_alone
);
