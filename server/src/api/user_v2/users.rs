//! GetUserByID and ListUsers.

use mailroom_core::ids::OrgId;
use mailroom_core::model::{User, UserKind, UserState};
use mailroom_core::permissions::Caller;
use mailroom_core::users::{ListUsersV2, TextMatch, UserPage};
use mailroom_core::{Error, Mailroom};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::*;
use crate::api::dto::{is_false, DetailsDto};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDto {
    pub user_id: String,
    pub details: DetailsDto,
    #[schema(value_type = String)]
    pub state: &'static str,
    pub username: String,
    pub login_names: Vec<String>,
    pub preferred_login_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub human: Option<HumanDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine: Option<MachineDto>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HumanDto {
    pub profile: ProfileV2,
    pub email: HumanEmailDto,
    #[schema(value_type = Object)]
    pub phone: Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HumanEmailDto {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(skip_serializing_if = "is_false")]
    pub is_verified: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MachineDto {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
}

pub fn user_dto(user: &User) -> UserDto {
    let details = mailroom_core::model::Details::of_read(user);
    let (human, machine) = match &user.kind {
        UserKind::Human(h) => (
            Some(HumanDto {
                profile: ProfileV2 {
                    given_name: h.given_name.clone(),
                    family_name: h.family_name.clone(),
                    nick_name: h.nick_name.clone(),
                    display_name: h.display_name.clone(),
                    preferred_language: h.preferred_language.clone(),
                },
                email: HumanEmailDto {
                    email: h.email.to_string(),
                    is_verified: h.email_verified,
                },
                phone: serde_json::json!({}),
            }),
            None,
        ),
        UserKind::Machine(machine) => (
            None,
            Some(MachineDto {
                name: machine.name.clone(),
                description: machine.description.clone(),
            }),
        ),
    };
    UserDto {
        user_id: user.id.to_string(),
        details: DetailsDto::from(&details),
        state: user.state.api_name(),
        username: user.username.clone(),
        login_names: vec![user.username.clone()],
        preferred_login_name: user.username.clone(),
        human,
        machine,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GetUserResponse {
    pub details: DetailsDto,
    pub user: UserDto,
}

pub async fn get_user(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: UserIdRequest,
) -> Result<User, Error> {
    let user_id = user_id_field("GetUserByIDRequest", path_user, r.user_id)?;
    m.user_by_id(caller, user_id).await
}

impl From<&User> for GetUserResponse {
    fn from(user: &User) -> Self {
        GetUserResponse {
            details: DetailsDto::from(&mailroom_core::model::Details::of_read(user)),
            user: user_dto(user),
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ListUsersRequest {
    pub query: ListQuery,
    pub queries: Vec<SearchQuery>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SearchQuery {
    pub email_query: Option<TextQuery>,
    pub user_name_query: Option<TextQuery>,
    pub organization_id_query: Option<OrgQuery>,
    pub state_query: Option<StateQuery>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TextQuery {
    pub email_address: Option<String>,
    pub user_name: Option<String>,
    #[schema(value_type = Option<crate::api::schema::TextQueryMethod>)]
    pub method: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OrgQuery {
    pub organization_id: String,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StateQuery {
    #[schema(value_type = crate::api::schema::UserStateName, required = true)]
    pub state: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListDetails {
    pub total_result: String,
    pub timestamp: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListUsersResponse {
    pub details: ListDetails,
    #[schema(value_type = String)]
    pub sorting_column: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub result: Vec<UserDto>,
}

fn text_method(method: Option<&str>) -> Result<(TextMatch, bool), Error> {
    Ok(match method.unwrap_or("TEXT_QUERY_METHOD_EQUALS") {
        "TEXT_QUERY_METHOD_EQUALS" => (TextMatch::Equals, false),
        "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE" => (TextMatch::Equals, true),
        "TEXT_QUERY_METHOD_STARTS_WITH" => (TextMatch::StartsWith, false),
        "TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE" => (TextMatch::StartsWith, true),
        "TEXT_QUERY_METHOD_CONTAINS" => (TextMatch::Contains, false),
        "TEXT_QUERY_METHOD_CONTAINS_IGNORE_CASE" => (TextMatch::Contains, true),
        "TEXT_QUERY_METHOD_ENDS_WITH" => (TextMatch::EndsWith, false),
        "TEXT_QUERY_METHOD_ENDS_WITH_IGNORE_CASE" => (TextMatch::EndsWith, true),
        _ => return Err(unknown_enum("TextQuery.Method")),
    })
}

/// protobuf JSON refuses an enum name it does not know.
fn unknown_enum(field: &str) -> Error {
    Error::plain(
        Code::InvalidArgument,
        format!("invalid ListUsersRequest.Queries.{field}: unknown enum value"),
    )
}

pub async fn list_users(
    m: &Mailroom,
    caller: &Caller,
    r: ListUsersRequest,
) -> Result<UserPage, Error> {
    let mut query = ListUsersV2 {
        offset: uint_field(&r.query.offset)?,
        limit: uint_field(&r.query.limit)?,
        ..ListUsersV2::default()
    };
    for q in r.queries {
        if let Some(t) = q.email_query {
            let (how, ignore_case) = text_method(t.method.as_deref())?;
            query.email = Some((t.email_address.unwrap_or_default(), how, ignore_case));
        }
        if let Some(t) = q.user_name_query {
            let (how, ignore_case) = text_method(t.method.as_deref())?;
            query.username = Some((t.user_name.unwrap_or_default(), how, ignore_case));
        }
        if let Some(o) = q.organization_id_query {
            // An unknown id matches nothing rather than everything.
            query.org = Some(OrgId::parse(&o.organization_id).unwrap_or(OrgId(-1)));
        }
        if let Some(s) = q.state_query {
            query.state = match s.state.as_str() {
                "USER_STATE_UNSPECIFIED" => None,
                name => Some(
                    UserState::ALL
                        .into_iter()
                        .find(|st| st.api_name() == name)
                        .ok_or_else(|| unknown_enum("StateQuery.State"))?,
                ),
            };
        }
    }
    m.list_users(caller, &query).await
}

impl From<&UserPage> for ListUsersResponse {
    fn from(page: &UserPage) -> Self {
        ListUsersResponse {
            details: ListDetails {
                total_result: page.total.to_string(),
                timestamp: mailroom_core::clock::Timestamp::from_datetime(chrono::Utc::now())
                    .to_rfc3339(),
            },
            sorting_column: "USER_FIELD_NAME_UNSPECIFIED",
            result: page.users.iter().map(user_dto).collect(),
        }
    }
}
