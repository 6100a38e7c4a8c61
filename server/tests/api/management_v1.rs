//! Management API v1 writes (SPEC §3.1): PUT email, _resend_verification,
//! _resend_initialization, and the scenario endpoints (users, PATs, orgs, members).

use mailroom_core::ids::UserId;
use mailroom_core::model::{MailKind, UserState};
use mailroom_core::permissions::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_invalid_field, assert_rest_error, TestApp};

fn email_path(user: impl std::fmt::Display) -> String {
    format!("/management/v1/users/{user}/email")
}

async fn put_email_changes_the_address_and_mails_a_code(app: TestApp) {
    let user = app.human("old@example.com", true).await;
    let answer = app
        .put(&email_path(user), json!({"email": "new@example.com"}))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["details"]["sequence"], "4");
    assert!(answer.body["details"].get("creationDate").is_none());
    assert_eq!(
        answer.body["details"]["resourceOwner"],
        app.org_id.to_string()
    );
    assert_eq!(
        app.event_types(user).await,
        [
            "user.human.added",
            "user.human.email.verified",
            "user.human.email.changed",
            "user.human.email.code.added"
        ]
    );
    let read = app.get(&email_path(user)).await;
    assert_eq!(read.body["email"], json!({"email": "new@example.com"}));
    // Reads report the last data-changing event (email.changed), not code.added.
    assert_eq!(read.body["details"]["sequence"], "3");
    let mails = app.mails(user).await;
    let kinds: Vec<_> = mails
        .iter()
        .map(|m| (m.kind, m.to_address.as_str()))
        .collect();
    assert!(
        kinds.contains(&(MailKind::EmailVerification, "new@example.com")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(MailKind::EmailChangedNotice, "old@example.com")),
        "{kinds:?}"
    );
    let verification = mails
        .iter()
        .find(|m| m.kind == MailKind::EmailVerification)
        .unwrap();
    let secret = app.mail_secret(verification.id).await;
    let link = secret.link.as_str();
    assert!(
        link.starts_with("http://127.0.0.1:3000/ui/v2/login/verify?code=")
            && link.contains(&format!("&userId={user}")),
        "{link}"
    );
    // The stored code is only a hash.
    let code = app
        .mailroom
        .store()
        .code(user, mailroom_core::code::CodeKind::Email)
        .await
        .unwrap()
        .unwrap();
    assert!(!code.code_hash.contains(&secret.code));
}

async fn put_email_with_is_verified(app: TestApp) {
    let user = app.human("a@example.com", false).await;
    let answer = app
        .put(
            &email_path(user),
            json!({"email": "b@example.com", "is_email_verified": true}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let read = app.get(&email_path(user)).await;
    assert_eq!(
        read.body["email"],
        json!({"email": "b@example.com", "isEmailVerified": true})
    );
    assert!(app
        .mails(user)
        .await
        .iter()
        .all(|m| m.kind != MailKind::EmailVerification));

    // Same address: not changed …
    let same = app
        .put(
            &email_path(user),
            json!({"email": "b@example.com", "isEmailVerified": true}),
        )
        .await;
    assert_rest_error(&same, 400, 9, "COMMAND-2b7fM", "Email not changed");
    let same = app
        .put(&email_path(user), json!({"email": "b@example.com"}))
        .await;
    assert_rest_error(&same, 400, 9, "COMMAND-2b7fM", "Email not changed");

    // … except marking the current unverified address verified.
    let other = app.human("c@example.com", false).await;
    let mark = app
        .put(
            &email_path(other),
            json!({"email": "c@example.com", "isEmailVerified": true}),
        )
        .await;
    assert_eq!(mark.status, 200, "{}", mark.body);
    assert_eq!(
        app.event_types(other).await.last().unwrap(),
        "user.human.email.verified"
    );
}

async fn put_email_errors(app: TestApp) {
    let other_org = app.add_org("Elsewhere").await;
    let stranger = app
        .add_human(other_org, "stranger", "s@example.com", true)
        .await;
    let initial = app.initial_user("newbie").await;
    for id in [
        "123",
        "abc",
        &stranger.to_string(),
        &app.api_admin_id.to_string(),
    ] {
        let answer = app
            .put(&email_path(id), json!({"email": "x@example.com"}))
            .await;
        assert_rest_error(&answer, 400, 9, "COMMAND-0Pe4r", "Email not found");
    }
    let answer = app
        .put(&email_path(initial), json!({"email": "x@example.com"}))
        .await;
    assert_rest_error(
        &answer,
        400,
        9,
        "COMMAND-J8dsk",
        "User is not yet initialized",
    );

    let user = app.human("valid@example.com", true).await;
    let path = email_path(user);
    let too_long = format!("{}@example.com", "a".repeat(190));
    for body in [json!({}), json!({"email": ""}), json!({"email": too_long})] {
        let answer = app.put(&path, body).await;
        assert_invalid_field(
            &answer,
            "invalid UpdateHumanEmailRequest.Email: value length must be between 1 and 200 runes, inclusive",
        );
    }
    for bad in ["not-an-email", "a@b.c\r\nBcc: evil@x.y", "a@-x.com"] {
        let answer = app.put(&path, json!({"email": bad})).await;
        assert_rest_error(&answer, 400, 3, "EMAIL-599BI", "Email is invalid");
    }
    let answer = app
        .put(&path, json!({"email": "Name <n@example.com>"}))
        .await;
    assert_rest_error(&answer, 400, 3, "EMAIL-599GV", "Email is invalid");
    let malformed = app
        .send(
            app.client
                .put(app.url(&path))
                .bearer_auth(&app.pat)
                .body("{not json"),
        )
        .await;
    assert_eq!(
        (malformed.status, malformed.body["code"].as_i64()),
        (400, Some(3))
    );
    // Nothing changed.
    assert_eq!(app.event_types(user).await.len(), 2);
}

async fn resend_verification(app: TestApp) {
    let verified = app.human("v@example.com", true).await;
    let answer = app
        .post(
            &format!("/management/v1/users/{verified}/email/_resend_verification"),
            json!({}),
        )
        .await;
    assert_rest_error(
        &answer,
        400,
        9,
        "COMMAND-3M9ds",
        "Email is already verified",
    );

    let answer = app
        .post(
            "/management/v1/users/999/email/_resend_verification",
            json!({}),
        )
        .await;
    assert_rest_error(&answer, 404, 5, "COMMAND-0Pe4r", "Email not found");

    let initial = app.initial_user("fresh").await;
    let answer = app
        .post(
            &format!("/management/v1/users/{initial}/email/_resend_verification"),
            json!({}),
        )
        .await;
    assert_eq!(
        (answer.status, answer.body["details"][0]["id"].as_str()),
        (400, Some("COMMAND-E3fbw"))
    );

    let user = app.human("u@example.com", false).await;
    let before = app
        .mailroom
        .store()
        .code(user, mailroom_core::code::CodeKind::Email)
        .await
        .unwrap()
        .unwrap();
    // An empty body is `{}`.
    let answer = app
        .send(
            app.client
                .post(app.url(&format!(
                    "/management/v1/users/{user}/email/_resend_verification"
                )))
                .bearer_auth(&app.pat),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let after = app
        .mailroom
        .store()
        .code(user, mailroom_core::code::CodeKind::Email)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        before.code_hash, after.code_hash,
        "the new code replaces the old one"
    );
    assert_eq!(
        app.mails(user)
            .await
            .iter()
            .filter(|m| m.kind == MailKind::EmailVerification)
            .count(),
        1
    );
}

async fn resend_initialization(app: TestApp) {
    let initial = app.initial_user("init").await;
    assert_eq!(app.user(initial).await.state, UserState::Initial);
    let mails = app.mails(initial).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].kind, MailKind::Initialization);
    let secret = app.mail_secret(mails[0].id).await;
    let link = secret.link.as_str();
    assert!(
        link.starts_with("http://127.0.0.1:3000/ui/login/user/init?code=")
            && link.contains("&loginname=init&")
            && link.contains("&passwordset=false&")
            && link.ends_with(&format!("userID={initial}")),
        "{link}"
    );

    let path = format!("/management/v1/users/{initial}/_resend_initialization");
    app.clock.advance_secs(31);
    app.post_ok(&path, json!({"email": "fixed@example.com"}))
        .await;
    let user = app.user(initial).await;
    assert_eq!(user.human().unwrap().email.as_str(), "fixed@example.com");
    assert!(!user.human().unwrap().email_verified);
    assert_eq!(
        app.event_types(initial).await,
        [
            "user.human.added",
            "user.human.initialization.code.added",
            "user.human.email.changed",
            "user.human.initialization.code.added"
        ]
    );
    assert_eq!(app.mails(initial).await[0].to_address, "fixed@example.com");

    let answer = app.post(&path, json!({"email": "broken"})).await;
    assert_rest_error(&answer, 400, 3, "EMAIL-599BI", "Email is invalid");

    let active = app.human("active@example.com", true).await;
    let answer = app
        .post(
            &format!("/management/v1/users/{active}/_resend_initialization"),
            json!({}),
        )
        .await;
    assert_rest_error(
        &answer,
        400,
        9,
        "COMMAND-2M9sd",
        "User is already initialized",
    );
    let answer = app
        .post(
            "/management/v1/users/4242/_resend_initialization",
            json!({}),
        )
        .await;
    assert_rest_error(&answer, 404, 5, "COMMAND-2M9df", "User could not be found");
}

async fn scenario_endpoints(app: TestApp) {
    // A machine user with a PAT, made an org owner of a new org by the org endpoint.
    let machine = app
        .post_ok(
            "/management/v1/users/machine",
            json!({"userName": "robot", "name": "Robot"}),
        )
        .await;
    let robot = machine.body["userId"].as_str().unwrap().to_owned();
    let pat = app
        .post(&format!("/management/v1/users/{robot}/pats"), json!({}))
        .await;
    assert_eq!(pat.status, 200, "{}", pat.body);
    let robot_token = pat.body["token"].as_str().unwrap().to_owned();
    assert!(robot_token.len() >= 43 && pat.body["tokenId"].is_string());

    // No membership yet: v1 refuses.
    let answer = app.get_by(&robot_token, &email_path(app.admin_id)).await;
    assert_rest_error(&answer, 404, 5, "AUTHZ-cdgFk", "membership not found");

    let org = app
        .post_by(
            &robot_token,
            "/management/v1/orgs",
            json!({"name": "Robots Inc"}),
        )
        .await;
    assert_eq!(org.status, 200, "{}", org.body);
    let org_id = org.body["id"].as_str().unwrap().to_owned();
    let dup = app
        .post_by(
            &robot_token,
            "/management/v1/orgs",
            json!({"name": "robots inc"}),
        )
        .await;
    assert_eq!(dup.status, 409);

    // As ORG_OWNER of the new org, the robot creates a user there and reads it.
    let human = app
        .post_as(
            &robot_token,
            "/management/v1/users/human",
            json!({"user_name": "worker", "profile": {"first_name": "W", "last_name": "Orker"},
                   "email": {"email": "worker@example.com", "isEmailVerified": true}, "initialPassword": "long-enough-1"}),
            Some(&org_id),
        )
        .await;
    assert_eq!(human.status, 200, "{}", human.body);
    let worker = human.body["userId"].as_str().unwrap().to_owned();
    let read = app
        .get_as(&robot_token, &email_path(&worker), Some(&org_id))
        .await;
    assert_eq!(
        read.body["email"],
        json!({"email": "worker@example.com", "isEmailVerified": true})
    );
    let state = app.get(&format!("/v2/users/{worker}")).await;
    assert_eq!(state.body["user"]["state"], "USER_STATE_ACTIVE");

    // Members: the worker becomes ORG_OWNER_VIEWER of the new org.
    let member = app
        .post_as(
            &robot_token,
            "/management/v1/orgs/me/members",
            json!({"userId": worker, "roles": ["ORG_OWNER_VIEWER"]}),
            Some(&org_id),
        )
        .await;
    assert_eq!(member.status, 200, "{}", member.body);
    let roles = app
        .mailroom
        .store()
        .memberships(UserId::parse(&worker).unwrap())
        .await
        .unwrap();
    assert_eq!(roles[0].roles, vec![Role::OrgOwnerViewer]);
    let bad_role = app
        .post_as(
            &robot_token,
            "/management/v1/orgs/me/members",
            json!({"userId": worker, "roles": ["IAM_OWNER"]}),
            Some(&org_id),
        )
        .await;
    assert_eq!(bad_role.status, 400);

    // Username taken.
    let taken = app
        .post(
            "/management/v1/users/machine",
            json!({"userName": "ROBOT", "name": "Again"}),
        )
        .await;
    assert_eq!(taken.status, 409, "{}", taken.body);
}

both_backends!(
    put_email_changes_the_address_and_mails_a_code,
    put_email_with_is_verified,
    put_email_errors,
    resend_verification,
    resend_initialization,
    scenario_endpoints,
);
