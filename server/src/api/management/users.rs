//! `POST /management/v1/users/human` and `…/users/machine`.

use mailroom_core::add_user::{Created, NewHuman};
use mailroom_core::permissions::Caller;
use mailroom_core::target::Api;
use mailroom_core::target::OrgContext;
use mailroom_core::Error;
use mailroom_core::Mailroom;
use serde::{Deserialize, Serialize};

use crate::api::body::{check_len, check_max, email_field};
use crate::api::dto::DetailsDto;
use crate::api::rest_op::rest_op;

use super::v1_verification;

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddHumanRequest {
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub user_name: Option<String>,
    #[schema(required = true)]
    pub profile: ProfileV1,
    #[schema(required = true)]
    pub email: EmailV1,
    #[schema(value_type = Option<crate::api::schema::Password>)]
    pub initial_password: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ProfileV1 {
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub first_name: String,
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub last_name: String,
    #[schema(value_type = crate::api::schema::OptionalName)]
    pub nick_name: String,
    #[schema(value_type = crate::api::schema::OptionalName)]
    pub display_name: String,
    #[schema(value_type = crate::api::schema::Language)]
    pub preferred_language: String,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct EmailV1 {
    #[schema(value_type = crate::api::schema::EmailAddress, required = true)]
    pub email: Option<String>,
    pub is_email_verified: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedUser {
    pub user_id: String,
    pub details: DetailsDto,
}

rest_op!(post "/management/v1/users/human", "Management API v1", "Create a human user",
    add_human(org: org, body: body) (AddHumanRequest) -> CreatedUser =
    |m, caller| CreatedUser::from(&add_human_user(&m, &caller, org, body.parse()?).await?));

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
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub user_name: String,
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub name: String,
    #[schema(value_type = crate::api::schema::Description)]
    pub description: String,
}

rest_op!(post "/management/v1/users/machine", "Management API v1", "Create a machine user",
    add_machine(org: org, body: body) (AddMachineRequest) -> CreatedUser =
    |m, caller| CreatedUser::from(&add_machine_user(&m, &caller, org, body.parse()?).await?));

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
