//! `GET`/`PUT /management/v1/users/{userId}/email`, `…/email/_resend_verification`.

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

use crate::api::body::email_field;
use crate::api::dto::{is_false, DetailsDto, DetailsOnly};
use crate::api::rest_op::rest_op;

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

rest_op!(get "/management/v1/users/{userId}/email", "Management API v1", "Get a user's email address and whether it is verified",
    get_email(user: user, org: org) -> GetEmailResponse =
    |m, caller| GetEmailResponse::from(&get_human_email(&m, &caller, org, &user).await?));

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
    pub is_email_verified: Option<bool>,
}

rest_op!(put "/management/v1/users/{userId}/email", "Management API v1", "Change a user's email address",
    update_email(user: user, org: org, body: body) (UpdateEmailRequest) -> DetailsOnly =
    |m, caller| DetailsOnly::from(&update_human_email(&m, &caller, org, &user, body.parse()?).await?));

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

// The body is `{}` or nothing; anything else is refused like on every other path.
rest_op!(post "/management/v1/users/{userId}/email/_resend_verification", "Management API v1", "Send a new verification code",
resend_email_verification(user: user, org: org, body: body) -> DetailsOnly =
|m, caller| {
    let _: serde_json::Value = body.parse()?;
    DetailsOnly::from(&resend_human_email_verification(&m, &caller, org, &user).await?)
});

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
