//! `GET`/`PUT /management/v1/users/{userId}/email`, `…/email/_resend_verification`.

use axum::extract::{Path, State};
use axum::Json;
use mailroom_core::email_codes::CodeRequest;
use mailroom_core::ids::UserId;
use mailroom_core::model::Details;
use mailroom_core::permissions::Caller;
use mailroom_core::target::Api;
use mailroom_core::target::OrgContext;
use mailroom_core::users::EmailView;
use mailroom_core::verification::CodeDelivery;
use mailroom_core::{Error, Mailroom};
use serde::{Deserialize, Serialize};

use crate::api::auth::{OrgHeader, RestCaller};
use crate::api::body::{email_field, RawBody};
use crate::api::dto::{is_false, DetailsDto, DetailsOnly};
use crate::api::error::RestError;

use super::v1_verification;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetEmailResponse {
    pub details: DetailsDto,
    pub email: EmailDto,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailDto {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(skip_serializing_if = "is_false")]
    pub is_email_verified: bool,
}

/// `GET /management/v1/users/{userId}/email`
#[utoipa::path(
    get,
    path = "/management/v1/users/{userId}/email",
    tag = "Management API v1",
    summary = "Get a user's email address and whether it is verified",
    params(("userId" = String, Path, description = "The user's id"), ("x-zitadel-orgid" = Option<String>, Header, description = "The org to act in; default: the caller's own")),
    responses((status = 200, body = GetEmailResponse), crate::api::error::StandardErrors)
)]
pub async fn get_email(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    Path(user_id): Path<String>,
) -> Result<Json<GetEmailResponse>, RestError> {
    let view = get_human_email(&mailroom, &caller, org, &user_id).await?;
    Ok(Json(GetEmailResponse::from(&view)))
}

/// `GetHumanEmail`: the REST path and gRPC call this.
pub async fn get_human_email(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    user_id: &str,
) -> Result<EmailView, Error> {
    m.email_of(caller, org, UserId::parse_or_nobody(user_id))
        .await
}

impl From<&EmailView> for GetEmailResponse {
    fn from(view: &EmailView) -> Self {
        GetEmailResponse {
            details: DetailsDto::from(&view.details),
            email: EmailDto {
                email: view.email.clone(),
                is_email_verified: view.is_verified,
            },
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct UpdateEmailRequest {
    #[schema(value_type = crate::api::schema::EmailAddress, required = true)]
    pub email: Option<String>,
    #[serde(alias = "is_email_verified")]
    pub is_email_verified: Option<bool>,
}

/// `PUT /management/v1/users/{userId}/email`
#[utoipa::path(
    put,
    path = "/management/v1/users/{userId}/email",
    tag = "Management API v1",
    summary = "Change a user's email address",
    params(("userId" = String, Path, description = "The user's id"), ("x-zitadel-orgid" = Option<String>, Header, description = "The org to act in; default: the caller's own")),
    request_body = UpdateEmailRequest,
    responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
)]
pub async fn update_email(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let details = update_human_email(&mailroom, &caller, org, &user_id, body.parse()?).await?;
    Ok(Json(DetailsOnly::from(&details)))
}

/// `UpdateHumanEmail`
pub async fn update_human_email(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    user_id: &str,
    request: UpdateEmailRequest,
) -> Result<Details, Error> {
    let email = email_field("UpdateHumanEmailRequest", "Email", request.email.as_deref())?;
    let write = m
        .change_email(
            caller,
            Api::V1(org),
            UserId::parse_or_nobody(user_id),
            &email,
            &v1_verification(request.is_email_verified.unwrap_or(false)),
        )
        .await?;
    Ok(write.details)
}

/// `POST /management/v1/users/{userId}/email/_resend_verification`
#[utoipa::path(
    post,
    path = "/management/v1/users/{userId}/email/_resend_verification",
    tag = "Management API v1",
    summary = "Send a new verification code",
    params(("userId" = String, Path, description = "The user's id"), ("x-zitadel-orgid" = Option<String>, Header, description = "The org to act in; default: the caller's own")),
    responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
)]
pub async fn resend_email_verification(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let _: serde_json::Value = body.parse()?;
    let details = resend_human_email_verification(&mailroom, &caller, org, &user_id).await?;
    Ok(Json(DetailsOnly::from(&details)))
}

/// `ResendHumanEmailVerification`
pub async fn resend_human_email_verification(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    user_id: &str,
) -> Result<Details, Error> {
    let write = m
        .send_email_code(
            caller,
            Api::V1(org),
            UserId::parse_or_nobody(user_id),
            &CodeRequest::Again(CodeDelivery::Mail { url_template: None }),
        )
        .await?;
    Ok(write.details)
}
