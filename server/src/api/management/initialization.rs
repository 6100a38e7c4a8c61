//! `POST /management/v1/users/{userId}/_resend_initialization`.

use mailroom_core::ids::UserId;
use mailroom_core::model::Details;
use mailroom_core::permissions::Caller;
use mailroom_core::target::Api;
use mailroom_core::target::OrgContext;
use mailroom_core::{Error, Mailroom};
use serde::{Deserialize, Serialize};

use crate::api::body::email_field;
use crate::api::dto::DetailsOnly;
use crate::api::rest_op::rest_op;

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResendInitializationRequest {
    #[schema(value_type = Option<crate::api::schema::EmailAddress>)]
    pub email: Option<String>,
}

rest_op!(post "/management/v1/users/{userId}/_resend_initialization", "Management API v1", "Send a new initialization mail (deprecated in ZITADEL, supported here)",
    resend_initialization(user: user, org: org, body: body) (ResendInitializationRequest) -> DetailsOnly =
    |m, caller| DetailsOnly::from(&resend_human_initialization(&m, &caller, org, &user, body.parse()?).await?));

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
