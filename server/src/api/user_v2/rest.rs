//! The REST paths of the User Service v2: each parses the body and calls the method
//! that the Connect (and gRPC) adapters call too.

use axum::extract::{Path, State};
use axum::Json;
use mailroom_core::user_state::StateChange;
use mailroom_core::Mailroom;

use super::*;
use crate::api::auth::RestCaller;
use crate::api::body::RawBody;
use crate::api::dto::DetailsOnly;
use crate::api::error::RestError;

/// `POST /v2/users/{userId}/email`
#[utoipa::path(
            post,
            path = "/v2/users/{userId}/email",
            tag = "User Service v2",
            summary = "SetEmail: change the address and send, return or skip a code",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = SetEmailRequest,
            responses((status = 200, body = CodeResponse), crate::api::error::StandardErrors)
        )]
pub async fn set_email(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<CodeResponse>, RestError> {
    let request: SetEmailRequest = body.parse()?;
    let outcome = super::set_email(&m, &caller, Some(user_id), request).await?;
    Ok(Json(CodeResponse::from(outcome)))
}

/// `POST /v2/users/{userId}/email/send`
#[utoipa::path(
            post,
            path = "/v2/users/{userId}/email/send",
            tag = "User Service v2",
            summary = "SendEmailCode: a new code, even for a verified address",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = EmailCodeRequest,
            responses((status = 200, body = CodeResponse), crate::api::error::StandardErrors)
        )]
pub async fn send_email_code(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<CodeResponse>, RestError> {
    let request: EmailCodeRequest = body.parse()?;
    let outcome = super::send_email_code(&m, &caller, Some(user_id), request).await?;
    Ok(Json(CodeResponse::from(outcome)))
}

/// `POST /v2/users/{userId}/email/resend`
#[utoipa::path(
            post,
            path = "/v2/users/{userId}/email/resend",
            tag = "User Service v2",
            summary = "ResendEmailCode: a new code when one was issued before",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = EmailCodeRequest,
            responses((status = 200, body = CodeResponse), crate::api::error::StandardErrors)
        )]
pub async fn resend_email_code(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<CodeResponse>, RestError> {
    let request: EmailCodeRequest = body.parse()?;
    let outcome = super::resend_email_code(&m, &caller, Some(user_id), request).await?;
    Ok(Json(CodeResponse::from(outcome)))
}

/// `POST /v2/users/{userId}/email/verify`
#[utoipa::path(
            post,
            path = "/v2/users/{userId}/email/verify",
            tag = "User Service v2",
            summary = "VerifyEmail: check a code and mark the address verified",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = VerifyEmailRequest,
            responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
        )]
pub async fn verify_email(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let request: VerifyEmailRequest = body.parse()?;
    let outcome = super::verify_email(&m, &caller, Some(user_id), request).await?;
    Ok(Json(DetailsOnly::from(&outcome)))
}

/// `DELETE /v2/users/{userId}`
#[utoipa::path(
            delete,
            path = "/v2/users/{userId}",
            tag = "User Service v2",
            summary = "DeleteUser",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = UserIdRequest,
            responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
        )]
pub async fn delete_user(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let request: UserIdRequest = body.parse()?;
    let outcome = super::delete_user(&m, &caller, Some(user_id), request).await?;
    Ok(Json(DetailsOnly::from(&outcome)))
}

#[utoipa::path(
    get,
    path = "/v2/users/{userId}",
    tag = "User Service v2",
    summary = "GetUserByID",
    params(("userId" = String, Path, description = "The user's id")),
    responses((status = 200, body = GetUserResponse), crate::api::error::StandardErrors)
)]
pub async fn get_user(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
) -> Result<Json<GetUserResponse>, RestError> {
    Ok(Json(GetUserResponse::from(
        &super::get_user(&m, &caller, Some(user_id), UserIdRequest::default()).await?,
    )))
}

#[utoipa::path(
    post,
    path = "/v2/users/human",
    tag = "User Service v2",
    summary = "AddHumanUser",
    request_body = AddHumanUserRequest,
    responses((status = 200, body = AddHumanUserResponse), crate::api::error::StandardErrors)
)]
pub async fn add_human_user(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    body: RawBody,
) -> Result<Json<AddHumanUserResponse>, RestError> {
    Ok(Json(
        super::add_human_user(&m, &caller, body.parse()?)
            .await?
            .into(),
    ))
}

#[utoipa::path(
    post,
    path = "/v2/users",
    tag = "User Service v2",
    summary = "ListUsers",
    request_body = ListUsersRequest,
    responses((status = 200, body = ListUsersResponse), crate::api::error::StandardErrors)
)]
pub async fn list_users(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    body: RawBody,
) -> Result<Json<ListUsersResponse>, RestError> {
    Ok(Json(ListUsersResponse::from(
        &super::list_users(&m, &caller, body.parse()?).await?,
    )))
}

/// `POST /v2/users/{userId}/deactivate`
#[utoipa::path(
    post,
    path = "/v2/users/{userId}/deactivate",
    tag = "User Service v2",
    summary = "DeactivateUser",
    params(("userId" = String, Path, description = "The user's id")),
    request_body = UserIdRequest,
    responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
)]
pub async fn deactivate_user(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let request: UserIdRequest = body.parse()?;
    Ok(Json(DetailsOnly::from(
        &super::change_state(&m, &caller, Some(user_id), request, StateChange::Deactivate).await?,
    )))
}

/// `POST /v2/users/{userId}/reactivate`
#[utoipa::path(
    post,
    path = "/v2/users/{userId}/reactivate",
    tag = "User Service v2",
    summary = "ReactivateUser",
    params(("userId" = String, Path, description = "The user's id")),
    request_body = UserIdRequest,
    responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
)]
pub async fn reactivate_user(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let request: UserIdRequest = body.parse()?;
    Ok(Json(DetailsOnly::from(
        &super::change_state(&m, &caller, Some(user_id), request, StateChange::Reactivate).await?,
    )))
}

/// `POST /v2/users/{userId}/lock`
#[utoipa::path(
    post,
    path = "/v2/users/{userId}/lock",
    tag = "User Service v2",
    summary = "LockUser",
    params(("userId" = String, Path, description = "The user's id")),
    request_body = UserIdRequest,
    responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
)]
pub async fn lock_user(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let request: UserIdRequest = body.parse()?;
    Ok(Json(DetailsOnly::from(
        &super::change_state(&m, &caller, Some(user_id), request, StateChange::Lock).await?,
    )))
}

/// `POST /v2/users/{userId}/unlock`
#[utoipa::path(
    post,
    path = "/v2/users/{userId}/unlock",
    tag = "User Service v2",
    summary = "UnlockUser",
    params(("userId" = String, Path, description = "The user's id")),
    request_body = UserIdRequest,
    responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
)]
pub async fn unlock_user(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let request: UserIdRequest = body.parse()?;
    Ok(Json(DetailsOnly::from(
        &super::change_state(&m, &caller, Some(user_id), request, StateChange::Unlock).await?,
    )))
}
