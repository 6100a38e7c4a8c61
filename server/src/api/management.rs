//! Management API v1 (REST, org context from `x-zitadel-orgid`), SPEC §3.1.

use axum::extract::{Path, State};
use axum::Json;
use mailroom_core::Mailroom;
use serde::Serialize;

use super::auth::{OrgHeader, RestCaller};
use super::dto::{is_false, DetailsDto};
use super::error::RestError;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetEmailResponse {
    pub details: DetailsDto,
    pub email: EmailDto,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailDto {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(skip_serializing_if = "is_false")]
    pub is_email_verified: bool,
}

/// `GET /management/v1/users/{userId}/email`
pub async fn get_email(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    Path(user_id): Path<String>,
) -> Result<Json<GetEmailResponse>, RestError> {
    let view = mailroom
        .get_email_v1(&caller, org.as_deref(), &user_id)
        .await?;
    Ok(Json(GetEmailResponse {
        details: DetailsDto::from(&view.details),
        email: EmailDto {
            email: view.email,
            is_email_verified: view.is_verified,
        },
    }))
}
