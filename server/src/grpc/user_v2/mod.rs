//! `zitadel.user.v2.UserService` over gRPC, gRPC-web and Connect binary: ZITADEL's
//! messages in, the JSON API's method functions (`crate::api::user_v2`, `pats`) run,
//! their outcomes out. `messages` converts; `service` is the tonic service.

use mailroom_core::add_user::Created;
use mailroom_core::model::Details;
use mailroom_core::user_state::StateChange;
use mailroom_core::users::UserPage;
use mailroom_core::Error;

use super::convert::{details_v2, now, rfc3339, timestamp};
use super::pb::zitadel::filter::v2 as filter;
use super::pb::zitadel::object::v2 as object;
use super::pb::zitadel::user::v2 as pb;
use super::Call;
use crate::api::pats::{self, AddedToken, TokenList};
use crate::api::user_v2 as api;

mod messages;
mod service;

use messages::*;

// ---- the methods (gRPC and Connect binary call these) ----

/// SetEmail, SendEmailCode, ResendEmailCode: a write that may answer with the code.
macro_rules! code_writes {
    ($($method:ident($req:ident) -> $resp:ident = $convert:ident;)*) => {$(
        pub async fn $method((m, caller, _, r): Call<'_, pb::$req>) -> Result<pb::$resp, Error> {
            let write = api::$method(m, caller, None, $convert(r)).await?;
            let (details, verification_code) = (details_v2(&write.details), code_of(&write));
            Ok(pb::$resp { details, verification_code })
        }
    )*};
}

code_writes! {
    set_email(SetEmailRequest) -> SetEmailResponse = set_email_request;
    send_email_code(SendEmailCodeRequest) -> SendEmailCodeResponse = send_email_code_request;
    resend_email_code(ResendEmailCodeRequest) -> ResendEmailCodeResponse = resend_email_code_request;
}

pub async fn verify_email(
    (m, caller, _, r): Call<'_, pb::VerifyEmailRequest>,
) -> Result<pb::VerifyEmailResponse, Error> {
    let request = api::VerifyEmailRequest {
        user_id: Some(r.user_id),
        verification_code: Some(r.verification_code),
    };
    let details = api::verify_email(m, caller, None, request).await?;
    Ok(pb::VerifyEmailResponse {
        details: details_v2(&details),
    })
}

pub async fn add_human_user(
    (m, caller, _, r): Call<'_, pb::AddHumanUserRequest>,
) -> Result<pb::AddHumanUserResponse, Error> {
    let Created {
        user_id,
        details,
        code,
    } = api::add_human_user(m, caller, add_human_request(r)).await?;
    Ok(pb::AddHumanUserResponse {
        user_id: user_id.to_string(),
        details: details_v2(&details),
        email_code: code.map(|c| c.as_str().to_owned()),
        phone_code: None,
    })
}

pub async fn get_user_by_id(
    (m, caller, _, r): Call<'_, pb::GetUserByIdRequest>,
) -> Result<pb::GetUserByIdResponse, Error> {
    let found = api::get_user(m, caller, None, user_id(r.user_id)).await?;
    Ok(pb::GetUserByIdResponse {
        details: details_v2(&Details::of_read(&found)),
        user: Some(user(&found)),
    })
}

pub async fn list_users(
    (m, caller, _, r): Call<'_, pb::ListUsersRequest>,
) -> Result<pb::ListUsersResponse, Error> {
    let page: UserPage = api::list_users(m, caller, list_users_request(r)).await?;
    Ok(pb::ListUsersResponse {
        details: Some(object::ListDetails {
            total_result: page.total,
            processed_sequence: 0,
            timestamp: now(),
        }),
        sorting_column: 0,
        result: page.users.iter().map(user).collect(),
    })
}

pub async fn delete_user(
    (m, caller, _, r): Call<'_, pb::DeleteUserRequest>,
) -> Result<pb::DeleteUserResponse, Error> {
    let details = api::delete_user(m, caller, None, user_id(r.user_id)).await?;
    Ok(pb::DeleteUserResponse {
        details: details_v2(&details),
    })
}

/// Deactivate, reactivate, lock, unlock: a user id in, `{details}` out.
macro_rules! state_changes {
    ($($method:ident($req:ident) -> $resp:ident = $change:ident;)*) => {$(
        pub async fn $method((m, caller, _, r): Call<'_, pb::$req>) -> Result<pb::$resp, Error> {
            let change = StateChange::$change;
            let details = api::change_state(m, caller, None, user_id(r.user_id), change).await?;
            Ok(pb::$resp { details: details_v2(&details) })
        }
    )*};
}

state_changes! {
    deactivate_user(DeactivateUserRequest) -> DeactivateUserResponse = Deactivate;
    reactivate_user(ReactivateUserRequest) -> ReactivateUserResponse = Reactivate;
    lock_user(LockUserRequest) -> LockUserResponse = Lock;
    unlock_user(UnlockUserRequest) -> UnlockUserResponse = Unlock;
}

pub async fn add_personal_access_token(
    (m, caller, _, r): Call<'_, pb::AddPersonalAccessTokenRequest>,
) -> Result<pb::AddPersonalAccessTokenResponse, Error> {
    let request = pats::AddTokenV2Request {
        user_id: Some(r.user_id),
        expiration_date: r.expiration_date.as_ref().map(rfc3339),
    };
    let AddedToken {
        token_id,
        token,
        details,
    } = pats::add_token_v2(m, caller, None, request).await?;
    Ok(pb::AddPersonalAccessTokenResponse {
        creation_date: Some(timestamp(details.change_date)),
        token_id: token_id.to_string(),
        token,
    })
}

pub async fn remove_personal_access_token(
    (m, caller, _, r): Call<'_, pb::RemovePersonalAccessTokenRequest>,
) -> Result<pb::RemovePersonalAccessTokenResponse, Error> {
    let request = pats::RemoveTokenV2Request {
        user_id: Some(r.user_id),
        token_id: Some(r.token_id),
    };
    let details = pats::remove_token_v2(m, caller, None, request).await?;
    Ok(pb::RemovePersonalAccessTokenResponse {
        deletion_date: Some(timestamp(details.change_date)),
    })
}

pub async fn list_personal_access_tokens(
    (m, caller, _, r): Call<'_, pb::ListPersonalAccessTokensRequest>,
) -> Result<pb::ListPersonalAccessTokensResponse, Error> {
    let list: TokenList = pats::list_tokens_v2(m, caller, list_tokens_request(r)).await?;
    Ok(pb::ListPersonalAccessTokensResponse {
        pagination: Some(filter::PaginationResponse {
            total_result: list.total,
            applied_limit: list.limit,
        }),
        result: list.tokens.iter().map(token).collect(),
    })
}

pub async fn create_invite_code(
    (m, caller, _, r): Call<'_, pb::CreateInviteCodeRequest>,
) -> Result<pb::CreateInviteCodeResponse, Error> {
    let request = create_invite_code_request(r);
    let write = api::create_invite_code(m, caller, None, request).await?;
    Ok(pb::CreateInviteCodeResponse {
        details: details_v2(&write.details),
        invite_code: write.code.map(|c| c.as_str().to_owned()),
    })
}

pub async fn resend_invite_code(
    (m, caller, _, r): Call<'_, pb::ResendInviteCodeRequest>,
) -> Result<pb::ResendInviteCodeResponse, Error> {
    let details = api::resend_invite_code(m, caller, None, user_id(r.user_id)).await?;
    Ok(pb::ResendInviteCodeResponse {
        details: details_v2(&details),
    })
}

pub async fn verify_invite_code(
    (m, caller, _, r): Call<'_, pb::VerifyInviteCodeRequest>,
) -> Result<pb::VerifyInviteCodeResponse, Error> {
    let request = api::VerifyInviteCodeRequest {
        user_id: Some(r.user_id),
        verification_code: Some(r.verification_code),
    };
    let details = api::verify_invite_code(m, caller, None, request).await?;
    Ok(pb::VerifyInviteCodeResponse {
        details: details_v2(&details),
    })
}

/// Every method of the service: its name on the wire, the function serving it and its
/// messages. The tonic service (`service`) and Connect binary (`api::connect`) are
/// both built from this one list.
macro_rules! methods {
    ($then:path) => {
        $then! {
            "SetEmail" set_email(SetEmailRequest) -> SetEmailResponse;
            "SendEmailCode" send_email_code(SendEmailCodeRequest) -> SendEmailCodeResponse;
            "ResendEmailCode" resend_email_code(ResendEmailCodeRequest) -> ResendEmailCodeResponse;
            "VerifyEmail" verify_email(VerifyEmailRequest) -> VerifyEmailResponse;
            "AddHumanUser" add_human_user(AddHumanUserRequest) -> AddHumanUserResponse;
            "GetUserByID" get_user_by_id(GetUserByIdRequest) -> GetUserByIdResponse;
            "ListUsers" list_users(ListUsersRequest) -> ListUsersResponse;
            "DeleteUser" delete_user(DeleteUserRequest) -> DeleteUserResponse;
            "DeactivateUser" deactivate_user(DeactivateUserRequest) -> DeactivateUserResponse;
            "ReactivateUser" reactivate_user(ReactivateUserRequest) -> ReactivateUserResponse;
            "LockUser" lock_user(LockUserRequest) -> LockUserResponse;
            "UnlockUser" unlock_user(UnlockUserRequest) -> UnlockUserResponse;
            "AddPersonalAccessToken" add_personal_access_token(AddPersonalAccessTokenRequest) -> AddPersonalAccessTokenResponse;
            "RemovePersonalAccessToken" remove_personal_access_token(RemovePersonalAccessTokenRequest) -> RemovePersonalAccessTokenResponse;
            "ListPersonalAccessTokens" list_personal_access_tokens(ListPersonalAccessTokensRequest) -> ListPersonalAccessTokensResponse;
            "CreateInviteCode" create_invite_code(CreateInviteCodeRequest) -> CreateInviteCodeResponse;
            "ResendInviteCode" resend_invite_code(ResendInviteCodeRequest) -> ResendInviteCodeResponse;
            "VerifyInviteCode" verify_invite_code(VerifyInviteCodeRequest) -> VerifyInviteCodeResponse;
        }
    };
}
pub(crate) use methods;
