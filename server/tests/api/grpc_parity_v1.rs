//! Management API v1 over gRPC against REST (SPEC §2 "Binary transports"), in
//! the org context of `x-zitadel-orgid`.

use mailroom_core::ids::UserId;
use mailroom_server::grpc::pb::zitadel::management::v1 as mgmt;
use serde_json::json;
use tonic::Code;

use crate::both_backends;
use crate::grpc_client::{
    assert_grpc_error, assert_invalid_token, assert_same_error, call, detail_id, far_future,
    seq_v1, FAR_FUTURE_SECS,
};
use crate::helpers::TestApp;

/// Management v1 over gRPC, in the org context of the metadata, against REST.
async fn management_matches_rest(app: TestApp) {
    let mut grpc = app.management();
    let org = app.org_id.to_string();
    let add = |name: &str| mgmt::AddHumanUserRequest {
        user_name: name.into(),
        profile: Some(mgmt::add_human_user_request::Profile {
            first_name: "In".into(),
            last_name: "Itial".into(),
            ..Default::default()
        }),
        email: Some(mgmt::add_human_user_request::Email {
            email: format!("{name}@example.com"),
            is_email_verified: false,
        }),
        ..Default::default()
    };
    let a = app.initial_user("resty").await;
    let created = grpc
        .add_human_user(call(&app.pat, Some(&org), add("grpcy")))
        .await
        .expect("AddHumanUser")
        .into_inner();
    let b = UserId::parse(&created.user_id).unwrap();
    assert_eq!(app.event_types(a).await, app.event_types(b).await);
    assert_eq!(app.mails(a).await.len(), 1);
    assert_eq!(app.mails(b).await.len(), 1);

    // ResendHumanInitialization with a new address (after the resend interval).
    app.clock.advance_secs(31);
    let rest = app
        .post_as(
            &app.pat,
            &format!("/management/v1/users/{a}/_resend_initialization"),
            json!({"email": "resty2@example.com"}),
            Some(&org),
        )
        .await;
    assert_eq!(rest.status, 200, "{}", rest.body);
    let resent = grpc
        .resend_human_initialization(call(
            &app.pat,
            Some(&org),
            mgmt::ResendHumanInitializationRequest {
                user_id: b.to_string(),
                email: "grpcy2@example.com".into(),
            },
        ))
        .await
        .expect("ResendHumanInitialization")
        .into_inner();
    assert_eq!(seq_v1(&resent.details), rest.body["details"]["sequence"]);
    assert_eq!(app.mails(b).await.len(), 2);

    // Verified humans for the email methods.
    let c = app.human("c@example.com", true).await;
    let d = app.human("d@example.com", true).await;
    let rest = app
        .get_as(
            &app.pat,
            &format!("/management/v1/users/{c}/email"),
            Some(&org),
        )
        .await;
    let got = grpc
        .get_human_email(call(
            &app.pat,
            Some(&org),
            mgmt::GetHumanEmailRequest {
                user_id: d.to_string(),
            },
        ))
        .await
        .expect("GetHumanEmail")
        .into_inner();
    let email = got.email.unwrap();
    assert_eq!(
        (email.email.as_str(), email.is_email_verified),
        ("d@example.com", true)
    );
    assert_eq!(rest.body["email"]["isEmailVerified"], true);
    assert_eq!(seq_v1(&got.details), rest.body["details"]["sequence"]);
    assert_eq!(
        got.details.as_ref().unwrap().resource_owner,
        rest.body["details"]["resourceOwner"]
    );

    let rest = app
        .put_as(
            &app.pat,
            &format!("/management/v1/users/{c}/email"),
            json!({"email": "c2@example.com"}),
            Some(&org),
        )
        .await;
    assert_eq!(rest.status, 200, "{}", rest.body);
    let updated = grpc
        .update_human_email(call(
            &app.pat,
            Some(&org),
            mgmt::UpdateHumanEmailRequest {
                user_id: d.to_string(),
                email: "d2@example.com".into(),
                is_email_verified: false,
            },
        ))
        .await
        .expect("UpdateHumanEmail")
        .into_inner();
    assert_eq!(seq_v1(&updated.details), rest.body["details"]["sequence"]);
    // The same address again: the same error.
    let rest = app
        .put_as(
            &app.pat,
            &format!("/management/v1/users/{c}/email"),
            json!({"email": "c2@example.com"}),
            Some(&org),
        )
        .await;
    let err = grpc
        .update_human_email(call(
            &app.pat,
            Some(&org),
            mgmt::UpdateHumanEmailRequest {
                user_id: d.to_string(),
                email: "d2@example.com".into(),
                is_email_verified: false,
            },
        ))
        .await
        .unwrap_err();
    assert_same_error(&rest, &err);
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(detail_id(&err).is_some());

    app.clock.advance_secs(31);
    let rest = app
        .post_as(
            &app.pat,
            &format!("/management/v1/users/{c}/email/_resend_verification"),
            json!({}),
            Some(&org),
        )
        .await;
    assert_eq!(rest.status, 200, "{}", rest.body);
    let resent = grpc
        .resend_human_email_verification(call(
            &app.pat,
            Some(&org),
            mgmt::ResendHumanEmailVerificationRequest {
                user_id: d.to_string(),
            },
        ))
        .await
        .expect("ResendHumanEmailVerification")
        .into_inner();
    assert_eq!(seq_v1(&resent.details), rest.body["details"]["sequence"]);
    assert_eq!(app.event_types(c).await, app.event_types(d).await);
    assert_eq!(app.mails(c).await.len(), app.mails(d).await.len());

    // A user of another org is an unknown user, as over REST.
    let other = app.add_org("other").await;
    let stranger = app
        .add_human(other, "stranger", "s@example.com", true)
        .await;
    let rest = app
        .get_as(
            &app.pat,
            &format!("/management/v1/users/{stranger}/email"),
            Some(&org),
        )
        .await;
    let err = grpc
        .get_human_email(call(
            &app.pat,
            Some(&org),
            mgmt::GetHumanEmailRequest {
                user_id: stranger.to_string(),
            },
        ))
        .await
        .unwrap_err();
    assert_same_error(&rest, &err);
    assert_eq!(err.code(), Code::NotFound);
    // An org that does not exist.
    let err = grpc
        .get_human_email(call(
            &app.pat,
            Some("424242"),
            mgmt::GetHumanEmailRequest {
                user_id: c.to_string(),
            },
        ))
        .await
        .unwrap_err();
    assert_grpc_error(
        &err,
        Code::PermissionDenied,
        Some("AUTH-Bs7Ds"),
        "Organisation doesn't exist",
    );

    // Machine users and their tokens.
    let machine = grpc
        .add_machine_user(call(
            &app.pat,
            Some(&org),
            mgmt::AddMachineUserRequest {
                user_name: "robot".into(),
                name: "Robot".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("AddMachineUser")
        .into_inner();
    let robot = machine.user_id.clone();
    let added = grpc
        .add_personal_access_token(call(
            &app.pat,
            Some(&org),
            mgmt::AddPersonalAccessTokenRequest {
                user_id: robot.clone(),
                expiration_date: far_future(),
            },
        ))
        .await
        .expect("AddPersonalAccessToken")
        .into_inner();
    let listed = grpc
        .list_personal_access_tokens(call(
            &app.pat,
            Some(&org),
            mgmt::ListPersonalAccessTokensRequest {
                user_id: robot.clone(),
                query: None,
            },
        ))
        .await
        .expect("ListPersonalAccessTokens")
        .into_inner();
    assert_eq!(listed.details.unwrap().total_result, 1);
    assert_eq!(listed.result[0].id, added.token_id);
    let rest = app
        .get_as(
            &app.pat,
            &format!("/management/v1/users/{robot}/pats/{}", added.token_id),
            Some(&org),
        )
        .await;
    assert_eq!(
        rest.body["token"]["expirationDate"],
        "2099-01-01T00:00:00.000Z"
    );
    let got = grpc
        .get_personal_access_token_by_i_ds(call(
            &app.pat,
            Some(&org),
            mgmt::GetPersonalAccessTokenByIDsRequest {
                user_id: robot.clone(),
                token_id: added.token_id.clone(),
            },
        ))
        .await
        .expect("GetPersonalAccessTokenByIDs")
        .into_inner();
    assert_eq!(
        got.token.unwrap().expiration_date.unwrap().seconds,
        FAR_FUTURE_SECS
    );
    // The new token authenticates gRPC calls; removed, it stops at once.
    let members = app
        .post_as(
            &app.pat,
            "/management/v1/orgs/me/members",
            json!({"userId": robot, "roles": ["ORG_USER_MANAGER"]}),
            Some(&org),
        )
        .await;
    assert_eq!(members.status, 200, "{}", members.body);
    grpc.get_human_email(call(
        &added.token,
        None,
        mgmt::GetHumanEmailRequest {
            user_id: c.to_string(),
        },
    ))
    .await
    .expect("the new token works");
    grpc.remove_personal_access_token(call(
        &app.pat,
        Some(&org),
        mgmt::RemovePersonalAccessTokenRequest {
            user_id: robot.clone(),
            token_id: added.token_id.clone(),
        },
    ))
    .await
    .expect("RemovePersonalAccessToken");
    let err = grpc
        .get_human_email(call(
            &added.token,
            None,
            mgmt::GetHumanEmailRequest {
                user_id: c.to_string(),
            },
        ))
        .await
        .unwrap_err();
    assert_invalid_token(&err);

    // AddOrg and AddOrgMember.
    let new_org = grpc
        .add_org(call(
            &app.pat,
            None,
            mgmt::AddOrgRequest {
                name: "Grpc Org".into(),
            },
        ))
        .await
        .expect("AddOrg")
        .into_inner();
    grpc.add_org_member(call(
        &app.pat,
        Some(&new_org.id),
        mgmt::AddOrgMemberRequest {
            user_id: robot.clone(),
            roles: vec!["ORG_OWNER_VIEWER".into()],
        },
    ))
    .await
    .expect("AddOrgMember");
}

both_backends!(management_matches_rest);
