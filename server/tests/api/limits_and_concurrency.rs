//! Send limits (SPEC §1) and concurrent writes to one user (gap-free sequences).

use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_rest_error, TestApp};

async fn send_limits(app: TestApp) {
    let user = app.human("limited@example.com", true).await;
    let send = format!("/v2/users/{user}/email/send");
    let first = app.post(&send, json!({})).await;
    assert_eq!(first.status, 200, "{}", first.body);

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
        let answer = app.post(&send, json!({})).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
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

async fn concurrent_writes_keep_sequences_gap_free(app: TestApp) {
    let user = app.human("busy@example.com", false).await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let client = app.client.clone();
        let url = app.url(&format!("/v2/users/{user}/email"));
        let pat = app.pat.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(pat)
                .json(&json!({"email": format!("busy{i}@example.com"), "returnCode": {}}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut ok = 0;
    for task in tasks {
        let status = task.await.unwrap();
        assert!(status == 200 || status == 409, "{status}");
        ok += usize::from(status == 200);
    }
    assert!(ok >= 1);
    let events = app
        .get(&format!("/mailroom/v1/users/{user}/events"))
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
    // Each successful write appended email.changed + code.added on top of the 2 creation events.
    assert_eq!(events.len(), 2 + 2 * ok);
    // The row and the log agree on the last address.
    let last_email = events
        .iter()
        .rev()
        .find(|e| e["type"] == "user.human.email.changed")
        .unwrap()["payload"]["email"]
        .clone();
    assert_eq!(
        json!(app.user(user).await.human().unwrap().email.as_str()),
        last_email
    );
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
    concurrent_writes_keep_sequences_gap_free,
    a_failing_write_among_concurrent_ones_fails_alone
);
