//! AddHumanUser.

use mailroom_core::add_user::{Created, NewHuman};
use mailroom_core::ids::{OrgId, UserId};
use mailroom_core::permissions::Caller;
use mailroom_core::target::Api;
use mailroom_core::{Code, Error, Mailroom};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::*;
use crate::api::body::{check_len, check_max, email_field};
use crate::api::dto::DetailsDto;

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddHumanUserRequest {
    #[schema(value_type = Option<crate::api::schema::OptionalId>)]
    pub user_id: Option<String>,
    #[schema(value_type = Option<crate::api::schema::OptionalName>)]
    pub username: Option<String>,
    pub organization: Option<OrganizationRef>,
    #[schema(required = true)]
    pub profile: ProfileV2,
    #[schema(required = true)]
    pub email: EmailV2,
    pub password: Option<PasswordV2>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OrganizationRef {
    #[schema(value_type = Option<crate::api::schema::OptionalId>)]
    pub org_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ProfileV2 {
    #[serde(skip_serializing_if = "String::is_empty")]
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub given_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub family_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[schema(value_type = crate::api::schema::OptionalName)]
    pub nick_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[schema(value_type = crate::api::schema::OptionalName)]
    pub display_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[schema(value_type = crate::api::schema::Language)]
    pub preferred_language: String,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct EmailV2 {
    #[schema(value_type = crate::api::schema::EmailAddress, required = true)]
    pub email: Option<String>,
    pub send_code: Option<SendCode>,
    #[schema(value_type = Option<Object>)]
    pub return_code: Option<Value>,
    #[schema(value_type = Option<crate::api::schema::OnlyTrue>)]
    pub is_verified: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PasswordV2 {
    #[schema(value_type = crate::api::schema::Password, required = true)]
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddHumanUserResponse {
    pub user_id: String,
    pub details: DetailsDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_code: Option<String>,
}

pub async fn add_human_user(
    m: &Mailroom,
    caller: &Caller,
    r: AddHumanUserRequest,
) -> Result<Created, Error> {
    const MESSAGE: &str = "AddHumanUserRequest";
    let user_id = match r.user_id.filter(|id| !id.is_empty()) {
        Some(id) => Some(UserId::parse(&id).ok_or_else(|| {
            Error::plain(
                Code::InvalidArgument,
                format!("invalid {MESSAGE}.UserId: must be a decimal id"),
            )
        })?),
        None => None,
    };
    check_len(
        "SetHumanProfile",
        "GivenName",
        &r.profile.given_name,
        1,
        200,
    )?;
    check_len(
        "SetHumanProfile",
        "FamilyName",
        &r.profile.family_name,
        1,
        200,
    )?;
    check_max("SetHumanProfile", "NickName", &r.profile.nick_name, 200)?;
    check_max(
        "SetHumanProfile",
        "DisplayName",
        &r.profile.display_name,
        200,
    )?;
    check_max(
        "SetHumanProfile",
        "PreferredLanguage",
        &r.profile.preferred_language,
        10,
    )?;
    let email = email_field("SetHumanEmail", "Email", r.email.email.as_deref())?;
    let mode = set_email_mode(
        "SetHumanEmail",
        r.email.send_code,
        r.email.return_code,
        r.email.is_verified,
    )?;
    let username = r
        .username
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| email.as_str().to_owned());
    check_len(MESSAGE, "Username", &username, 1, 200)?;
    let org = match r
        .organization
        .and_then(|o| o.org_id)
        .filter(|o| !o.is_empty())
    {
        Some(org) => Some(
            OrgId::parse(&org)
                .ok_or_else(|| Error::not_found("COMMAND-4n8Ds", "Organisation not found"))?,
        ),
        None => None,
    };
    let human = NewHuman {
        user_id,
        org,
        username,
        given_name: r.profile.given_name,
        family_name: r.profile.family_name,
        nick_name: r.profile.nick_name,
        display_name: r.profile.display_name,
        preferred_language: r.profile.preferred_language,
        email,
        // A `password` message is a password: an empty one is refused, not ignored.
        password: r.password.map(|p| p.password),
    };
    m.add_human(caller, Api::V2, human, mode).await
}

impl From<Created> for AddHumanUserResponse {
    fn from(created: Created) -> Self {
        AddHumanUserResponse {
            user_id: created.user_id.to_string(),
            details: DetailsDto::from(&created.details),
            email_code: created.code.map(|c| c.as_str().to_owned()),
        }
    }
}
