//! User Service v2 invite codes (SPEC §3.2) on REST and Connect: CreateInviteCode,
//! ResendInviteCode, VerifyInviteCode, and the initialization page the invite mail
//! links to.

use mailroom_core::ids::UserId;
use mailroom_core::model::{MailKind, UserState};
use mailroom_core::outbox::MailContent;
use mailroom_core::permissions::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_connect_error, assert_invalid_field, assert_rest_error, TestApp};

/// A v2 human without a password (active, unverified): who an invite is for.
async fn invitee(app: &TestApp, email: &str) -> UserId {
    app.human(email, false).await
}

/// The newest invite mail to `user`, rendered as the console's preview shows it to
/// api-admin (code and link whole).
async fn newest_invite(app: &TestApp, user: UserId) -> MailContent {
    let mails = app.mails(user).await;
    let newest = mails
        .iter()
        .find(|m| m.kind == MailKind::Invite)
        .expect("an invite mail");
    let caller = app.mailroom.authenticate_token(&app.pat).await.unwrap();
    app.mailroom.mail_content(&caller, newest.id).await.unwrap()
}

/// The initialization page's form, as a browser without JavaScript posts it.
async fn set_password(app: &TestApp, user: UserId, code: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/initialize_account"))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .form(&[
            ("user_id", user.to_string().as_str()),
            ("code", code),
            ("password", "a-long-enough-password"),
            ("password_again", "a-long-enough-password"),
        ])
        .send()
        .await
        .unwrap();
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// The invite mail goes out with the default link to the initialization page, the
/// link sets the password there, and then the user is set up: no more invites.
async fn invite_mail_and_its_link(app: TestApp) {
    let user = invitee(&app, "invitee@example.com").await;
    let path = format!("/v2/users/{user}/invite_code");
    let answer = app.post_ok(&path, json!({})).await;
    assert!(answer.body.get("inviteCode").is_none(), "{}", answer.body);
    assert_eq!(
        answer.body["details"]["resourceOwner"],
        app.org_id.to_string()
    );
    let invite = newest_invite(&app, user).await;
    assert_eq!(invite.mail.to_address, "invitee@example.com");
    assert_eq!(invite.subject, "Finish setting up your account");
    let secret = invite.secret.unwrap();
    assert!(
        secret.link.starts_with(&format!(
            "http://127.0.0.1:3000/ui/login/user/init?code={}&",
            secret.code
        )) && secret.link.ends_with(&format!("userID={user}")),
        "{}",
        secret.link
    );
    assert_eq!(app.deliver().await, 1);
    let events = app.event_types(user).await;
    assert_eq!(
        events[events.len() - 2..],
        [
            "user.human.invite.code.added",
            "user.human.invite.code.sent"
        ]
    );

    // The page sets the password and verifies the address the mail reached.
    assert!(set_password(&app, user, &secret.code.to_lowercase())
        .await
        .ends_with("result=done"));
    let set_up = app.user(user).await;
    assert_eq!(set_up.state, UserState::Active);
    assert!(set_up.human().unwrap().email_verified);
    assert!(set_up.human().unwrap().password_hash.is_some());
    assert!(set_password(&app, user, &secret.code)
        .await
        .ends_with("result=already"));

    let answer = app.post(&path, json!({})).await;
    assert_rest_error(
        &answer,
        400,
        9,
        "COMMAND-EF34g",
        "User is already initialized",
    );
    let answer = app.post(&format!("{path}/resend"), json!({})).await;
    assert_rest_error(
        &answer,
        400,
        9,
        "COMMAND-Gg42s",
        "User is already initialized",
    );
}

/// returnCode hands the code back and mails nothing; such a code cannot be resent;
/// VerifyInviteCode records failures and, with the right code, verifies the address.
async fn returned_code_and_verify(app: TestApp) {
    let user = invitee(&app, "returned@example.com").await;
    let mails_before = app.mails(user).await.len();
    let answer = app
        .post_ok(
            &format!("/v2/users/{user}/invite_code"),
            json!({"returnCode": {}}),
        )
        .await;
    let code = answer.body["inviteCode"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert_eq!(app.mails(user).await.len(), mails_before);

    let answer = app
        .post(&format!("/v2/users/{user}/invite_code/resend"), json!({}))
        .await;
    assert_rest_error(&answer, 400, 9, "COMMAND-Wr3gq", "Code not found");

    let verify = format!("/v2/users/{user}/invite_code/verify");
    let answer = app
        .post(&verify, json!({"verificationCode": "WRONG1"}))
        .await;
    assert_rest_error(&answer, 400, 3, "COMMAND-Wgn4q", "Code is invalid");
    let answer = app.post(&verify, json!({"verificationCode": ""})).await;
    assert_invalid_field(
        &answer,
        "invalid VerifyInviteCodeRequest.VerificationCode: value length must be between 1 and 20 runes, inclusive",
    );
    let answer = app
        .post_ok(&verify, json!({"verificationCode": format!(" {code} ")}))
        .await;
    let sequence = answer.body["details"]["sequence"].as_str().unwrap();
    let events = app.event_types(user).await;
    assert_eq!(sequence, events.len().to_string());
    assert_eq!(
        events[events.len() - 4..],
        [
            "user.human.invite.code.added",
            "user.human.invite.check.failed",
            "user.human.invite.check.succeeded",
            "user.human.email.verified"
        ]
    );
    let user_row = app.user(user).await;
    assert!(user_row.human().unwrap().email_verified);
    assert!(user_row.human().unwrap().password_hash.is_none());
    // Used once.
    let answer = app.post(&verify, json!({"verificationCode": code})).await;
    assert_rest_error(&answer, 400, 3, "COMMAND-Wgn4q", "Code is invalid");
}

/// A link template and an application name: the mail's link is the template
/// filled in, the mail names the application, and a resend (and a new invite
/// without a template) keeps them.
async fn template_and_application_name(app: TestApp) {
    let user = invitee(&app, "templated@example.com").await;
    let template = "https://app.test/invite?u={{.UserID}}&o={{.OrgID}}&c={{.Code}}";
    app.post_ok(
        &format!("/v2/users/{user}/invite_code"),
        json!({"sendCode": {"urlTemplate": template, "applicationName": "Shop"}}),
    )
    .await;
    let first = newest_invite(&app, user).await;
    let first_secret = first.secret.clone().unwrap();
    assert_eq!(
        first_secret.link,
        format!(
            "https://app.test/invite?u={user}&o={}&c={}",
            app.org_id, first_secret.code
        )
    );
    assert!(
        first
            .text
            .contains("an account was created for you for Shop."),
        "{}",
        first.text
    );
    assert!(first.html.contains("for <strong>Shop</strong>."));

    // Within 30 s of the last code mail: the send limit applies, nothing is written.
    let events_before = app.event_types(user).await;
    let answer = app
        .post(&format!("/v2/users/{user}/invite_code/resend"), json!({}))
        .await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    assert_eq!(app.event_types(user).await, events_before);

    app.clock.advance_secs(31);
    let answer = app
        .post_ok(&format!("/v2/users/{user}/invite_code/resend"), json!({}))
        .await;
    assert!(answer.body.get("inviteCode").is_none());
    let second = newest_invite(&app, user).await;
    assert_ne!(second.mail.id, first.mail.id);
    let second_secret = second.secret.unwrap();
    assert_ne!(second_secret.code, first_secret.code);
    assert!(second_secret.link.starts_with("https://app.test/invite?u="));
    assert!(second.text.contains("for Shop."));

    app.clock.advance_secs(31);
    app.post_ok(
        &format!("/v2/users/{user}/invite_code"),
        json!({"sendCode": {}}),
    )
    .await;
    let third = newest_invite(&app, user).await.secret.unwrap();
    assert!(
        third.link.starts_with("https://app.test/invite?u="),
        "{}",
        third.link
    );
    // The replaced codes no longer verify; the newest does.
    let verify = format!("/v2/users/{user}/invite_code/verify");
    let answer = app
        .post(&verify, json!({"verificationCode": first_secret.code}))
        .await;
    assert_eq!(answer.status, 400);
    app.post_ok(&verify, json!({"verificationCode": third.code}))
        .await;
}

/// Bad input and callers who may not: the documented errors, and nothing written.
async fn refusals(app: TestApp) {
    let user = invitee(&app, "refused@example.com").await;
    let events_before = app.event_types(user).await;
    let path = format!("/v2/users/{user}/invite_code");

    let answer = app
        .post(&path, json!({"sendCode": {}, "returnCode": {}}))
        .await;
    assert_invalid_field(
        &answer,
        "invalid CreateInviteCodeRequest: at most one of sendCode, returnCode may be set",
    );
    let answer = app
        .post(
            &path,
            json!({"sendCode": {"urlTemplate": "https://x.test/{{.Nope}}"}}),
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    let answer = app
        .post(
            &path,
            json!({"sendCode": {"applicationName": "x".repeat(201)}}),
        )
        .await;
    assert_invalid_field(
        &answer,
        "invalid CreateInviteCodeRequest.SendCode: embedded message failed validation | caused by: \
         invalid SendInviteCode.ApplicationName: value length must be between 1 and 200 runes, inclusive",
    );
    let answer = app
        .post(
            &path,
            json!({"sendCode": {"applicationName": "Shop\u{1b}[2J"}}),
        )
        .await;
    assert_rest_error(
        &answer,
        400,
        3,
        "MAILROOM-CONTROL-CHAR",
        "Names must not contain control characters",
    );
    // A viewer may read the user, not invite it.
    let (_, viewer) = app
        .machine(app.org_id, "viewer", Role::OrgOwnerViewer)
        .await;
    let answer = app.post_by(&viewer, &path, json!({})).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    // Unknown and machine users alike.
    let (machine, _) = app.machine(app.org_id, "robot", Role::OrgUserManager).await;
    for nobody in ["123456789".to_owned(), machine.to_string()] {
        let answer = app
            .post(&format!("/v2/users/{nobody}/invite_code"), json!({}))
            .await;
        assert_rest_error(&answer, 400, 9, "COMMAND-Wgvn4", "User could not be found");
        let answer = app
            .post(&format!("/v2/users/{nobody}/invite_code/resend"), json!({}))
            .await;
        assert_rest_error(&answer, 400, 9, "COMMAND-H3b2a", "User could not be found");
        let answer = app
            .post(
                &format!("/v2/users/{nobody}/invite_code/verify"),
                json!({"verificationCode": "ABCDEF"}),
            )
            .await;
        assert_rest_error(&answer, 400, 9, "COMMAND-F5g2h", "User could not be found");
    }
    // Without any invite: nothing to resend, nothing to verify.
    let answer = app.post(&format!("{path}/resend"), json!({})).await;
    assert_rest_error(&answer, 400, 9, "COMMAND-Wr3gq", "Code not found");
    let answer = app
        .post(
            &format!("{path}/verify"),
            json!({"verificationCode": "ABCDEF"}),
        )
        .await;
    assert_rest_error(&answer, 400, 3, "COMMAND-Wgn4q", "Code is invalid");
    // A user with a password is set up.
    let answer = app
        .post_ok(
            "/v2/users/human",
            json!({"profile": {"givenName": "Has", "familyName": "Password"},
                   "email": {"email": "pw@example.com", "isVerified": true},
                   "password": {"password": "a-long-enough-password"}}),
        )
        .await;
    let with_password = answer.body["userId"].as_str().unwrap();
    let answer = app
        .post(&format!("/v2/users/{with_password}/invite_code"), json!({}))
        .await;
    assert_rest_error(
        &answer,
        400,
        9,
        "COMMAND-EF34g",
        "User is already initialized",
    );

    assert_eq!(app.event_types(user).await, events_before);
}

/// A v1 user in state *initial* can be invited too; verifying the invite makes it
/// active, as its address is verified now.
async fn initial_users_can_be_invited(app: TestApp) {
    let user = app.initial_user("v1initial").await;
    let answer = app
        .post_ok(
            &format!("/v2/users/{user}/invite_code"),
            json!({"returnCode": {}}),
        )
        .await;
    let code = answer.body["inviteCode"].as_str().unwrap();
    app.post_ok(
        &format!("/v2/users/{user}/invite_code/verify"),
        json!({"verificationCode": code}),
    )
    .await;
    let row = app.user(user).await;
    assert_eq!(row.state, UserState::Active);
    assert!(row.human().unwrap().email_verified);
}

/// The same methods over Connect JSON, with `userId` in the body.
async fn over_connect(app: TestApp) {
    let user = invitee(&app, "connect@example.com").await;
    let service = "/zitadel.user.v2.UserService";
    let answer = app
        .connect(
            &app.pat,
            &format!("{service}/CreateInviteCode"),
            json!({"userId": user.to_string(), "returnCode": {}}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let code = answer.body["inviteCode"].as_str().unwrap().to_owned();
    let answer = app
        .connect(
            &app.pat,
            &format!("{service}/ResendInviteCode"),
            json!({"userId": user.to_string()}),
        )
        .await;
    assert_connect_error(&answer, 400, "failed_precondition", "COMMAND-Wr3gq");
    let answer = app
        .connect(
            &app.pat,
            &format!("{service}/VerifyInviteCode"),
            json!({"user_id": user.to_string(), "verification_code": code}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(app.user(user).await.human().unwrap().email_verified);
}

both_backends!(
    invite_mail_and_its_link,
    returned_code_and_verify,
    template_and_application_name,
    refusals,
    initial_users_can_be_invited,
    over_connect,
);
