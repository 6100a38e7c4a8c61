//! `GET /management/v1/users/{userId}/email` (SPEC §3.1) and the v1 org context.

use mailroom_core::model::UserState;
use mailroom_core::permissions::Role;
use mailroom_core::store::{Op, Write};

use crate::both_backends;
use crate::helpers::{assert_rest_error, TestApp};

fn email_path(user: impl std::fmt::Display) -> String {
    format!("/management/v1/users/{user}/email")
}

async fn returns_the_address_in_the_zitadel_shape(app: TestApp) {
    let answer = app.get(&email_path(app.admin_id)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let admin = app
        .mailroom
        .store()
        .user(app.admin_id)
        .await
        .unwrap()
        .unwrap();
    let expected = serde_json::json!({
        "details": {
            "sequence": "3",
            "creationDate": admin.created_at.to_rfc3339(),
            "changeDate": admin.changed_at.to_rfc3339(),
            "resourceOwner": app.org_id.to_string(),
        },
        "email": {"email": "admin@localhost", "isEmailVerified": true},
    });
    assert_eq!(answer.body, expected);
    let created = answer.body["details"]["creationDate"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.contains('.'), "{created}");
}

async fn unverified_is_left_out(app: TestApp) {
    let user = app
        .add_human(app.org_id, "ann", "ann@example.com", false)
        .await;
    let answer = app.get(&email_path(user)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body["email"],
        serde_json::json!({"email": "ann@example.com"})
    );
    assert_eq!(answer.body["details"]["sequence"], "1");
}

async fn unknown_other_org_and_deleted_users_are_not_found(app: TestApp) {
    let other_org = app.add_org("Other").await;
    let stranger = app
        .add_human(other_org, "stranger", "s@example.com", true)
        .await;
    let deleted = app
        .add_human(app.org_id, "gone", "gone@example.com", true)
        .await;
    let mut user = app.mailroom.store().user(deleted).await.unwrap().unwrap();
    user.state = UserState::Deleted;
    user.sequence = 2;
    app.commit(Write {
        ops: vec![Op::UpdateUser {
            user,
            expected_sequence: 1,
        }],
    })
    .await;

    for id in [
        "123456789",
        "not-a-number",
        &stranger.to_string(),
        &deleted.to_string(),
    ] {
        let answer = app.get(&email_path(id)).await;
        assert_rest_error(&answer, 404, 5, "QUERY-Hms2s", "User could not be found");
    }
    // In the other org's context the same user is found.
    let answer = app
        .get_as(
            &app.pat,
            &email_path(stranger),
            Some(&other_org.to_string()),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body["details"]["resourceOwner"],
        other_org.to_string()
    );
}

async fn machine_users_have_no_email(app: TestApp) {
    let answer = app.get(&email_path(app.api_admin_id)).await;
    assert_rest_error(&answer, 400, 9, "QUERY-pt7HY", "The User must be personal");
}

async fn unknown_org_header_is_refused(app: TestApp) {
    for org in ["999999999", "abc"] {
        let answer = app
            .get_as(&app.pat, &email_path(app.admin_id), Some(org))
            .await;
        assert_rest_error(&answer, 403, 7, "AUTH-Bs7Ds", "Organisation doesn't exist");
    }
}

async fn memberships_decide_in_the_org_context(app: TestApp) {
    let org_b = app.add_org("B").await;
    let user_b = app.add_human(org_b, "bea", "bea@example.com", true).await;
    let (_, viewer) = app.machine(org_b, "viewer", Role::OrgOwnerViewer).await;
    let (_, manager) = app.machine(org_b, "manager", Role::OrgUserManager).await;
    let (_, nobody) = app.add_machine_with_token(org_b, "nobody", &[], None).await;

    // Viewer and manager may read in their own org (the default context).
    for token in [&viewer, &manager] {
        let answer = app.get_by(token, &email_path(user_b)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    // In the default org they have no membership at all.
    let org_a = app.org_id.to_string();
    let answer = app
        .get_as(&viewer, &email_path(app.admin_id), Some(&org_a))
        .await;
    assert_rest_error(&answer, 404, 5, "AUTHZ-cdgFk", "membership not found");
    // No membership anywhere.
    let answer = app.get_by(&nobody, &email_path(user_b)).await;
    assert_rest_error(&answer, 404, 5, "AUTHZ-cdgFk", "membership not found");
}

both_backends!(
    returns_the_address_in_the_zitadel_shape,
    unverified_is_left_out,
    unknown_other_org_and_deleted_users_are_not_found,
    machine_users_have_no_email,
    unknown_org_header_is_refused,
    memberships_decide_in_the_org_context,
);
