//! `zitadel.management.v1.ManagementService` over gRPC and gRPC-web: the v1 methods
//! of SPEC §3.1, in the org context of `x-zitadel-orgid`.

use mailroom_core::add_user::Created;
use mailroom_core::clock::Timestamp;
use mailroom_core::tokens::TokenView;
use mailroom_core::Error;

use super::convert::{details_v1, list_query, now, rfc3339, timestamp};
use super::pb::zitadel::management::v1 as pb;
use super::pb::zitadel::management::v1::management_service_server::ManagementService;
use super::pb::zitadel::{user::v1 as user, v1 as object};
use super::Call;
use crate::api::management as api;
use crate::api::pats;

/// ZITADEL reports a token without an expiry as expiring at 9999-12-31T23:59:59Z.
pub(crate) fn expiry(token: &TokenView) -> prost_types::Timestamp {
    match token.token.expires_at {
        Some(at) => timestamp(at),
        None => prost_types::Timestamp {
            seconds: 253_402_300_799,
            nanos: 0,
        },
    }
}

fn token(t: &TokenView) -> user::PersonalAccessToken {
    let created: Timestamp = t.token.created_at;
    user::PersonalAccessToken {
        id: t.token.id.to_string(),
        details: Some(object::ObjectDetails {
            sequence: u64::try_from(t.sequence).unwrap_or_default(),
            creation_date: Some(timestamp(created)),
            change_date: Some(timestamp(created)),
            resource_owner: t.org_id.to_string(),
        }),
        expiration_date: Some(expiry(t)),
        scopes: Vec::new(),
    }
}

fn created(c: Created) -> (String, Option<object::ObjectDetails>) {
    (c.user_id.to_string(), details_v1(&c.details))
}

async fn get_human_email(
    (m, caller, org, r): Call<'_, pb::GetHumanEmailRequest>,
) -> Result<pb::GetHumanEmailResponse, Error> {
    let view = api::get_human_email(m, caller, org, &r.user_id).await?;
    Ok(pb::GetHumanEmailResponse {
        details: details_v1(&view.details),
        email: Some(user::Email {
            email: view.email,
            is_email_verified: view.is_verified,
        }),
    })
}

async fn update_human_email(
    (m, caller, org, r): Call<'_, pb::UpdateHumanEmailRequest>,
) -> Result<pb::UpdateHumanEmailResponse, Error> {
    let request = api::UpdateEmailRequest {
        email: Some(r.email),
        is_email_verified: Some(r.is_email_verified),
    };
    let details = api::update_human_email(m, caller, org, &r.user_id, request).await?;
    Ok(pb::UpdateHumanEmailResponse {
        details: details_v1(&details),
    })
}

async fn add_human_user(
    (m, caller, org, r): Call<'_, pb::AddHumanUserRequest>,
) -> Result<pb::AddHumanUserResponse, Error> {
    let profile = r.profile.unwrap_or_default();
    let email = r.email.unwrap_or_default();
    let request = api::AddHumanRequest {
        user_name: Some(r.user_name),
        profile: api::ProfileV1 {
            first_name: profile.first_name,
            last_name: profile.last_name,
            nick_name: profile.nick_name,
            display_name: profile.display_name,
            preferred_language: profile.preferred_language,
        },
        email: api::EmailV1 {
            email: Some(email.email),
            is_email_verified: email.is_email_verified,
        },
        initial_password: Some(r.initial_password),
    };
    let (user_id, details) = created(api::add_human_user(m, caller, org, request).await?);
    Ok(pb::AddHumanUserResponse { user_id, details })
}

async fn add_machine_user(
    (m, caller, org, r): Call<'_, pb::AddMachineUserRequest>,
) -> Result<pb::AddMachineUserResponse, Error> {
    let request = api::AddMachineRequest {
        user_name: r.user_name,
        name: r.name,
        description: r.description,
    };
    let (user_id, details) = created(api::add_machine_user(m, caller, org, request).await?);
    Ok(pb::AddMachineUserResponse { user_id, details })
}

async fn add_personal_access_token(
    (m, caller, org, r): Call<'_, pb::AddPersonalAccessTokenRequest>,
) -> Result<pb::AddPersonalAccessTokenResponse, Error> {
    let request = pats::AddTokenRequest {
        expiration_date: r.expiration_date.as_ref().map(rfc3339),
    };
    let added = pats::add_personal_access_token(m, caller, org, &r.user_id, request).await?;
    Ok(pb::AddPersonalAccessTokenResponse {
        token_id: added.token_id.to_string(),
        token: added.token,
        details: details_v1(&added.details),
    })
}

async fn list_personal_access_tokens(
    (m, caller, org, r): Call<'_, pb::ListPersonalAccessTokensRequest>,
) -> Result<pb::ListPersonalAccessTokensResponse, Error> {
    let q = r.query.unwrap_or_default();
    let request = pats::ListTokensRequest {
        query: list_query(q.offset, q.limit, q.asc),
    };
    let list = pats::list_personal_access_tokens(m, caller, org, &r.user_id, request).await?;
    Ok(pb::ListPersonalAccessTokensResponse {
        details: Some(object::ListDetails {
            total_result: list.total,
            processed_sequence: 0,
            view_timestamp: now(),
        }),
        result: list.tokens.iter().map(token).collect(),
    })
}

async fn resend_human_initialization(
    (m, caller, org, r): Call<'_, pb::ResendHumanInitializationRequest>,
) -> Result<pb::ResendHumanInitializationResponse, Error> {
    let request = api::ResendInitializationRequest {
        email: Some(r.email),
    };
    let details = api::resend_human_initialization(m, caller, org, &r.user_id, request).await?;
    Ok(pb::ResendHumanInitializationResponse {
        details: details_v1(&details),
    })
}

async fn resend_human_email_verification(
    (m, caller, org, r): Call<'_, pb::ResendHumanEmailVerificationRequest>,
) -> Result<pb::ResendHumanEmailVerificationResponse, Error> {
    let details = api::resend_human_email_verification(m, caller, org, &r.user_id).await?;
    Ok(pb::ResendHumanEmailVerificationResponse {
        details: details_v1(&details),
    })
}

async fn get_personal_access_token_by_i_ds(
    (m, caller, org, r): Call<'_, pb::GetPersonalAccessTokenByIDsRequest>,
) -> Result<pb::GetPersonalAccessTokenByIDsResponse, Error> {
    let t = pats::get_personal_access_token(m, caller, org, &r.user_id, &r.token_id).await?;
    Ok(pb::GetPersonalAccessTokenByIDsResponse {
        token: Some(token(&t)),
    })
}

async fn remove_personal_access_token(
    (m, caller, org, r): Call<'_, pb::RemovePersonalAccessTokenRequest>,
) -> Result<pb::RemovePersonalAccessTokenResponse, Error> {
    let removed = pats::remove_personal_access_token(m, caller, org, &r.user_id, &r.token_id);
    Ok(pb::RemovePersonalAccessTokenResponse {
        details: details_v1(&removed.await?),
    })
}

/// AddOrg creates a new org: the caller's org context does not enter into it.
async fn add_org(
    (m, caller, _, r): Call<'_, pb::AddOrgRequest>,
) -> Result<pb::AddOrgResponse, Error> {
    let request = api::AddOrgRequest { name: r.name };
    let (id, details) = api::add_org_method(m, caller, request).await?;
    Ok(pb::AddOrgResponse {
        id: id.to_string(),
        details: details_v1(&details),
    })
}

async fn add_org_member(
    (m, caller, org, r): Call<'_, pb::AddOrgMemberRequest>,
) -> Result<pb::AddOrgMemberResponse, Error> {
    let request = api::AddMemberRequest {
        user_id: r.user_id,
        roles: r.roles,
    };
    let details = api::add_org_member(m, caller, org, request).await?;
    Ok(pb::AddOrgMemberResponse {
        details: details_v1(&details),
    })
}

super::serve! {
    ManagementService for pb {
        add_human_user(AddHumanUserRequest) -> AddHumanUserResponse = add_human_user;
        add_machine_user(AddMachineUserRequest) -> AddMachineUserResponse = add_machine_user;
        get_human_email(GetHumanEmailRequest) -> GetHumanEmailResponse = get_human_email;
        update_human_email(UpdateHumanEmailRequest) -> UpdateHumanEmailResponse = update_human_email;
        resend_human_initialization(ResendHumanInitializationRequest) -> ResendHumanInitializationResponse = resend_human_initialization;
        resend_human_email_verification(ResendHumanEmailVerificationRequest) -> ResendHumanEmailVerificationResponse = resend_human_email_verification;
        get_personal_access_token_by_i_ds(GetPersonalAccessTokenByIDsRequest) -> GetPersonalAccessTokenByIDsResponse = get_personal_access_token_by_i_ds;
        list_personal_access_tokens(ListPersonalAccessTokensRequest) -> ListPersonalAccessTokensResponse = list_personal_access_tokens;
        add_personal_access_token(AddPersonalAccessTokenRequest) -> AddPersonalAccessTokenResponse = add_personal_access_token;
        remove_personal_access_token(RemovePersonalAccessTokenRequest) -> RemovePersonalAccessTokenResponse = remove_personal_access_token;
        add_org(AddOrgRequest) -> AddOrgResponse = add_org;
        add_org_member(AddOrgMemberRequest) -> AddOrgMemberResponse = add_org_member;
    }
}
