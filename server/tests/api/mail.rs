//! Mail delivery against a real SMTP server (SPEC §5): content, links, languages,
//! outage and recovery, skipping, redaction, retries, the dev mailbox, metrics.

use crate::helpers::Fetch;
use mailroom_core::model::MailKind;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::per_backend;
use crate::smtp::{free_port, SmtpSink};

async fn app_with_smtp(backend: Backend, port: u16) -> TestApp {
    spawn_app_with(backend, |config| {
        config.smtp_url = Some(mailroom_server::config::Secret(format!(
            "smtp://127.0.0.1:{port}"
        )));
        config.mail_from = "Mailroom Test <noreply@mailroom.test>".into();
    })
    .await
    .expect("app")
}

async fn add_human(app: &TestApp, body: Value) -> String {
    let answer = app.post_ok("/v2/users/human", body).await;
    answer.body["userId"].as_str().unwrap().to_owned()
}

fn code_in(text: &str) -> String {
    let at = text.find("code: ").expect("code in the text part") + 6;
    text[at..at + 6].to_owned()
}

async fn verification_mail_content_and_code(backend: Backend) {
    let sink = SmtpSink::start();
    let app = app_with_smtp(backend, sink.port).await;
    // A line break in a name never gets as far as a mail header: it is refused.
    let crlf = app
        .post(
            "/v2/users/human",
            json!({"profile": {"givenName": "Eve", "familyName": "X", "displayName": "Eve\r\nBcc: victim@example.com"},
                   "email": {"email": "eve@example.com", "sendCode": {}}}),
        )
        .await;
    assert_eq!(crlf.status, 400, "{}", crlf.body);
    let hostile = "<b>Eve</b> & \"Co\" Bcc: victim@example.com";
    let user = add_human(
        &app,
        json!({"profile": {"givenName": "Eve", "familyName": "X", "displayName": hostile},
               "email": {"email": "eve@example.com", "sendCode": {}}}),
    )
    .await;
    assert_eq!(app.deliver().await, 1);
    let messages = sink.wait_for(1).await;
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert_eq!(
        mail["rcpt_tos"],
        json!(["eve@example.com"]),
        "no header injection"
    );
    assert_eq!(mail["headers"]["subject"], "Verify your email address");
    assert_eq!(mail["content_type"], "multipart/alternative");
    assert!(mail["headers"]["from"]
        .as_str()
        .unwrap()
        .contains("noreply@mailroom.test"));
    assert!(!mail["headers"].as_object().unwrap().contains_key("bcc"));
    let row = app
        .mails(user.parse().map(mailroom_core::ids::UserId).unwrap())
        .await;
    assert_eq!(mail["headers"]["message-id"], row[0].message_id);
    let text = mail["text"].as_str().unwrap();
    let html = mail["html"].as_str().unwrap();
    let code = code_in(text);
    let link = format!(
        "http://127.0.0.1:3000/ui/v2/login/verify?code={code}&organization={}&userId={user}",
        app.org_id
    );
    assert!(text.contains(&link), "{text}");
    assert!(html.contains(&code) && html.contains("Mailroom"), "{html}");
    assert!(text.contains("1 hour"));
    assert!(!html.contains("<b>Eve</b>"), "the display name is escaped");
    assert!(
        html.contains("&lt;b&gt;Eve&lt;&#x2f;b&gt;") || html.contains("&lt;b&gt;Eve&lt;/b&gt;"),
        "{html}"
    );

    // The mailed code verifies the address.
    app.post_ok(
        &format!("/v2/users/{user}/email/verify"),
        json!({"verificationCode": code}),
    )
    .await;
    let types = app
        .event_types(user.parse().map(mailroom_core::ids::UserId).unwrap())
        .await;
    assert_eq!(
        types,
        [
            "user.human.added",
            "user.human.email.code.added",
            "user.human.email.code.sent",
            "user.human.email.verified"
        ]
    );

    // Redacted after delivery: no copy of the code anywhere in the database.
    let stored = &app
        .mails(user.parse().map(mailroom_core::ids::UserId).unwrap())
        .await[0];
    assert_eq!(stored.status, mailroom_core::model::MailStatus::Sent);
    assert!(stored.sent_at.is_some());
    let dump = format!(
        "{:?} {:?} {:?} {}",
        stored.payload, stored.body_text, stored.body_html, stored.subject
    );
    assert!(!dump.contains(&code), "{dump}");
    assert!(stored.body_text.as_deref().unwrap().contains("••••••"));
}

async fn templates_languages_and_other_kinds(backend: Backend) {
    let sink = SmtpSink::start();
    let app = app_with_smtp(backend, sink.port).await;
    // urlTemplate rendering, in German.
    let user = add_human(
        &app,
        json!({"profile": {"givenName": "Jörg", "familyName": "M", "preferredLanguage": "de"},
               "email": {"email": "joerg@example.com", "sendCode": {"urlTemplate": "https://app.test/verify/{{.UserID}}/{{.OrgID}}?c={{.Code}}"}}}),
    )
    .await;
    // An initial user (v1): initialization mail with the login name.
    let init = app.post("/management/v1/users/human", json!({"userName": "newbie", "profile": {"firstName": "New", "lastName": "Bie"}, "email": {"email": "newbie@example.com"}}))
        .await;
    assert_eq!(init.status, 200);
    // A verified address changed: the old one gets a notice.
    let verified = add_human(&app, json!({"profile": {"givenName": "V", "familyName": "W"}, "email": {"email": "old@example.com", "isVerified": true}})).await;
    let change = app
        .post(
            &format!("/v2/users/{verified}/email"),
            json!({"email": "new@example.com", "returnCode": {}}),
        )
        .await;
    assert_eq!(change.status, 200);

    assert_eq!(app.deliver().await, 3);
    let messages = sink.wait_for(3).await;
    let by_to = |to: &str| {
        messages
            .iter()
            .find(|m| m["rcpt_tos"][0] == to)
            .unwrap_or_else(|| panic!("mail to {to}"))
    };

    let german = by_to("joerg@example.com");
    assert_eq!(
        german["headers"]["subject"],
        "Bestätige deine E-Mail-Adresse"
    );
    let code = code_in(german["text"].as_str().unwrap());
    let expected = format!("https://app.test/verify/{user}/{}?c={code}", app.org_id);
    assert!(
        german["text"].as_str().unwrap().contains(&expected),
        "{}",
        german["text"]
    );
    assert!(german["text"].as_str().unwrap().contains("1 Stunde"));

    let welcome = by_to("newbie@example.com");
    assert_eq!(
        welcome["headers"]["subject"],
        "Finish setting up your account"
    );
    let text = welcome["text"].as_str().unwrap();
    assert!(text.contains("Your login name is: newbie"), "{text}");
    assert!(
        text.contains("/ui/login/user/init?code=")
            && text.contains("&loginname=newbie&")
            && text.contains("72 hours"),
        "{text}"
    );

    let notice = by_to("old@example.com");
    assert_eq!(
        notice["headers"]["subject"],
        "Your email address was changed"
    );
    assert!(notice["text"].as_str().unwrap().contains("new@example.com"));
}

async fn smtp_outage_loses_nothing(backend: Backend) {
    let port = free_port();
    let app = app_with_smtp(backend, port).await;
    let mut users = Vec::new();
    for i in 0..3 {
        users.push(
            add_human(&app, json!({"profile": {"givenName": "O", "familyName": "U"}, "email": {"email": format!("out{i}@example.com"), "sendCode": {}}})).await,
        );
    }
    // Nothing listens: every mail waits with an error and a retry time.
    assert_eq!(app.deliver().await, 3);
    let page = app.get("/mailroom/v1/mails?status=queued").await;
    assert_eq!(
        page.body["mails"].as_array().unwrap().len(),
        3,
        "{}",
        page.body
    );
    for mail in page.body["mails"].as_array().unwrap() {
        assert_eq!(mail["attempts"], 1);
        assert!(
            mail["lastError"].as_str().unwrap().contains("127.0.0.1"),
            "{mail}"
        );
    }
    assert_eq!(app.deliver().await, 0, "not due before the backoff");

    // SMTP is back; after the backoff every mail goes out exactly once.
    let sink = SmtpSink::start_on(port);
    app.clock.advance_secs(11);
    assert_eq!(app.deliver().await, 3);
    let messages = sink.wait_for(3).await;
    assert_eq!(messages.len(), 3);
    let sent = app.get("/mailroom/v1/mails?status=sent").await;
    assert_eq!(sent.body["mails"].as_array().unwrap().len(), 3);
    for mail in sent.body["mails"].as_array().unwrap() {
        assert_eq!(mail["attempts"], 2);
    }
}

async fn expired_and_replaced_codes_are_skipped(backend: Backend) {
    let port = free_port();
    let app = app_with_smtp(backend, port).await;
    let expired = add_human(&app, json!({"profile": {"givenName": "A", "familyName": "B"}, "email": {"email": "exp@example.com", "sendCode": {}}})).await;
    let replaced = add_human(&app, json!({"profile": {"givenName": "A", "familyName": "B"}, "email": {"email": "rep@example.com", "sendCode": {}}})).await;
    // A newer code replaces the queued one (returned, so nothing new is mailed).
    app.returned_code(&replaced).await;
    app.clock.advance_secs(3601);
    let _sink = SmtpSink::start_on(port);
    assert_eq!(app.deliver().await, 2);
    for (user, reason) in [(&expired, "expired"), (&replaced, "replaced")] {
        let page = app.get(&format!("/mailroom/v1/mails?userId={user}")).await;
        let mail = &page.body["mails"][0];
        assert_eq!(mail["status"], "skipped", "{mail}");
        assert!(
            mail["lastError"].as_str().unwrap().contains(reason),
            "{mail}"
        );
    }
    assert!(_sink.messages().is_empty());
}

async fn failed_mails_can_be_retried(backend: Backend) {
    let port = free_port();
    let app = spawn_app_with(backend, |config| {
        config.smtp_url = Some(mailroom_server::config::Secret(format!(
            "smtp://127.0.0.1:{port}"
        )));
        config.policy.email_code_expiry_secs = 7 * 24 * 3600;
    })
    .await
    .unwrap();
    // A verified address changed with a mailed code: a verification mail to the new
    // address and a notice (no code) to the old one, both failing for good.
    let user = add_human(&app, json!({"profile": {"givenName": "F", "familyName": "G"}, "email": {"email": "fail@example.com", "isVerified": true}})).await;
    app.post_ok(
        &format!("/v2/users/{user}/email"),
        json!({"email": "fail2@example.com", "sendCode": {}}),
    )
    .await;
    for wait in [0, 10, 60, 300, 1800, 7200] {
        app.clock.advance_secs(wait);
        assert_eq!(app.deliver().await, 2);
    }
    let page = app.get(&format!("/mailroom/v1/mails?userId={user}")).await;
    let mails = page.body["mails"].as_array().unwrap().clone();
    for mail in &mails {
        assert_eq!(
            (mail["status"].as_str(), mail["attempts"].as_i64()),
            (Some("failed"), Some(6)),
            "{mail}"
        );
    }
    let metrics = app.client.get(app.url("/metrics")).text_body().await;
    assert!(
        metrics.contains("mailroom_outbox_mails{status=\"failed\"} 2"),
        "{metrics}"
    );
    let of_kind = |kind: &str| {
        mails.iter().find(|m| m["kind"] == kind).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    // Failed for good, the code mail lost its code (SPEC §7): a new code is the way on.
    let code_mail = of_kind("email_verification");
    let refused = app
        .post(&format!("/mailroom/v1/mails/{code_mail}/_retry"), json!({}))
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body["message"]
        .as_str()
        .unwrap()
        .contains("send a new code"));

    let sink = SmtpSink::start_on(port);
    let id = of_kind("email_changed_notice");
    let retried = app
        .post(&format!("/mailroom/v1/mails/{id}/_retry"), json!({}))
        .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.body["mail"]["status"], "queued");
    assert_eq!(app.deliver().await, 1);
    assert_eq!(sink.wait_for(1).await.len(), 1);
    let again = app
        .post(&format!("/mailroom/v1/mails/{id}/_retry"), json!({}))
        .await;
    assert_eq!(again.status, 400, "a sent mail is final");
}

async fn dev_mailbox_captures(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await.unwrap();
    let user = add_human(&app, json!({"profile": {"givenName": "D", "familyName": "M"}, "email": {"email": "dev@example.com", "sendCode": {}}})).await;
    assert_eq!(app.deliver().await, 1);
    let page = app.get(&format!("/mailroom/v1/mails?userId={user}")).await;
    let mail = &page.body["mails"][0];
    assert_eq!(mail["status"], "captured", "{}", page.body);
    assert_eq!(mail["subject"], "Verify your email address");
    assert_eq!(mail["kind"], "email_verification");
    assert_eq!(mail["to"], "dev@example.com");
    let types = app
        .event_types(user.parse().map(mailroom_core::ids::UserId).unwrap())
        .await;
    assert!(types.contains(&"user.human.email.code.sent".to_owned()));
    let stored = &app
        .mails(user.parse().map(mailroom_core::ids::UserId).unwrap())
        .await[0];
    assert_eq!(stored.kind, MailKind::EmailVerification);
    assert!(
        stored
            .body_html
            .as_deref()
            .unwrap()
            .contains("Verify email address"),
        "the preview is kept"
    );
}

async fn mail_list_pages_and_permissions(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.policy.code_mail_min_interval_secs = 0
    })
    .await
    .unwrap();
    let user = add_human(&app, json!({"profile": {"givenName": "P", "familyName": "Q"}, "email": {"email": "p@example.com", "sendCode": {}}})).await;
    for _ in 0..4 {
        let answer = app
            .post(&format!("/v2/users/{user}/email/send"), json!({}))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let first = app
        .get(&format!("/mailroom/v1/mails?userId={user}&limit=3"))
        .await;
    assert_eq!(first.body["mails"].as_array().unwrap().len(), 3);
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = app
        .get(&format!(
            "/mailroom/v1/mails?userId={user}&limit=3&cursor={cursor}"
        ))
        .await;
    assert_eq!(second.body["mails"].as_array().unwrap().len(), 2);
    assert!(second.body.get("nextCursor").is_none());
    let bad = app.get("/mailroom/v1/mails?status=lost").await;
    assert_eq!(bad.status, 400);
    // Another org's viewer sees none of them.
    let org_b = app.add_org("B").await;
    let (_, viewer) = app
        .add_machine_with_token(
            org_b,
            "viewer",
            &[(
                Some(org_b),
                mailroom_core::permissions::Role::OrgOwnerViewer,
            )],
            None,
        )
        .await;
    let theirs = app.get_by(&viewer, "/mailroom/v1/mails").await;
    assert_eq!(theirs.body["mails"], json!([]));
    let forced = app
        .get_by(&viewer, &format!("/mailroom/v1/mails?userId={user}"))
        .await;
    assert_eq!(forced.status, 404);
}

per_backend!(
    verification_mail_content_and_code,
    templates_languages_and_other_kinds,
    smtp_outage_loses_nothing,
    expired_and_replaced_codes_are_skipped,
    failed_mails_can_be_retried,
    dev_mailbox_captures,
    mail_list_pages_and_permissions,
);

/// Two server processes on one Postgres: every mail is delivered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_deliver_each_mail_once() {
    if !crate::helpers::postgres_available() {
        return;
    }
    let sink = SmtpSink::start();
    let port = sink.port;
    let app = spawn_app_with(Backend::Postgres, |config| {
        config.smtp_url = Some(mailroom_server::config::Secret(format!(
            "smtp://127.0.0.1:{port}"
        )));
        config.worker_enabled = true;
        config.worker_poll = std::time::Duration::from_millis(20);
    })
    .await
    .unwrap();
    let mut second_config = app.config.clone();
    second_config.site_addr = "127.0.0.1:0".parse().unwrap();
    let second = mailroom_server::Application::build(second_config)
        .await
        .unwrap();
    assert!(second.bootstrapped.is_none(), "bootstrap ran once");
    tokio::spawn(second.run_until(std::future::pending()));

    let count = 40;
    for i in 0..count {
        add_human(&app, json!({"profile": {"givenName": "T", "familyName": "W"}, "email": {"email": format!("twin{i}@example.com"), "sendCode": {}}})).await;
    }
    let messages = sink.wait_for(count).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let messages_later = sink.messages();
    assert_eq!(messages.len(), count);
    assert_eq!(messages_later.len(), count, "no mail was sent twice");
    let mut ids: Vec<String> = messages_later
        .iter()
        .map(|m| m["headers"]["message-id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count);
}

#[tokio::test]
async fn send_test_mail_checks_smtp_settings() {
    let binary = env!("CARGO_BIN_EXE_mailroom");
    let run = |url: String| {
        std::process::Command::new(binary)
            .args(["send-test-mail", "--to", "ops@example.com"])
            .env("MAILROOM_SMTP_URL", url)
            .output()
            .unwrap()
    };
    let closed = free_port();
    let output = run(format!("smtp://127.0.0.1:{closed}"));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("mailroom: error: smtp://127.0.0.1:"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");

    let sink = SmtpSink::start();
    let output = run(format!("smtp://127.0.0.1:{}", sink.port));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let messages = sink.wait_for(1).await;
    assert_eq!(messages[0]["rcpt_tos"], json!(["ops@example.com"]));
    assert_eq!(messages[0]["headers"]["subject"], "Mailroom test mail");
}

/// A mail claimed by a process that died before recording the result is claimed
/// again once its lease runs out, and delivered.
#[tokio::test]
async fn a_mail_stuck_in_sending_is_picked_up_again() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(Backend::Sqlite, sink.port).await;
    let user = add_human(&app, json!({"profile": {"givenName": "S", "familyName": "T"}, "email": {"email": "stuck@example.com", "sendCode": {}}})).await;
    // The "crashed" process: claims the mail and never finishes it.
    let claimed = claim_for(&app, 10, "crashed-process").await;
    assert_eq!(claimed.len(), 1);
    assert_eq!(app.deliver().await, 0, "leased to the other process");
    app.clock.advance_secs(121);
    assert_eq!(app.deliver().await, 1);
    assert_eq!(sink.wait_for(1).await.len(), 1);
    let page = app.get(&format!("/mailroom/v1/mails?userId={user}")).await;
    assert_eq!(page.body["mails"][0]["status"], "sent");
    assert_eq!(page.body["mails"][0]["attempts"], 2);
}

/// A second process on the same data directory while the first runs does not take
/// the first one's claims for a dead run's: they stay claimed.
#[tokio::test]
async fn a_second_live_process_leaves_the_first_ones_claims_alone() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(Backend::Sqlite, sink.port).await;
    add_human(&app, json!({"profile": {"givenName": "L", "familyName": "C"}, "email": {"email": "live@example.com", "sendCode": {}}})).await;
    let id = std::fs::read_to_string(app.config.data_dir.join("instance.id")).unwrap();
    let claimed = claim_for(&app, 10, id.trim()).await;
    assert_eq!(claimed.len(), 1);
    // Its worker would deliver a reclaimed mail; keep it from claiming anything new.
    app.second_process(|config| {
        config.worker_enabled = true;
        config.smtp_url = None;
        config.worker_poll = std::time::Duration::from_secs(3600);
    })
    .await;
    let mails = app.get("/mailroom/v1/mails?status=sending").await;
    assert_eq!(
        mails.body["mails"].as_array().map(Vec::len),
        Some(1),
        "{}",
        mails.body
    );
}

/// A process that restarts under the same instance id takes its own unfinished
/// claims back at once; another owner's claims wait for their lease.
#[tokio::test]
async fn a_restarted_process_reclaims_its_own_mails_at_once() {
    let sink = SmtpSink::start();
    let app = app_with_smtp(Backend::Sqlite, sink.port).await;
    for name in ["own", "other"] {
        add_human(&app, json!({"profile": {"givenName": "R", "familyName": "C"}, "email": {"email": format!("{name}@example.com"), "sendCode": {}}})).await;
    }
    assert_eq!(claim_for(&app, 1, "me").await.len(), 1);
    assert_eq!(claim_for(&app, 1, "someone-else").await.len(), 1);
    assert_eq!(app.mailroom.reclaim_own_mails("me").await.unwrap(), 1);
    assert_eq!(app.deliver().await, 1, "only the reclaimed mail is due");
    assert_eq!(sink.wait_for(1).await.len(), 1);
    assert_eq!(
        app.mailroom.reclaim_own_mails("me").await.unwrap(),
        0,
        "nothing left to reclaim"
    );
}

/// Claims up to `limit` due mails for `owner` with a 120 s lease, as a worker of that
/// process would (one that then stops, in these tests).
async fn claim_for(
    app: &TestApp,
    limit: u64,
    owner: &str,
) -> Vec<mailroom_core::model::MailRecord> {
    use mailroom_core::clock::Clock;
    let now = app.clock.now();
    let claim = mailroom_core::store::Claim {
        now,
        lease_until: now.plus_secs(120),
        limit,
        owner,
    };
    app.mailroom.store().claim_mails(&claim).await.unwrap()
}
