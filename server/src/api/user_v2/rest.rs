//! The REST paths of the User Service v2: each parses the body and calls the method
//! that the Connect (and gRPC) adapters call too.

use mailroom_core::user_state::StateChange;

use super::*;
use crate::api::dto::DetailsOnly;
use crate::api::rest_op::rest_op;

rest_op!(post "/v2/users/{userId}/email", "User Service v2", "SetEmail: change the address and send, return or skip a code",
    set_email(user: user, body: body) (SetEmailRequest) -> CodeResponse =
    |m, caller| CodeResponse::from(super::set_email(&m, &caller, Some(user), body.parse()?).await?));

rest_op!(post "/v2/users/{userId}/email/send", "User Service v2", "SendEmailCode: a new code, even for a verified address",
    send_email_code(user: user, body: body) (EmailCodeRequest) -> CodeResponse =
    |m, caller| CodeResponse::from(super::send_email_code(&m, &caller, Some(user), body.parse()?).await?));

rest_op!(post "/v2/users/{userId}/email/resend", "User Service v2", "ResendEmailCode: a new code when one was issued before",
    resend_email_code(user: user, body: body) (EmailCodeRequest) -> CodeResponse =
    |m, caller| CodeResponse::from(super::resend_email_code(&m, &caller, Some(user), body.parse()?).await?));

rest_op!(post "/v2/users/{userId}/email/verify", "User Service v2", "VerifyEmail: check a code and mark the address verified",
    verify_email(user: user, body: body) (VerifyEmailRequest) -> DetailsOnly =
    |m, caller| DetailsOnly::from(&super::verify_email(&m, &caller, Some(user), body.parse()?).await?));

rest_op!(post "/v2/users/{userId}/invite_code", "User Service v2", "CreateInviteCode: an invite code for a user without a password, mailed or returned",
    create_invite_code(user: user, body: body) (CreateInviteCodeRequest) -> CreateInviteCodeResponse =
    |m, caller| CreateInviteCodeResponse::from(super::create_invite_code(&m, &caller, Some(user), body.parse()?).await?));

rest_op!(post "/v2/users/{userId}/invite_code/resend", "User Service v2", "ResendInviteCode: the invite mail again, with a new code",
    resend_invite_code(user: user, body: body) (UserIdRequest) -> DetailsOnly =
    |m, caller| DetailsOnly::from(&super::resend_invite_code(&m, &caller, Some(user), body.parse()?).await?));

rest_op!(post "/v2/users/{userId}/invite_code/verify", "User Service v2", "VerifyInviteCode: check an invite code and mark the address verified",
    verify_invite_code(user: user, body: body) (VerifyInviteCodeRequest) -> DetailsOnly =
    |m, caller| DetailsOnly::from(&super::verify_invite_code(&m, &caller, Some(user), body.parse()?).await?));

rest_op!(delete "/v2/users/{userId}", "User Service v2", "DeleteUser",
    delete_user(user: user, body: body) (UserIdRequest) -> DetailsOnly =
    |m, caller| DetailsOnly::from(&super::delete_user(&m, &caller, Some(user), body.parse()?).await?));

rest_op!(get "/v2/users/{userId}", "User Service v2", "GetUserByID",
    get_user(user: user) -> GetUserResponse =
    |m, caller| GetUserResponse::from(&super::get_user(&m, &caller, Some(user), UserIdRequest::default()).await?));

rest_op!(post "/v2/users/human", "User Service v2", "AddHumanUser",
    add_human_user(body: body) (AddHumanUserRequest) -> AddHumanUserResponse =
    |m, caller| super::add_human_user(&m, &caller, body.parse()?).await?.into());

rest_op!(post "/v2/users", "User Service v2", "ListUsers",
    list_users(body: body) (ListUsersRequest) -> ListUsersResponse =
    |m, caller| ListUsersResponse::from(&super::list_users(&m, &caller, body.parse()?).await?));

/// Deactivate, reactivate, lock and unlock: a user id in, `{details}` out.
macro_rules! state_change {
    ($($name:ident $path:literal $summary:literal = $change:ident;)*) => {$(
        rest_op!(post $path, "User Service v2", $summary,
            $name(user: user, body: body) (UserIdRequest) -> DetailsOnly =
            |m, caller| DetailsOnly::from(&super::change_state(&m, &caller, Some(user), body.parse()?, StateChange::$change).await?));
    )*};
}

state_change! {
    deactivate_user "/v2/users/{userId}/deactivate" "DeactivateUser" = Deactivate;
    reactivate_user "/v2/users/{userId}/reactivate" "ReactivateUser" = Reactivate;
    lock_user "/v2/users/{userId}/lock" "LockUser" = Lock;
    unlock_user "/v2/users/{userId}/unlock" "UnlockUser" = Unlock;
}
