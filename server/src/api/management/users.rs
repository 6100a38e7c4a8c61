//! `POST /management/v1/users/human` and `…/users/machine`.

use axum::extract::State;
use axum::Json;
use mailroom_core::add_user::{Created, NewHuman};
use mailroom_core::permissions::Caller;
use mailroom_core::target::Api;
use mailroom_core::target::OrgContext;
use mailroom_core::Error;
use mailroom_core::Mailroom;
use serde::{Deserialize, Serialize};

use crate::api::auth::{OrgHeader, RestCaller};
use crate::api::body::{check_len, check_max, email_field, RawBody};
use crate::api::dto::DetailsDto;
use crate::api::error::RestError;

use super::v1_verification;

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddHumanRequest {
    #[serde(alias = "user_name")]
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub user_name: Option<String>,
    #[schema(required = true)]
    pub profile: ProfileV1,
    #[schema(required = true)]
    pub email: EmailV1,
    #[serde(alias = "initial_password")]
    #[schema(value_type = Option<crate::api::schema::Password>)]
    pub initial_password: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ProfileV1 {
    #[serde(alias = "first_name")]
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub first_name: String,
    #[serde(alias = "last_name")]
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub last_name: String,
    #[serde(alias = "nick_name")]
    #[schema(value_type = crate::api::schema::OptionalName)]
    pub nick_name: String,
    #[serde(alias = "display_name")]
    #[schema(value_type = crate::api::schema::OptionalName)]
    pub display_name: String,
    #[serde(alias = "preferred_language")]
    #[schema(value_type = crate::api::schema::Language)]
    pub preferred_language: String,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct EmailV1 {
    #[schema(value_type = crate::api::schema::EmailAddress, required = true)]
    pub email: Option<String>,
    #[serde(alias = "is_email_verified")]
    pub is_email_verified: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedUser {
    pub user_id: String,
    pub details: DetailsDto,
}

/// `POST /management/v1/users/human`
#[utoipa::path(
    post,
    path = "/management/v1/users/human",
    tag = "Management API v1",
    summary = "Create a human user",
    params(("x-zitadel-orgid" = Option<String>, Header, description = "The org to act in; default: the caller's own")),
    request_body = AddHumanRequest,
    responses((status = 200, body = CreatedUser), crate::api::error::StandardErrors)
)]
pub async fn add_human(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    body: RawBody,
) -> Result<Json<CreatedUser>, RestError> {
    let created = add_human_user(&mailroom, &caller, org, body.parse()?).await?;
    Ok(Json(CreatedUser::from(&created)))
}

/// v1 `AddHumanUser`
pub async fn add_human_user(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    request: AddHumanRequest,
) -> Result<Created, Error> {
    const MESSAGE: &str = "AddHumanUserRequest";
    let username = request.user_name.unwrap_or_default();
    check_len(MESSAGE, "UserName", &username, 1, 200)?;
    check_len(
        "AddHumanUserRequest_Profile",
        "FirstName",
        &request.profile.first_name,
        1,
        200,
    )?;
    check_len(
        "AddHumanUserRequest_Profile",
        "LastName",
        &request.profile.last_name,
        1,
        200,
    )?;
    check_max(
        "AddHumanUserRequest_Profile",
        "NickName",
        &request.profile.nick_name,
        200,
    )?;
    check_max(
        "AddHumanUserRequest_Profile",
        "DisplayName",
        &request.profile.display_name,
        200,
    )?;
    check_max(
        "AddHumanUserRequest_Profile",
        "PreferredLanguage",
        &request.profile.preferred_language,
        10,
    )?;
    let email = email_field(
        "AddHumanUserRequest_Email",
        "Email",
        request.email.email.as_deref(),
    )?;
    let password = request.initial_password.filter(|p| !p.is_empty());
    let human = NewHuman {
        user_id: None,
        org: None,
        username,
        given_name: request.profile.first_name,
        family_name: request.profile.last_name,
        nick_name: request.profile.nick_name,
        display_name: request.profile.display_name,
        preferred_language: request.profile.preferred_language,
        email,
        password,
    };
    m.add_human(
        caller,
        Api::V1(org),
        human,
        v1_verification(request.email.is_email_verified),
    )
    .await
}

impl From<&Created> for CreatedUser {
    fn from(created: &Created) -> Self {
        CreatedUser {
            user_id: created.user_id.to_string(),
            details: DetailsDto::from(&created.details),
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddMachineRequest {
    #[serde(alias = "user_name")]
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub user_name: String,
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub name: String,
    #[schema(value_type = crate::api::schema::Description)]
    pub description: String,
}

/// `POST /management/v1/users/machine`
#[utoipa::path(
    post,
    path = "/management/v1/users/machine",
    tag = "Management API v1",
    summary = "Create a machine user",
    params(("x-zitadel-orgid" = Option<String>, Header, description = "The org to act in; default: the caller's own")),
    request_body = AddMachineRequest,
    responses((status = 200, body = CreatedUser), crate::api::error::StandardErrors)
)]
pub async fn add_machine(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    body: RawBody,
) -> Result<Json<CreatedUser>, RestError> {
    let created = add_machine_user(&mailroom, &caller, org, body.parse()?).await?;
    Ok(Json(CreatedUser::from(&created)))
}

/// `AddMachineUser`
pub async fn add_machine_user(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    request: AddMachineRequest,
) -> Result<Created, Error> {
    check_len(
        "AddMachineUserRequest",
        "UserName",
        &request.user_name,
        1,
        200,
    )?;
    check_len("AddMachineUserRequest", "Name", &request.name, 1, 200)?;
    check_max(
        "AddMachineUserRequest",
        "Description",
        &request.description,
        500,
    )?;
    m.add_machine(
        caller,
        org,
        &request.user_name,
        &request.name,
        &request.description,
    )
    .await
}
