//! SPEC §7 "Codes at rest" and "Files": what a viewer, a database dump and the
//! data directory give away (nothing live), driven as an attacker would.

use mailroom_core::code::CodeKind;
use mailroom_core::ids::MailId;
use mailroom_core::model::{MailKind, OutboxMail};
use mailroom_core::permissions::Role;
use mailroom_core::store::{MailUpdate, Op, Write};
use serde_json::json;

use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::{both_backends, per_backend};

async fn preview(
    client: &reqwest::Client,
    app: &TestApp,
    mail: mailroom_core::ids::MailId,
) -> String {
    let response = client
        .get(app.url(&format!("/mailbox/{mail}/preview")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// Finding 2: with the dev mailbox, a viewer read an initialization code in the
/// preview and took over the account. Now the code and link are masked for anyone
/// who may not write the user — including a user manager looking at an owner's mail.
async fn the_mailbox_shows_codes_only_to_those_who_may_write_the_user(app: TestApp) {
    let initial = app.initial_user("newcomer").await;
    assert_eq!(app.deliver().await, 1);
    let mail = app.mails(initial).await[0].clone();
    assert_eq!(mail.status, mailroom_core::model::MailStatus::Captured);
    let secret = app.mail_secret(mail.id).await;

    let viewer = app.console_user("vera", "viewer-password", None).await;
    app.grant(viewer, Some(app.org_id), Role::OrgOwnerViewer)
        .await;
    let (status, as_viewer) = app.sign_in("vera", "viewer-password").await;
    assert_eq!(status, 303);
    let html = preview(&as_viewer, &app, mail.id).await;
    assert!(!html.contains(&secret.code), "the viewer sees no code");
    assert!(html.contains("••••••"), "{html}");
    assert!(!html.contains("/ui/login/user/init?code="), "nor the link");

    let (_, as_admin) = app.sign_in("admin", crate::helpers::ADMIN_PASSWORD).await;
    let html = preview(&as_admin, &app, mail.id).await;
    assert!(html.contains(&secret.code), "the admin may write the user");

    // A user manager sees an ordinary user's code, but not the instance owner's.
    let manager = app.console_user("max", "manager-password", None).await;
    app.grant(manager, Some(app.org_id), Role::OrgUserManager)
        .await;
    let (_, as_manager) = app.sign_in("max", "manager-password").await;
    assert!(preview(&as_manager, &app, mail.id)
        .await
        .contains(&secret.code));
    let sent = app
        .post(&format!("/v2/users/{}/email/send", app.admin_id), json!({}))
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    app.deliver().await;
    let admin_mail = app.mails(app.admin_id).await[0].clone();
    let admin_code = app.mail_secret(admin_mail.id).await.code;
    let html = preview(&as_manager, &app, admin_mail.id).await;
    assert!(!html.contains(&admin_code), "the owner's code stays masked");
}

/// Everything the database holds, as text: a real dump for Postgres (`pg_dump`), the
/// raw files (database and WAL) for SQLite.
pub(crate) async fn dump(app: &TestApp) -> String {
    let url = &app.config.database_url;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut text = String::new();
        for suffix in ["", "-wal"] {
            if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                text.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        text
    } else {
        let output = std::process::Command::new("pg_dump")
            .args(["--data-only", url])
            .output()
            .expect("pg_dump");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// Finding 3: a dump yielded live codes (queued, failed and captured mails) and
/// live sessions. Now mail codes are sealed, and sessions are stored by hash.
async fn a_database_dump_yields_no_live_code_or_session(app: TestApp) {
    let queued = app.human("queued@example.com", false).await;
    app.post_ok(
        &format!("/v2/users/{queued}/email"),
        json!({"email": "queued2@example.com"}),
    )
    .await;
    let queued_mail = app.mails(queued).await[0].clone();
    let queued_secret = app.mail_secret(queued_mail.id).await;
    let captured = app.initial_user("captured").await;
    // Delivers both: the first is now captured too; the second was created after.
    app.deliver().await;
    let second = app.human("second@example.com", false).await;
    let answer = app
        .post(&format!("/v2/users/{second}/email/send"), json!({}))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let still_queued = app.mail_secret(app.mails(second).await[0].id).await;
    let captured_secret = app.mail_secret(app.mails(captured).await[0].id).await;
    let (status, _) = app.sign_in("admin", crate::helpers::ADMIN_PASSWORD).await;
    assert_eq!(status, 303);
    let signed_in = app
        .sign_in_with(&app.client, "admin", crate::helpers::ADMIN_PASSWORD)
        .await;
    let cookie = crate::helpers::header_text(&signed_in, "set-cookie");
    assert!(!cookie.is_empty(), "{:?}", signed_in.headers());
    let session_id = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();

    let dumped = dump(&app).await;
    assert!(dumped.contains("queued2@example.com"), "the dump is real");
    for (what, secret) in [
        ("a captured mail's code", &captured_secret.code),
        ("a delivered mail's code", &queued_secret.code),
        ("a queued mail's code", &still_queued.code),
        ("a queued mail's link", &still_queued.link),
        ("a captured mail's link", &captured_secret.link),
        ("a session id", &session_id),
    ] {
        assert!(!dumped.contains(secret.as_str()), "{what} is in the dump");
    }
}

/// The data directory is 0700; the database, its WAL and SHM, the key and the PAT
/// file are 0600, even when the directory did not exist before.
#[cfg(unix)]
async fn files_are_private(backend: Backend) {
    use std::os::unix::fs::PermissionsExt;
    if backend == Backend::Postgres {
        return; // the files are SQLite's; Postgres keeps its own
    }
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("fresh").join("data");
    let app = spawn_app_with(backend, |config| {
        *config = mailroom_server::Config {
            site_addr: config.site_addr,
            admin_password: config.admin_password.clone(),
            worker_enabled: false,
            ..mailroom_server::Config::with_data_dir(&dir)
        };
    })
    .await
    .unwrap();
    // A write, so that the WAL holds something.
    app.human("file@example.com", true).await;
    let mode = |path: std::path::PathBuf| {
        std::fs::metadata(&path)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(dir.clone()), 0o700, "the data directory");
    for file in [
        "mailroom.db",
        "mailroom.db-wal",
        "mailroom.db-shm",
        "master.key",
        "admin.pat",
    ] {
        assert_eq!(mode(dir.join(file)), 0o600, "{file}");
    }
}

/// Mails written before sealing (plaintext code and link in the payload, a captured
/// mail's code in its bodies) are sealed or redacted at the next start.
async fn mails_from_before_sealing_are_sealed_or_redacted_at_start(app: TestApp) {
    use mailroom_core::clock::Clock;
    let user = app.human("legacy@example.com", false).await;
    let now = app.clock.now();
    let legacy = |id: i64| OutboxMail {
        id: MailId(id),
        user_id: user,
        org_id: app.org_id,
        kind: MailKind::EmailVerification,
        to_address: "legacy@example.com".into(),
        payload: json!({"code": format!("LEG{id:03}"), "link": format!("http://x/verify?code=LEG{id:03}"), "expiresAt": "t"}),
        created_at: now,
        code_kind: Some(CodeKind::Email),
        code_hash: Some("hash".into()),
        code_expires_at: Some(now.plus_secs(3600)),
        message_id: format!("<{id}@legacy>"),
        sealed: None,
    };
    let queued = legacy(101);
    let captured = legacy(102);
    app.commit(Write {
        ops: vec![Op::EnqueueMail(queued), Op::EnqueueMail(captured.clone())],
    })
    .await;
    let stored = app
        .mailroom
        .store()
        .mail(MailId(102))
        .await
        .unwrap()
        .unwrap();
    app.commit(Write {
        ops: vec![Op::UpdateMail(MailUpdate {
            status: mailroom_core::model::MailStatus::Captured,
            body_text: Some("Your code: LEG102".into()),
            body_html: Some("<p>LEG102</p>".into()),
            ..MailUpdate::unchanged(&stored)
        })],
    })
    .await;

    // The next start of a process on this database.
    app.second_process(|_| {}).await;
    let queued = app
        .mailroom
        .store()
        .mail(MailId(101))
        .await
        .unwrap()
        .unwrap();
    assert!(
        queued.sealed.is_some(),
        "a sendable mail keeps its code, sealed"
    );
    assert!(queued.payload.get("code").is_none() && queued.payload.get("link").is_none());
    assert_eq!(app.mail_secret(MailId(101)).await.code, "LEG101");
    let captured = app
        .mailroom
        .store()
        .mail(MailId(102))
        .await
        .unwrap()
        .unwrap();
    assert!(captured.sealed.is_none());
    assert_eq!(captured.payload["redacted"], true);
    for body in [captured.body_text.unwrap(), captured.body_html.unwrap()] {
        assert!(!body.contains("LEG102"), "{body}");
    }
    let dumped = dump(&app).await;
    assert!(!dumped.contains("LEG101") && !dumped.contains("LEG102"));
}

both_backends!(
    the_mailbox_shows_codes_only_to_those_who_may_write_the_user,
    a_database_dump_yields_no_live_code_or_session,
    mails_from_before_sealing_are_sealed_or_redacted_at_start,
);

#[cfg(unix)]
mod files {
    use super::*;
    per_backend!(files_are_private);
}
