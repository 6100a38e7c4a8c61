//! `POST /management/v1/users/{userId}/_resend_initialization`.

use axum::extract::{Path, State};
use axum::Json;
use mailroom_core::ids::UserId;
use mailroom_core::model::Details;
use mailroom_core::permissions::Caller;
use mailroom_core::target::Api;
use mailroom_core::target::OrgContext;
use mailroom_core::{Error, Mailroom};
use serde::{Deserialize, Serialize};

use crate::api::auth::{OrgHeader, RestCaller};
use crate::api::body::{email_field, RawBody};
use crate::api::dto::DetailsOnly;
use crate::api::error::RestError;

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResendInitializationRequest {
    #[schema(value_type = Option<crate::api::schema::EmailAddress>)]
    pub email: Option<String>,
}

/// `POST /management/v1/users/{userId}/_resend_initialization`
#[utoipa::path(
    post,
    path = "/management/v1/users/{userId}/_resend_initialization",
    tag = "Management API v1",
    summary = "Send a new initialization mail (deprecated in ZITADEL, supported here)",
    params(("userId" = String, Path, description = "The user's id"), ("x-zitadel-orgid" = Option<String>, Header, description = "The org to act in; default: the caller's own")),
    request_body = ResendInitializationRequest,
    responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
)]
pub async fn resend_initialization(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let details =
        resend_human_initialization(&mailroom, &caller, org, &user_id, body.parse()?).await?;
    Ok(Json(DetailsOnly::from(&details)))
}

/// `ResendHumanInitialization`
pub async fn resend_human_initialization(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    user_id: &str,
    request: ResendInitializationRequest,
) -> Result<Details, Error> {
    // An empty string means "no new address", as protobuf's zero value does.
    let email = match request.email.as_deref().filter(|e| !e.is_empty()) {
        Some(email) => Some(email_field(
            "ResendHumanInitializationRequest",
            "Email",
            Some(email),
        )?),
        None => None,
    };
    m.resend_initialization(
        caller,
        Api::V1(org),
        UserId::parse_or_nobody(user_id),
        email.as_ref(),
    )
    .await
}
