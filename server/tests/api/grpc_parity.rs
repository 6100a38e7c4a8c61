//! gRPC against REST, method by method (SPEC §2 "Binary transports"): each
//! operation runs over REST on one user and over gRPC on its twin, and the answers,
//! sequences, events, mails and errors must agree.

use mailroom_core::ids::UserId;
use mailroom_core::permissions::Role;
use mailroom_server::grpc::pb::zitadel::object::v2 as object;
use mailroom_server::grpc::pb::zitadel::org::v2 as org;
use mailroom_server::grpc::pb::zitadel::user::v2 as user;
use serde_json::json;
use tonic::Code;

use crate::both_backends;
use crate::grpc_client::{assert_grpc_error, assert_same_error, call, far_future, seq_v2};
use crate::helpers::TestApp;

/// A v2 human made over gRPC, with its code returned.
async fn grpc_human(app: &TestApp, email: &str) -> (UserId, String) {
    let created = app
        .user_service()
        .add_human_user(call(
            &app.pat,
            None,
            user::AddHumanUserRequest {
                profile: Some(user::SetHumanProfile {
                    given_name: "Test".into(),
                    family_name: "User".into(),
                    ..Default::default()
                }),
                email: Some(user::SetHumanEmail {
                    email: email.into(),
                    verification: Some(user::set_human_email::Verification::ReturnCode(
                        user::ReturnEmailVerificationCode {},
                    )),
                }),
                ..Default::default()
            },
        ))
        .await
        .expect("AddHumanUser")
        .into_inner();
    (
        UserId::parse(&created.user_id).unwrap(),
        created.email_code.expect("emailCode"),
    )
}

/// The v2 email methods over REST on one user and over gRPC on its twin: the same
/// sequences, events, mails and codes.
async fn user_service_matches_rest(app: TestApp) {
    let mut grpc = app.user_service();
    // AddHumanUser with a returned code.
    let rest = app
        .post(
            "/v2/users/human",
            json!({"profile": {"givenName": "Test", "familyName": "User"},
                   "email": {"email": "rest@example.com", "returnCode": {}}}),
        )
        .await;
    assert_eq!(rest.status, 200, "{}", rest.body);
    let a = UserId::parse(rest.body["userId"].as_str().unwrap()).unwrap();
    let (b, code_b) = grpc_human(&app, "grpc@example.com").await;
    assert_eq!(code_b.len(), rest.body["emailCode"].as_str().unwrap().len());
    assert_eq!(app.event_types(a).await, app.event_types(b).await);

    // SetEmail, returnCode.
    let rest = app
        .post_ok(
            &format!("/v2/users/{a}/email"),
            json!({"email": "rest2@example.com", "returnCode": {}}),
        )
        .await;
    let set = grpc
        .set_email(call(
            &app.pat,
            None,
            user::SetEmailRequest {
                user_id: b.to_string(),
                email: "grpc2@example.com".into(),
                verification: Some(user::set_email_request::Verification::ReturnCode(
                    user::ReturnEmailVerificationCode {},
                )),
            },
        ))
        .await
        .expect("SetEmail")
        .into_inner();
    assert_eq!(seq_v2(&set.details), rest.body["details"]["sequence"]);
    assert_eq!(
        set.details.as_ref().unwrap().resource_owner,
        rest.body["details"]["resourceOwner"]
    );
    let code_a = rest.body["verificationCode"].as_str().unwrap().to_owned();
    let code_b = set.verification_code.expect("verificationCode");

    // SendEmailCode by mail (the default link), then ResendEmailCode returned.
    let rest = app
        .post(&format!("/v2/users/{a}/email/send"), json!({}))
        .await;
    assert_eq!(rest.status, 200, "{}", rest.body);
    let sent = grpc
        .send_email_code(call(
            &app.pat,
            None,
            user::SendEmailCodeRequest {
                user_id: b.to_string(),
                verification: None,
            },
        ))
        .await
        .expect("SendEmailCode")
        .into_inner();
    assert_eq!(seq_v2(&sent.details), rest.body["details"]["sequence"]);
    assert!(sent.verification_code.is_none());
    assert_eq!(app.mails(a).await.len(), app.mails(b).await.len());
    let rest = app
        .post_ok(
            &format!("/v2/users/{a}/email/resend"),
            json!({"returnCode": {}}),
        )
        .await;
    let resent = grpc
        .resend_email_code(call(
            &app.pat,
            None,
            user::ResendEmailCodeRequest {
                user_id: b.to_string(),
                verification: Some(user::resend_email_code_request::Verification::ReturnCode(
                    user::ReturnEmailVerificationCode {},
                )),
            },
        ))
        .await
        .expect("ResendEmailCode")
        .into_inner();
    let code_a2 = rest.body["verificationCode"].as_str().unwrap().to_owned();
    let code_b2 = resent.verification_code.expect("code");
    assert_ne!(code_a, code_a2);
    assert_ne!(code_b, code_b2);

    // VerifyEmail: a wrong code fails alike, the right one verifies.
    let rest = app
        .post(
            &format!("/v2/users/{a}/email/verify"),
            json!({"verificationCode": "WRONG1"}),
        )
        .await;
    let wrong = grpc
        .verify_email(call(
            &app.pat,
            None,
            user::VerifyEmailRequest {
                user_id: b.to_string(),
                verification_code: "WRONG1".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_same_error(&rest, &wrong);
    assert_grpc_error(
        &wrong,
        Code::InvalidArgument,
        Some("COMMAND-eis9R"),
        "Code is invalid",
    );
    let rest = app
        .post_ok(
            &format!("/v2/users/{a}/email/verify"),
            json!({"verificationCode": code_a2}),
        )
        .await;
    let verified = grpc
        .verify_email(call(
            &app.pat,
            None,
            user::VerifyEmailRequest {
                user_id: b.to_string(),
                verification_code: code_b2,
            },
        ))
        .await
        .expect("VerifyEmail")
        .into_inner();
    assert_eq!(seq_v2(&verified.details), rest.body["details"]["sequence"]);
    assert_eq!(app.event_types(a).await, app.event_types(b).await);
    assert_eq!(app.mails(a).await.len(), app.mails(b).await.len());

    // GetUserByID and ListUsers.
    let rest = app.get(&format!("/v2/users/{b}")).await;
    let got = grpc
        .get_user_by_id(call(
            &app.pat,
            None,
            user::GetUserByIdRequest {
                user_id: b.to_string(),
            },
        ))
        .await
        .expect("GetUserByID")
        .into_inner();
    let found = got.user.expect("user");
    assert_eq!(found.user_id, rest.body["user"]["userId"]);
    assert_eq!(found.username, rest.body["user"]["username"]);
    assert_eq!(found.state, user::UserState::Active as i32);
    assert_eq!(rest.body["user"]["state"], "USER_STATE_ACTIVE");
    let Some(user::user::Type::Human(human)) = found.r#type else {
        panic!("a human")
    };
    let email = human.email.expect("email");
    assert_eq!(
        (email.email.as_str(), email.is_verified),
        ("grpc2@example.com", true)
    );
    assert_eq!(rest.body["user"]["human"]["email"]["isVerified"], true);
    let listed = grpc
        .list_users(call(
            &app.pat,
            None,
            user::ListUsersRequest {
                queries: vec![user::SearchQuery {
                    query: Some(user::search_query::Query::EmailQuery(user::EmailQuery {
                        email_address: "grpc2@".into(),
                        method: object::TextQueryMethod::StartsWith as i32,
                    })),
                }],
                ..Default::default()
            },
        ))
        .await
        .expect("ListUsers")
        .into_inner();
    assert_eq!(listed.details.unwrap().total_result, 1);
    assert_eq!(listed.result[0].user_id, b.to_string());

    // Lock, unlock, deactivate, reactivate, delete: the same sequences and events.
    for (path, state) in [
        ("lock", "lock"),
        ("unlock", "unlock"),
        ("deactivate", "deactivate"),
        ("reactivate", "reactivate"),
    ] {
        let rest = app
            .post_ok(&format!("/v2/users/{a}/{path}"), json!({}))
            .await;
        let id = b.to_string();
        let details = match state {
            "lock" => grpc
                .lock_user(call(&app.pat, None, user::LockUserRequest { user_id: id }))
                .await
                .map(|r| r.into_inner().details),
            "unlock" => grpc
                .unlock_user(call(
                    &app.pat,
                    None,
                    user::UnlockUserRequest { user_id: id },
                ))
                .await
                .map(|r| r.into_inner().details),
            "deactivate" => grpc
                .deactivate_user(call(
                    &app.pat,
                    None,
                    user::DeactivateUserRequest { user_id: id },
                ))
                .await
                .map(|r| r.into_inner().details),
            _ => grpc
                .reactivate_user(call(
                    &app.pat,
                    None,
                    user::ReactivateUserRequest { user_id: id },
                ))
                .await
                .map(|r| r.into_inner().details),
        }
        .expect(path);
        assert_eq!(seq_v2(&details), rest.body["details"]["sequence"], "{path}");
    }
    // Unlocking an active user fails alike.
    let rest = app.post(&format!("/v2/users/{a}/unlock"), json!({})).await;
    let err = grpc
        .unlock_user(call(
            &app.pat,
            None,
            user::UnlockUserRequest {
                user_id: b.to_string(),
            },
        ))
        .await
        .unwrap_err();
    assert_same_error(&rest, &err);
    let rest = app.delete(&format!("/v2/users/{a}")).await;
    assert_eq!(rest.status, 200, "{}", rest.body);
    let deleted = grpc
        .delete_user(call(
            &app.pat,
            None,
            user::DeleteUserRequest {
                user_id: b.to_string(),
            },
        ))
        .await
        .expect("DeleteUser")
        .into_inner();
    assert_eq!(seq_v2(&deleted.details), rest.body["details"]["sequence"]);
    assert_eq!(app.event_types(a).await, app.event_types(b).await);
}

/// Tokens v2 and AddOrganization over gRPC.
async fn tokens_and_orgs_v2(app: TestApp) {
    let mut grpc = app.user_service();
    let (bot, _) = app.machine(app.org_id, "bot", Role::OrgOwnerViewer).await;
    let added = grpc
        .add_personal_access_token(call(
            &app.pat,
            None,
            user::AddPersonalAccessTokenRequest {
                user_id: bot.to_string(),
                expiration_date: far_future(),
            },
        ))
        .await
        .expect("AddPersonalAccessToken")
        .into_inner();
    assert!(added.creation_date.is_some());
    let listed = grpc
        .list_personal_access_tokens(call(
            &app.pat,
            None,
            user::ListPersonalAccessTokensRequest {
                filters: vec![user::PersonalAccessTokensSearchFilter {
                    filter: Some(
                        user::personal_access_tokens_search_filter::Filter::UserIdFilter(
                            mailroom_server::grpc::pb::zitadel::filter::v2::IdFilter {
                                id: bot.to_string(),
                            },
                        ),
                    ),
                }],
                ..Default::default()
            },
        ))
        .await
        .expect("ListPersonalAccessTokens")
        .into_inner();
    assert_eq!(listed.pagination.unwrap().total_result, 2);
    let rest = app
        .post(
            "/v2/users/pats/search",
            json!({"filters": [{"userIdFilter": {"id": bot.to_string()}}]}),
        )
        .await;
    assert_eq!(rest.body["pagination"]["totalResult"], "2");
    let removed = grpc
        .remove_personal_access_token(call(
            &app.pat,
            None,
            user::RemovePersonalAccessTokenRequest {
                user_id: bot.to_string(),
                token_id: added.token_id.clone(),
            },
        ))
        .await
        .expect("RemovePersonalAccessToken")
        .into_inner();
    assert!(removed.deletion_date.is_some());
    let err = grpc
        .remove_personal_access_token(call(
            &app.pat,
            None,
            user::RemovePersonalAccessTokenRequest {
                user_id: bot.to_string(),
                token_id: added.token_id.clone(),
            },
        ))
        .await
        .unwrap_err();
    let rest = app
        .delete(&format!("/v2/users/{bot}/pats/{}", added.token_id))
        .await;
    assert_same_error(&rest, &err);

    let created = app
        .organizations()
        .add_organization(call(
            &app.pat,
            None,
            org::AddOrganizationRequest {
                name: "Acme".into(),
                admins: vec![org::add_organization_request::Admin {
                    roles: vec![],
                    user_type: Some(org::add_organization_request::admin::UserType::UserId(
                        bot.to_string(),
                    )),
                }],
                org_id: None,
            },
        ))
        .await
        .expect("AddOrganization")
        .into_inner();
    assert!(created.organization_id.parse::<i64>().unwrap() > 0);
    // Org id 0 is refused, as over REST.
    let rest = app
        .post(
            "/v2/organizations",
            json!({"name": "Zero", "organizationId": "0"}),
        )
        .await;
    let err = app
        .organizations()
        .add_organization(call(
            &app.pat,
            None,
            org::AddOrganizationRequest {
                name: "Zero".into(),
                admins: vec![],
                org_id: Some("0".into()),
            },
        ))
        .await
        .unwrap_err();
    assert_same_error(&rest, &err);
    assert_eq!(err.code(), Code::InvalidArgument);
    // Only an instance owner may.
    let (_, viewer) = app.machine(app.org_id, "viewer", Role::OrgOwner).await;
    let rest = app
        .post_by(&viewer, "/v2/organizations", json!({"name": "Nope"}))
        .await;
    let err = app
        .organizations()
        .add_organization(call(
            &viewer,
            None,
            org::AddOrganizationRequest {
                name: "Nope".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_same_error(&rest, &err);
}

/// Invite codes over REST on one user and over gRPC on its twin: the same events,
/// mails, codes and errors.
async fn invite_codes_match_rest(app: TestApp) {
    let mut grpc = app.user_service();
    let a = app.human("invite-rest@example.com", false).await;
    let (b, _) = grpc_human(&app, "invite-grpc@example.com").await;
    let create = |user: UserId, verification| {
        call(
            &app.pat,
            None,
            user::CreateInviteCodeRequest {
                user_id: user.to_string(),
                verification,
            },
        )
    };

    // Mailed, with a template and an application name.
    let template = "https://app.test/i?u={{.UserID}}&c={{.Code}}";
    let rest = app
        .post_ok(
            &format!("/v2/users/{a}/invite_code"),
            json!({"sendCode": {"urlTemplate": template, "applicationName": "Shop"}}),
        )
        .await;
    let send = user::SendInviteCode {
        url_template: Some(template.into()),
        application_name: Some("Shop".into()),
    };
    let created = grpc
        .create_invite_code(create(
            b,
            Some(user::create_invite_code_request::Verification::SendCode(
                send,
            )),
        ))
        .await
        .expect("CreateInviteCode")
        .into_inner();
    assert_eq!(seq_v2(&created.details), rest.body["details"]["sequence"]);
    assert!(created.invite_code.is_none());
    let payload_of = |mails: Vec<mailroom_core::model::MailRecord>| {
        let invite = mails
            .into_iter()
            .find(|m| m.kind == mailroom_core::model::MailKind::Invite)
            .expect("an invite mail");
        invite.payload["applicationName"].clone()
    };
    assert_eq!(payload_of(app.mails(a).await), json!("Shop"));
    assert_eq!(payload_of(app.mails(b).await), json!("Shop"));

    // ResendInviteCode, after the send interval.
    app.clock.advance_secs(31);
    let rest = app
        .post_ok(&format!("/v2/users/{a}/invite_code/resend"), json!({}))
        .await;
    let resent = grpc
        .resend_invite_code(call(
            &app.pat,
            None,
            user::ResendInviteCodeRequest {
                user_id: b.to_string(),
            },
        ))
        .await
        .expect("ResendInviteCode")
        .into_inner();
    assert_eq!(seq_v2(&resent.details), rest.body["details"]["sequence"]);

    // Returned, then verified: a wrong code fails alike, the right one verifies.
    let rest = app
        .post_ok(
            &format!("/v2/users/{a}/invite_code"),
            json!({"returnCode": {}}),
        )
        .await;
    let returned = grpc
        .create_invite_code(create(
            b,
            Some(user::create_invite_code_request::Verification::ReturnCode(
                user::ReturnInviteCode {},
            )),
        ))
        .await
        .expect("CreateInviteCode")
        .into_inner();
    let code_a = rest.body["inviteCode"].as_str().unwrap().to_owned();
    let code_b = returned.invite_code.expect("inviteCode");
    let verify = |user: UserId, code: &str| {
        call(
            &app.pat,
            None,
            user::VerifyInviteCodeRequest {
                user_id: user.to_string(),
                verification_code: code.into(),
            },
        )
    };
    let rest = app
        .post(
            &format!("/v2/users/{a}/invite_code/verify"),
            json!({"verificationCode": "WRONG1"}),
        )
        .await;
    let wrong = grpc
        .verify_invite_code(verify(b, "WRONG1"))
        .await
        .unwrap_err();
    assert_same_error(&rest, &wrong);
    assert_grpc_error(
        &wrong,
        Code::InvalidArgument,
        Some("COMMAND-Wgn4q"),
        "Code is invalid",
    );
    let rest = app
        .post_ok(
            &format!("/v2/users/{a}/invite_code/verify"),
            json!({"verificationCode": code_a}),
        )
        .await;
    let verified = grpc
        .verify_invite_code(verify(b, &code_b))
        .await
        .expect("VerifyInviteCode")
        .into_inner();
    assert_eq!(seq_v2(&verified.details), rest.body["details"]["sequence"]);
    assert_eq!(app.event_types(a).await[1..], app.event_types(b).await[1..]);
    assert_eq!(app.mails(a).await.len(), app.mails(b).await.len());

    // A returned code is not the mail's to resend: the same failed precondition.
    let rest = app
        .post(&format!("/v2/users/{a}/invite_code/resend"), json!({}))
        .await;
    let err = grpc
        .resend_invite_code(call(
            &app.pat,
            None,
            user::ResendInviteCodeRequest {
                user_id: b.to_string(),
            },
        ))
        .await
        .unwrap_err();
    assert_same_error(&rest, &err);
    assert_grpc_error(
        &err,
        Code::FailedPrecondition,
        Some("COMMAND-Wr3gq"),
        "Code not found",
    );
}

both_backends!(
    user_service_matches_rest,
    tokens_and_orgs_v2,
    invite_codes_match_rest,
);
