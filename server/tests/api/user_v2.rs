//! User Service v2 email methods (SPEC §3.2) on REST and Connect.

use mailroom_core::model::MailKind;
use mailroom_core::permissions::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_connect_error, assert_invalid_field, assert_rest_error, TestApp};

const CONNECT: &str = "/zitadel.user.v2.UserService";

async fn set_email_modes(app: TestApp) {
    let user = app.human("one@example.com", true).await;
    let path = format!("/v2/users/{user}/email");

    // returnCode: the code comes back, nothing is mailed.
    let answer = app
        .post(&path, json!({"email": "two@example.com", "returnCode": {}}))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let code = answer.body["verificationCode"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(code
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    assert!(app
        .mails(user)
        .await
        .iter()
        .all(|m| m.kind != MailKind::EmailVerification));
    let read = app.get(&format!("/v2/users/{user}")).await;
    assert_eq!(
        read.body["user"]["human"]["email"],
        json!({"email": "two@example.com"})
    );

    // sendCode with a URL template.
    app.clock.advance_secs(31);
    let answer = app.post(&path, json!({"email": "three@example.com", "sendCode": {"urlTemplate": "https://app.test/v?u={{.UserID}}&o={{.OrgID}}&c={{.Code}}"}}))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.get("verificationCode").is_none());
    let mail = app
        .mails(user)
        .await
        .into_iter()
        .find(|m| m.kind == MailKind::EmailVerification)
        .unwrap();
    let secret = app.mail_secret(mail.id).await;
    let code = &secret.code;
    assert_eq!(
        secret.link,
        format!("https://app.test/v?u={user}&o={}&c={code}", app.org_id)
    );
    // At rest the code and link are only sealed.
    assert!(!mail.payload.to_string().contains(code.as_str()));

    // isVerified.
    app.post_ok(
        &path,
        json!({"email": "four@example.com", "isVerified": true}),
    )
    .await;
    let read = app.get(&format!("/v2/users/{user}")).await;
    assert_eq!(
        read.body["user"]["human"]["email"],
        json!({"email": "four@example.com", "isVerified": true})
    );

    // Same address, in every mode.
    for mode in [
        json!({"isVerified": true}),
        json!({"returnCode": {}}),
        json!({}),
    ] {
        let mut body = mode.clone();
        body["email"] = json!("four@example.com");
        let answer = app.post(&path, body).await;
        assert_rest_error(&answer, 400, 9, "COMMAND-Uch5e", "Email not changed");
    }
}

async fn set_email_validation(app: TestApp) {
    let user = app.human("valid@example.com", true).await;
    let path = format!("/v2/users/{user}/email");
    let cases = [
        (json!({"email": ""}), "invalid SetEmailRequest.Email: value length must be between 1 and 200 runes, inclusive"),
        (json!({"email": "a@b.c", "isVerified": false}), "invalid SetEmailRequest.IsVerified: value must equal true"),
        (
            json!({"email": "a@b.c", "sendCode": {"urlTemplate": ""}}),
            "invalid SetEmailRequest.SendCode: embedded message failed validation | caused by: invalid SendEmailVerificationCode.UrlTemplate: value length must be between 1 and 200 runes, inclusive",
        ),
    ];
    for (body, message) in cases {
        assert_invalid_field(&app.post(&path, body).await, message);
    }
    let both = app
        .post(
            &path,
            json!({"email": "a@b.c", "returnCode": {}, "isVerified": true}),
        )
        .await;
    assert_eq!((both.status, both.body["code"].as_i64()), (400, Some(3)));
    for (template, id) in [
        ("https://x/{{.Nope}}", "DOMAIN-ieYa7"),
        ("https://x/{{.Code", "DOMAIN-oGh5e"),
    ] {
        let answer = app
            .post(
                &path,
                json!({"email": "a@b.c", "sendCode": {"urlTemplate": template}}),
            )
            .await;
        assert_rest_error(&answer, 400, 3, id, "URL Template is invalid");
    }
    // Invalid input is reported before an unknown user.
    let answer = app.post("/v2/users/1/email", json!({"email": "bad"})).await;
    assert_rest_error(&answer, 400, 3, "EMAIL-599BI", "Email is invalid");
    let answer = app
        .post("/v2/users/1/email", json!({"email": "ok@example.com"}))
        .await;
    assert_rest_error(&answer, 404, 5, "COMMAND-ieJ2e", "Email not found");
    let answer = app
        .post(
            &format!("/v2/users/{}/email", app.api_admin_id),
            json!({"email": "ok@example.com"}),
        )
        .await;
    assert_rest_error(&answer, 404, 5, "COMMAND-ieJ2e", "Email not found");
    // Nothing was written by any of these.
    assert_eq!(app.event_types(user).await.len(), 2);
}

async fn v2_permissions(app: TestApp) {
    let org_b = app.add_org("B").await;
    let target = app
        .add_human(org_b, "target", "target@example.com", true)
        .await;
    let (_, viewer) = app.machine(org_b, "viewer", Role::OrgOwnerViewer).await;
    let (_, manager) = app.machine(org_b, "manager", Role::OrgUserManager).await;
    let (_, owner) = app.machine(org_b, "owner", Role::OrgOwner).await;
    let (_, outsider) = app.machine(app.org_id, "outsider", Role::OrgOwner).await;
    let path = format!("/v2/users/{target}/email/send");
    for (token, allowed) in [
        (&viewer, false),
        (&outsider, false),
        (&manager, true),
        (&owner, true),
        (&app.pat, true),
    ] {
        app.clock.advance_secs(31);
        let answer = app.post_by(token, &path, json!({"returnCode": {}})).await;
        if allowed {
            assert_eq!(answer.status, 200, "{}", answer.body);
        } else {
            assert_rest_error(
                &answer,
                403,
                7,
                "AUTH-AWfge",
                "No matching permissions found",
            );
        }
    }
    // Unknown user is 404 before permissions.
    let answer = app
        .post_by(&viewer, "/v2/users/77/email/send", json!({}))
        .await;
    assert_eq!(answer.status, 404);

    // A user acting on itself: sending by mail is allowed, returnCode / isVerified are not.
    let me = app.add_human(org_b, "me", "me@example.com", true).await;
    let token = self_token(&app, me).await;
    let answer = app
        .post_by(&token, &format!("/v2/users/{me}/email/send"), json!({}))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = app
        .post_by(
            &token,
            &format!("/v2/users/{me}/email/send"),
            json!({"returnCode": {}}),
        )
        .await;
    assert_eq!(answer.status, 403);
    let answer = app
        .post_by(
            &token,
            &format!("/v2/users/{me}/email"),
            json!({"email": "me2@example.com", "isVerified": true}),
        )
        .await;
    assert_eq!(answer.status, 403);
}

/// A PAT for a human (tokens are normally for machine users; the store allows it).
async fn self_token(app: &TestApp, user: mailroom_core::ids::UserId) -> String {
    use mailroom_core::model::PersonalAccessToken;
    use mailroom_core::store::{Op, Write};
    let token = mailroom_core::secrets::new_token();
    app.commit(Write {
        ops: vec![Op::InsertToken(PersonalAccessToken {
            id: mailroom_core::ids::TokenId::generate(),
            user_id: user,
            token_hash: mailroom_core::secrets::token_hash(&token),
            expires_at: None,
            created_at: mailroom_core::clock::Timestamp(0),
        })],
    })
    .await;
    token
}

async fn send_resend_and_verify(app: TestApp) {
    let user = app.human("s@example.com", true).await;
    // Resend needs an existing code.
    let answer = app
        .post(
            &format!("/v2/users/{user}/email/resend"),
            json!({"returnCode": {}}),
        )
        .await;
    assert_rest_error(&answer, 400, 9, "EMAIL-5w5ilin4yt", "Code is empty");
    // Send works on a verified address, which then counts as unverified.
    let first = app.returned_code(user).await;
    let read = app.get(&format!("/v2/users/{user}")).await;
    assert_eq!(
        read.body["user"]["human"]["email"]["isVerified"],
        serde_json::Value::Null
    );
    let resent = app
        .post_ok(
            &format!("/v2/users/{user}/email/resend"),
            json!({"returnCode": {}}),
        )
        .await;
    let second = resent.body["verificationCode"].as_str().unwrap().to_owned();

    // The replaced code no longer works.
    assert_eq!(verify_status(&app, user, &first).await, 400);
    let failed = app
        .post(
            &format!("/v2/users/{user}/email/verify"),
            json!({"verificationCode": first}),
        )
        .await;
    assert_rest_error(&failed, 400, 3, "COMMAND-eis9R", "Code is invalid");
    // Case and surrounding spaces do not matter.
    assert_eq!(
        verify_status(&app, user, &format!("  {}\n", second.to_lowercase())).await,
        200
    );
    let read = app.get(&format!("/v2/users/{user}")).await;
    assert_eq!(read.body["user"]["human"]["email"]["isVerified"], true);
    // Single use.
    assert_eq!(verify_status(&app, user, &second).await, 400);
    assert_eq!(
        app.event_types(user).await,
        [
            "user.human.added",
            "user.human.email.verified",
            "user.human.email.code.added",
            "user.human.email.code.added",
            "user.human.email.verification.failed",
            "user.human.email.verification.failed",
            "user.human.email.verified",
            // The used code again: nothing is written (no live code, SPEC §7).
        ]
    );

    let empty = app
        .post(&format!("/v2/users/{user}/email/verify"), json!({}))
        .await;
    assert_invalid_field(&empty, "invalid VerifyEmailRequest.VerificationCode: value length must be between 1 and 20 runes, inclusive");
}

async fn new_code(app: &TestApp, user: mailroom_core::ids::UserId) -> String {
    let answer = app
        .post_ok(
            &format!("/v2/users/{user}/email/send"),
            json!({"returnCode": {}}),
        )
        .await;
    answer.body["verificationCode"].as_str().unwrap().to_owned()
}

async fn verify_status(app: &TestApp, user: mailroom_core::ids::UserId, code: &str) -> u16 {
    app.post(
        &format!("/v2/users/{user}/email/verify"),
        json!({"verificationCode": code}),
    )
    .await
    .status
}

async fn code_expiry_and_attempts(app: TestApp) {
    let user = app.human("e@example.com", false).await;
    // Expired after one hour.
    let code = new_code(&app, user).await;
    app.clock.advance_secs(3601);
    assert_eq!(verify_status(&app, user, &code).await, 400);
    // An expired code still counts for resend.
    let resent = app
        .post(
            &format!("/v2/users/{user}/email/resend"),
            json!({"returnCode": {}}),
        )
        .await;
    assert_eq!(resent.status, 200);
    // Five wrong attempts use the code up.
    let code = new_code(&app, user).await;
    for _ in 0..5 {
        assert_eq!(verify_status(&app, user, "WRONG1").await, 400);
    }
    assert_eq!(
        verify_status(&app, user, &code).await,
        400,
        "the right code no longer helps"
    );
    let code = new_code(&app, user).await;
    for _ in 0..4 {
        assert_eq!(verify_status(&app, user, "WRONG1").await, 400);
    }
    assert_eq!(
        verify_status(&app, user, &code).await,
        200,
        "four failures leave the code usable"
    );
}

async fn connect_paths(app: TestApp) {
    let user = app.human("c@example.com", true).await;
    let answer = app
        .connect(
            &app.pat,
            &format!("{CONNECT}/SetEmail"),
            json!({"userId": user.to_string(), "email": "c2@example.com", "returnCode": {}}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let code = answer.body["verificationCode"].as_str().unwrap().to_owned();
    let answer = app
        .connect(
            &app.pat,
            &format!("{CONNECT}/VerifyEmail"),
            json!({"user_id": user.to_string(), "verification_code": code}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body["details"]["sequence"].is_string());

    let answer = app
        .connect(
            &app.pat,
            &format!("{CONNECT}/SetEmail"),
            json!({"userId": user.to_string(), "email": "c2@example.com"}),
        )
        .await;
    assert_connect_error(&answer, 400, "failed_precondition", "COMMAND-Uch5e");
    let answer = app
        .connect(
            &app.pat,
            &format!("{CONNECT}/SendEmailCode"),
            json!({"userId": "1"}),
        )
        .await;
    assert_connect_error(&answer, 404, "not_found", "COMMAND-ieJ2e");
    let answer = app
        .connect(
            &app.pat,
            &format!("{CONNECT}/SetEmail"),
            json!({"email": "x@example.com"}),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["code"], "invalid_argument");
    assert_eq!(
        answer.body["message"],
        "invalid SetEmailRequest.UserId: value length must be between 1 and 200 runes, inclusive"
    );
    let answer = app
        .connect("bad-token", &format!("{CONNECT}/SetEmail"), json!({}))
        .await;
    assert_connect_error(&answer, 401, "unauthenticated", "AUTH-7fs1e");
    let answer = app
        .connect(
            &app.pat,
            &format!("{CONNECT}/GetUserByID"),
            json!({"userId": user.to_string()}),
        )
        .await;
    assert_eq!(
        answer.body["user"]["human"]["email"],
        json!({"email": "c2@example.com", "isVerified": true})
    );
    let answer = app
        .connect(
            &app.pat,
            &format!("{CONNECT}/ListUsers"),
            json!({"queries": [{"emailQuery": {"emailAddress": "c2@example.com"}}]}),
        )
        .await;
    assert_eq!(answer.body["details"]["totalResult"], "1");
    assert_eq!(answer.body["result"][0]["userId"], user.to_string());
    let org = app
        .connect(
            &app.pat,
            "/zitadel.org.v2.OrganizationService/AddOrganization",
            json!({"name": "Connected", "admins": [{"userId": user.to_string()}]}),
        )
        .await;
    assert_eq!(org.status, 200, "{}", org.body);
    assert!(org.body["organizationId"].is_string());
}

async fn user_lifecycle_v2(app: TestApp) {
    let user = app.human("l@example.com", true).await;
    let base = format!("/v2/users/{user}");
    for (action, state) in [
        ("deactivate", "USER_STATE_INACTIVE"),
        ("reactivate", "USER_STATE_ACTIVE"),
        ("lock", "USER_STATE_LOCKED"),
        ("unlock", "USER_STATE_ACTIVE"),
    ] {
        let answer = app.post(&format!("{base}/{action}"), json!({})).await;
        assert_eq!(answer.status, 200, "{action}: {}", answer.body);
        let read = app.get(&base).await;
        assert_eq!(read.body["user"]["state"], state);
    }
    let again = app.post(&format!("{base}/unlock"), json!({})).await;
    assert_eq!(again.status, 400);
    // Locked users behave like active ones for email operations.
    app.post(&format!("{base}/lock"), json!({})).await;
    app.post_ok(
        &format!("{base}/email"),
        json!({"email": "l2@example.com", "returnCode": {}}),
    )
    .await;
    // Deleted users behave like unknown ones.
    let answer = app
        .send(app.client.delete(app.url(&base)).bearer_auth(&app.pat))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = app
        .post(&format!("{base}/email"), json!({"email": "l3@example.com"}))
        .await;
    assert_rest_error(&answer, 404, 5, "COMMAND-ieJ2e", "Email not found");
    let answer = app.get(&format!("/management/v1/users/{user}/email")).await;
    assert_rest_error(&answer, 404, 5, "QUERY-Hms2s", "User could not be found");
    let answer = app.get(&base).await;
    assert_eq!(answer.status, 404);
    // The audit log stays readable.
    assert_eq!(app.event_types(user).await.last().unwrap(), "user.removed");
}

both_backends!(
    set_email_modes,
    set_email_validation,
    v2_permissions,
    send_resend_and_verify,
    code_expiry_and_attempts,
    connect_paths,
    user_lifecycle_v2,
);
