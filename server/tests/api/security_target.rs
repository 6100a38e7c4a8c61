//! SPEC §1 "No escalation through the target" and org ids, driven over HTTP as an
//! attacker would: a user manager of the default org against the instance's owners.

use mailroom_core::permissions::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_rest_error, Answer, TestApp};

fn refused_by_target_rule(answer: &Answer) {
    assert_rest_error(
        answer,
        403,
        7,
        "MAILROOM-TARGET",
        "The user holds roles the caller does not have",
    );
}

/// Finding 1: an `ORG_USER_MANAGER` of the default org went after `api-admin`'s PATs
/// and `admin`'s state and address. Every path is refused, and nothing changed.
async fn a_user_manager_cannot_take_over_the_instance_owners(app: TestApp) {
    let (_, manager) = app
        .machine(app.org_id, "manager", Role::OrgUserManager)
        .await;
    let api_admin = app.api_admin_id;
    let admin = app.admin_id;
    let pat = app
        .post_by(
            &manager,
            &format!("/management/v1/users/{api_admin}/pats"),
            json!({}),
        )
        .await;
    refused_by_target_rule(&pat);
    let v2_pat = app
        .post_by(
            &manager,
            &format!("/v2/users/{api_admin}/pats"),
            json!({"expirationDate": "2099-01-01T00:00:00Z"}),
        )
        .await;
    refused_by_target_rule(&v2_pat);
    for action in ["lock", "deactivate"] {
        let answer = app
            .post_by(&manager, &format!("/v2/users/{admin}/{action}"), json!({}))
            .await;
        refused_by_target_rule(&answer);
    }
    let deleted = app.delete_as(&manager, &format!("/v2/users/{admin}")).await;
    refused_by_target_rule(&deleted);
    let v1_email = app
        .put_by(
            &manager,
            &format!("/management/v1/users/{admin}/email"),
            json!({"email": "attacker@example.com", "isEmailVerified": true}),
        )
        .await;
    refused_by_target_rule(&v1_email);
    let v2_email = app
        .post_by(
            &manager,
            &format!("/v2/users/{admin}/email"),
            json!({"email": "attacker@example.com", "isVerified": true}),
        )
        .await;
    refused_by_target_rule(&v2_email);
    let connect = app
        .connect(
            &manager,
            "/zitadel.user.v2.UserService/SendEmailCode",
            json!({"userId": admin.to_string(), "returnCode": {}}),
        )
        .await;
    assert_eq!(connect.status, 403, "{}", connect.body);
    assert_eq!(connect.body["code"], "permission_denied");
    assert!(connect.body["message"]
        .as_str()
        .unwrap()
        .ends_with("(MAILROOM-TARGET)"));

    // Nothing changed: the admin is active with its own verified address, and
    // api-admin has only its first token.
    let read = app.get(&format!("/v2/users/{admin}")).await;
    assert_eq!(read.body["user"]["state"], "USER_STATE_ACTIVE");
    assert_eq!(
        read.body["user"]["human"]["email"],
        json!({"email": "admin@localhost", "isVerified": true})
    );
    let tokens = app
        .post(
            &format!("/management/v1/users/{api_admin}/pats/_search"),
            json!({}),
        )
        .await;
    assert_eq!(
        tokens.body["details"]["totalResult"], "1",
        "{}",
        tokens.body
    );
    // Ordinary users of the org are still the manager's to change.
    let ordinary = app.human("ordinary@example.com", false).await;
    let changed = app
        .post_by(
            &manager,
            &format!("/v2/users/{ordinary}/email"),
            json!({"email": "ordinary2@example.com", "returnCode": {}}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
}

/// Caller role × target role × operation, over HTTP. Allowed exactly when the caller
/// may write users of the org and is at least as powerful as the target in every
/// scope where the target holds roles.
async fn target_rule_matrix(app: TestApp) {
    use Role::*;
    let org = app.org_id;
    let scope = |role: Role| (role != IamOwner).then_some(org);
    let callers = [IamOwner, OrgOwner, OrgUserManager, OrgOwnerViewer];
    let targets: [Option<Role>; 5] = [
        None,
        Some(OrgOwnerViewer),
        Some(OrgUserManager),
        Some(OrgOwner),
        Some(IamOwner),
    ];
    let expected = |caller: Role, target: Option<Role>| -> Option<&'static str> {
        if caller == OrgOwnerViewer {
            return Some("AUTH"); // no user.write at all
        }
        let covered = matches!(
            (caller, target),
            (_, None)
                | (IamOwner, _)
                | (OrgOwner, Some(OrgOwner | OrgUserManager | OrgOwnerViewer))
                | (OrgUserManager, Some(OrgUserManager))
        );
        (!covered).then_some("MAILROOM-TARGET")
    };
    for (c, caller_role) in callers.into_iter().enumerate() {
        let (_, token) = app
            .add_machine_with_token(
                org,
                &format!("caller{c}"),
                &[(scope(caller_role), caller_role)],
                None,
            )
            .await;
        for (t, target_role) in targets.into_iter().enumerate() {
            let human = app.human(&format!("t{c}{t}@example.com"), false).await;
            let (machine, _) = app
                .add_machine_with_token(org, &format!("target{c}{t}"), &[], None)
                .await;
            if let Some(role) = target_role {
                app.grant(human, scope(role), role).await;
                app.grant(machine, scope(role), role).await;
            }
            let operations: [(&str, Answer); 4] = [
                (
                    "v2 SetEmail",
                    app.post_by(
                        &token,
                        &format!("/v2/users/{human}/email"),
                        json!({"email": format!("new{c}{t}@example.com"), "returnCode": {}}),
                    )
                    .await,
                ),
                (
                    "v1 PUT email",
                    app.put_by(
                        &token,
                        &format!("/management/v1/users/{human}/email"),
                        json!({"email": format!("v1{c}{t}@example.com"), "isEmailVerified": true}),
                    )
                    .await,
                ),
                (
                    "v2 LockUser",
                    app.post_as(&token, &format!("/v2/users/{human}/lock"), json!({}), None)
                        .await,
                ),
                (
                    "v1 AddPersonalAccessToken",
                    app.post_by(
                        &token,
                        &format!("/management/v1/users/{machine}/pats"),
                        json!({}),
                    )
                    .await,
                ),
            ];
            for (operation, answer) in operations {
                let context = format!(
                    "{caller_role:?} → {target_role:?}: {operation}: {}",
                    answer.body
                );
                match expected(caller_role, target_role) {
                    None => assert_eq!(answer.status, 200, "{context}"),
                    Some(id) => {
                        assert_eq!(answer.status, 403, "{context}");
                        let message = answer.body["message"].as_str().unwrap_or_default();
                        assert!(message.contains(&format!("({id}")), "{context}");
                    }
                }
            }
        }
    }
}

/// Self-service is not refused by the target rule: a user sends itself a code by mail.
async fn acting_on_oneself_is_not_refused(app: TestApp) {
    let (me, token) = app.machine(app.org_id, "self", Role::OrgUserManager).await;
    let listed = app
        .post_by(
            &token,
            &format!("/management/v1/users/{me}/pats"),
            json!({}),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
}

/// Finding 8: org id 0 collided with the instance scope marker.
async fn org_id_zero_is_never_an_org(app: TestApp) {
    for id in ["0", "00"] {
        let answer = app
            .post(
                "/v2/organizations",
                json!({"name": format!("zero {id}"), "organizationId": id}),
            )
            .await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        assert_eq!(answer.body["code"], 3);
    }
    // The org header "0" names no org.
    let read = app
        .get_as(
            &app.pat,
            &format!("/management/v1/users/{}/email", app.admin_id),
            Some("0"),
        )
        .await;
    assert_rest_error(&read, 403, 7, "AUTH-Bs7Ds", "Organisation doesn't exist");
    // An org role is never an instance role, whatever the org's id.
    let other = app.add_org("Other").await;
    let (_, owner) = app.machine(other, "owner-other", Role::OrgOwner).await;
    let created = app
        .post_by(&owner, "/v2/organizations", json!({"name": "Not mine"}))
        .await;
    assert_eq!(created.status, 403, "{}", created.body);
    let read = app
        .get_as(
            &owner,
            &format!("/management/v1/users/{}/email", app.admin_id),
            Some(&app.org_id.to_string()),
        )
        .await;
    assert_eq!(
        read.status, 404,
        "no membership in the default org: {}",
        read.body
    );
}

/// SPEC §7: the last active instance owner cannot be deactivated, locked or deleted,
/// by itself or anyone; with a second owner active again, it can.
async fn the_last_instance_owner_stays(app: TestApp) {
    let (admin, api_admin) = (app.admin_id, app.api_admin_id);
    let deactivated = app
        .post(&format!("/v2/users/{admin}/deactivate"), json!({}))
        .await;
    assert_eq!(deactivated.status, 200, "{:?}", deactivated.body);
    let last_owner = |answer: &Answer| {
        assert_rest_error(
            answer,
            400,
            9,
            "MAILROOM-LAST-OWNER",
            "The last active instance owner cannot be deactivated, locked or deleted",
        )
    };
    for action in ["lock", "deactivate"] {
        last_owner(
            &app.post(&format!("/v2/users/{api_admin}/{action}"), json!({}))
                .await,
        );
    }
    last_owner(&app.delete(&format!("/v2/users/{api_admin}")).await);
    // Nothing changed: api-admin still works, and is active.
    let me = app.get(&format!("/v2/users/{api_admin}")).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["state"], "USER_STATE_ACTIVE");

    let reactivated = app
        .post(&format!("/v2/users/{admin}/reactivate"), json!({}))
        .await;
    assert_eq!(reactivated.status, 200, "{:?}", reactivated.body);
    let locked = app
        .post(&format!("/v2/users/{api_admin}/lock"), json!({}))
        .await;
    assert_eq!(
        locked.status, 200,
        "another owner is active: {:?}",
        locked.body
    );
}

both_backends!(
    the_last_instance_owner_stays,
    a_user_manager_cannot_take_over_the_instance_owners,
    target_rule_matrix,
    acting_on_oneself_is_not_refused,
    org_id_zero_is_never_an_org,
);
