//! User Service v2 (SPEC §3.2): one function per method, called by the REST handlers
//! below and by the Connect adapter (`connect.rs`) alike.

use axum::extract::{Path, State};
use axum::Json;
use mailroom_core::add_user::NewHuman;
use mailroom_core::change_email::Verification;
use mailroom_core::email_codes::CodeRequest;
use mailroom_core::ids::{OrgId, UserId};
use mailroom_core::model::{User, UserKind, UserState};
use mailroom_core::permissions::Caller;
use mailroom_core::target::Api;
use mailroom_core::user_state::StateChange;
use mailroom_core::users::{ListUsersV2, TextMatch};
use mailroom_core::verification::CodeDelivery;
use mailroom_core::{Code, Error, Mailroom};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::RestCaller;
use super::body::{check_len, check_max, email_field, url_template_field, RawBody};
use super::dto::{is_false, DetailsDto, DetailsOnly};
use super::error::RestError;

// ---- requests -------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SendCode {
    #[serde(alias = "url_template")]
    pub url_template: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SetEmailRequest {
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
    pub email: Option<String>,
    #[serde(alias = "send_code")]
    pub send_code: Option<SendCode>,
    #[serde(alias = "return_code")]
    #[schema(value_type = Option<Object>)]
    pub return_code: Option<Value>,
    #[serde(alias = "is_verified")]
    pub is_verified: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct EmailCodeRequest {
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
    #[serde(alias = "send_code")]
    pub send_code: Option<SendCode>,
    #[serde(alias = "return_code")]
    #[schema(value_type = Option<Object>)]
    pub return_code: Option<Value>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct VerifyEmailRequest {
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
    #[serde(alias = "verification_code")]
    pub verification_code: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct UserIdRequest {
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
}

// ---- responses ------------------------------------------------------------------

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CodeResponse {
    pub details: DetailsDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
}

// ---- shared validation ------------------------------------------------------------

pub(crate) fn user_id_field(
    message: &str,
    path: Option<String>,
    body: Option<String>,
) -> Result<UserId, Error> {
    // The path's userId wins over the body's (SPEC §2).
    let user_id = path.or(body).unwrap_or_default();
    check_len(message, "UserId", &user_id, 1, 200)?;
    // Text that is no id names nobody: answered like an unknown user.
    Ok(UserId::parse_or_nobody(&user_id))
}

fn oneof_error(message: &str, fields: &str) -> Error {
    Error::plain(
        Code::InvalidArgument,
        format!("invalid {message}: at most one of {fields} may be set"),
    )
}

/// `sendCode` | `returnCode` | neither (= send with the default link).
fn code_delivery(
    message: &str,
    send_code: Option<SendCode>,
    return_code: Option<Value>,
) -> Result<CodeDelivery, Error> {
    match (send_code, return_code) {
        (Some(_), Some(_)) => Err(oneof_error(message, "sendCode, returnCode")),
        (None, Some(_)) => Ok(CodeDelivery::Return),
        (Some(send), None) => Ok(CodeDelivery::Mail {
            url_template: url_template_field(message, "SendCode", send.url_template.as_deref())?,
        }),
        (None, None) => Ok(CodeDelivery::Mail { url_template: None }),
    }
}

fn set_email_mode(
    message: &str,
    send_code: Option<SendCode>,
    return_code: Option<Value>,
    is_verified: Option<bool>,
) -> Result<Verification, Error> {
    match is_verified {
        None => Ok(Verification::Code(code_delivery(
            message,
            send_code,
            return_code,
        )?)),
        Some(_) if send_code.is_some() || return_code.is_some() => {
            Err(oneof_error(message, "sendCode, returnCode, isVerified"))
        }
        Some(true) => Ok(Verification::Verified),
        Some(false) => Err(Error::plain(
            Code::InvalidArgument,
            format!("invalid {message}.IsVerified: value must equal true"),
        )),
    }
}

fn code_response(write: mailroom_core::change_email::CodeWrite) -> CodeResponse {
    CodeResponse {
        details: DetailsDto::from(&write.details),
        verification_code: write.code.map(|c| c.as_str().to_owned()),
    }
}

// ---- methods ----------------------------------------------------------------------

pub async fn set_email(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: SetEmailRequest,
) -> Result<CodeResponse, Error> {
    const MESSAGE: &str = "SetEmailRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let email = email_field(MESSAGE, "Email", r.email.as_deref())?;
    let mode = set_email_mode(MESSAGE, r.send_code, r.return_code, r.is_verified)?;
    Ok(code_response(
        m.change_email(caller, Api::V2, user_id, &email, &mode)
            .await?,
    ))
}

pub async fn send_email_code(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: EmailCodeRequest,
) -> Result<CodeResponse, Error> {
    const MESSAGE: &str = "SendEmailCodeRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let delivery = code_delivery(MESSAGE, r.send_code, r.return_code)?;
    Ok(code_response(
        m.send_email_code(caller, Api::V2, user_id, &CodeRequest::New(delivery))
            .await?,
    ))
}

pub async fn resend_email_code(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: EmailCodeRequest,
) -> Result<CodeResponse, Error> {
    const MESSAGE: &str = "ResendEmailCodeRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let delivery = code_delivery(MESSAGE, r.send_code, r.return_code)?;
    Ok(code_response(
        m.send_email_code(caller, Api::V2, user_id, &CodeRequest::Again(delivery))
            .await?,
    ))
}

pub async fn verify_email(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: VerifyEmailRequest,
) -> Result<DetailsOnly, Error> {
    const MESSAGE: &str = "VerifyEmailRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let code = r.verification_code.unwrap_or_default();
    check_len(MESSAGE, "VerificationCode", &code, 1, 20)?;
    let details = m.verify_email(caller, user_id, &code).await?;
    Ok(DetailsOnly::from(&details))
}

// AddHumanUser ----------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddHumanUserRequest {
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub organization: Option<OrganizationRef>,
    pub profile: ProfileV2,
    pub email: EmailV2,
    pub password: Option<PasswordV2>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OrganizationRef {
    #[serde(alias = "org_id")]
    pub org_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ProfileV2 {
    #[serde(alias = "given_name", skip_serializing_if = "String::is_empty")]
    pub given_name: String,
    #[serde(alias = "family_name", skip_serializing_if = "String::is_empty")]
    pub family_name: String,
    #[serde(alias = "nick_name", skip_serializing_if = "String::is_empty")]
    pub nick_name: String,
    #[serde(alias = "display_name", skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    #[serde(alias = "preferred_language", skip_serializing_if = "String::is_empty")]
    pub preferred_language: String,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct EmailV2 {
    pub email: Option<String>,
    #[serde(alias = "send_code")]
    pub send_code: Option<SendCode>,
    #[serde(alias = "return_code")]
    #[schema(value_type = Option<Object>)]
    pub return_code: Option<Value>,
    #[serde(alias = "is_verified")]
    pub is_verified: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PasswordV2 {
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
) -> Result<AddHumanUserResponse, Error> {
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
        password: r.password.map(|p| p.password).filter(|p| !p.is_empty()),
    };
    let created = m.add_human(caller, Api::V2, human, mode).await?;
    Ok(AddHumanUserResponse {
        user_id: created.user_id.to_string(),
        details: DetailsDto::from(&created.details),
        email_code: created.code.map(|c| c.as_str().to_owned()),
    })
}

// GetUserByID / ListUsers ------------------------------------------------------------

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
) -> Result<GetUserResponse, Error> {
    let user_id = user_id_field("GetUserByIDRequest", path_user, r.user_id)?;
    let user = m.user_by_id(caller, user_id).await?;
    let details = mailroom_core::model::Details::of_read(&user);
    Ok(GetUserResponse {
        details: DetailsDto::from(&details),
        user: user_dto(&user),
    })
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ListUsersRequest {
    pub query: ListQuery,
    pub queries: Vec<SearchQuery>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ListQuery {
    /// uint64 in protobuf JSON: a number or a string.
    #[schema(value_type = Option<Object>)]
    pub offset: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub limit: Option<Value>,
    pub asc: bool,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SearchQuery {
    #[serde(alias = "email_query")]
    pub email_query: Option<TextQuery>,
    #[serde(alias = "user_name_query")]
    pub user_name_query: Option<TextQuery>,
    #[serde(alias = "organization_id_query")]
    pub organization_id_query: Option<OrgQuery>,
    #[serde(alias = "state_query")]
    pub state_query: Option<StateQuery>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TextQuery {
    #[serde(alias = "email_address")]
    pub email_address: Option<String>,
    #[serde(alias = "user_name")]
    pub user_name: Option<String>,
    pub method: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OrgQuery {
    #[serde(alias = "organization_id")]
    pub organization_id: String,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StateQuery {
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

pub(crate) fn uint_field(value: &Option<Value>) -> Result<u64, Error> {
    match value {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
            Error::plain(
                Code::InvalidArgument,
                "invalid ListQuery: not an unsigned integer",
            )
        }),
        Some(Value::String(s)) => s.parse().map_err(|_| {
            Error::plain(
                Code::InvalidArgument,
                "invalid ListQuery: not an unsigned integer",
            )
        }),
        Some(_) => Err(Error::plain(
            Code::InvalidArgument,
            "invalid ListQuery: not an unsigned integer",
        )),
    }
}

fn text_method(method: Option<&str>) -> (TextMatch, bool) {
    match method.unwrap_or("TEXT_QUERY_METHOD_EQUALS") {
        "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE" => (TextMatch::Equals, true),
        "TEXT_QUERY_METHOD_STARTS_WITH" => (TextMatch::StartsWith, false),
        "TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE" => (TextMatch::StartsWith, true),
        "TEXT_QUERY_METHOD_CONTAINS" => (TextMatch::Contains, false),
        "TEXT_QUERY_METHOD_CONTAINS_IGNORE_CASE" => (TextMatch::Contains, true),
        "TEXT_QUERY_METHOD_ENDS_WITH" => (TextMatch::EndsWith, false),
        "TEXT_QUERY_METHOD_ENDS_WITH_IGNORE_CASE" => (TextMatch::EndsWith, true),
        _ => (TextMatch::Equals, false),
    }
}

pub async fn list_users(
    m: &Mailroom,
    caller: &Caller,
    r: ListUsersRequest,
) -> Result<ListUsersResponse, Error> {
    let mut query = ListUsersV2 {
        offset: uint_field(&r.query.offset)?,
        limit: uint_field(&r.query.limit)?,
        ..ListUsersV2::default()
    };
    for q in r.queries {
        if let Some(t) = q.email_query {
            let (how, ignore_case) = text_method(t.method.as_deref());
            query.email = Some((t.email_address.unwrap_or_default(), how, ignore_case));
        }
        if let Some(t) = q.user_name_query {
            let (how, ignore_case) = text_method(t.method.as_deref());
            query.username = Some((t.user_name.unwrap_or_default(), how, ignore_case));
        }
        if let Some(o) = q.organization_id_query {
            // An unknown id matches nothing rather than everything.
            query.org = Some(OrgId::parse(&o.organization_id).unwrap_or(OrgId(-1)));
        }
        if let Some(s) = q.state_query {
            query.state = UserState::ALL
                .into_iter()
                .find(|st| st.api_name() == s.state);
        }
    }
    let page = m.list_users(caller, &query).await?;
    Ok(ListUsersResponse {
        details: ListDetails {
            total_result: page.total.to_string(),
            timestamp: mailroom_core::clock::Timestamp::from_datetime(chrono::Utc::now())
                .to_rfc3339(),
        },
        sorting_column: "USER_FIELD_NAME_UNSPECIFIED",
        result: page.users.iter().map(user_dto).collect(),
    })
}

pub async fn delete_user(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: UserIdRequest,
) -> Result<DetailsOnly, Error> {
    let user_id = user_id_field("DeleteUserRequest", path_user, r.user_id)?;
    Ok(DetailsOnly::from(&m.delete_user(caller, user_id).await?))
}

pub async fn change_state(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: UserIdRequest,
    to: StateChange,
) -> Result<DetailsOnly, Error> {
    let message = match to {
        StateChange::Deactivate => "DeactivateUserRequest",
        StateChange::Reactivate => "ReactivateUserRequest",
        StateChange::Lock => "LockUserRequest",
        StateChange::Unlock => "UnlockUserRequest",
    };
    let user_id = user_id_field(message, path_user, r.user_id)?;
    Ok(DetailsOnly::from(
        &m.change_user_state(caller, user_id, to).await?,
    ))
}

// ---- REST handlers ----------------------------------------------------------------

/// Declares a REST handler `POST …/{userId}/…` that parses the body and calls a method.
macro_rules! rest_with_user {
    ($(#[$doc:meta])* $name:ident, $method:path, $request:ty, $response:ty) => {
        $(#[$doc])*
        pub async fn $name(
            State(m): State<Mailroom>,
            RestCaller(caller): RestCaller,
            Path(user_id): Path<String>,
            body: RawBody,
        ) -> Result<Json<$response>, RestError> {
            let request: $request = body.parse()?;
            Ok(Json($method(&m, &caller, Some(user_id), request).await?))
        }
    };
}

pub mod rest {
    use super::*;

    rest_with_user!(
        #[utoipa::path(
            post,
            path = "/v2/users/{userId}/email",
            tag = "User Service v2",
            summary = "SetEmail: change the address and send, return or skip a code",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = SetEmailRequest,
            responses((status = 200, body = CodeResponse), super::super::error::StandardErrors)
        )]
        set_email,
        super::set_email,
        SetEmailRequest,
        CodeResponse
    );
    rest_with_user!(
        #[utoipa::path(
            post,
            path = "/v2/users/{userId}/email/send",
            tag = "User Service v2",
            summary = "SendEmailCode: a new code, even for a verified address",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = EmailCodeRequest,
            responses((status = 200, body = CodeResponse), super::super::error::StandardErrors)
        )]
        send_email_code,
        super::send_email_code,
        EmailCodeRequest,
        CodeResponse
    );
    rest_with_user!(
        #[utoipa::path(
            post,
            path = "/v2/users/{userId}/email/resend",
            tag = "User Service v2",
            summary = "ResendEmailCode: a new code when one was issued before",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = EmailCodeRequest,
            responses((status = 200, body = CodeResponse), super::super::error::StandardErrors)
        )]
        resend_email_code,
        super::resend_email_code,
        EmailCodeRequest,
        CodeResponse
    );
    rest_with_user!(
        #[utoipa::path(
            post,
            path = "/v2/users/{userId}/email/verify",
            tag = "User Service v2",
            summary = "VerifyEmail: check a code and mark the address verified",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = VerifyEmailRequest,
            responses((status = 200, body = DetailsOnly), super::super::error::StandardErrors)
        )]
        verify_email,
        super::verify_email,
        VerifyEmailRequest,
        DetailsOnly
    );
    rest_with_user!(
        #[utoipa::path(
            delete,
            path = "/v2/users/{userId}",
            tag = "User Service v2",
            summary = "DeleteUser",
            params(("userId" = String, Path, description = "The user's id")),
        request_body = UserIdRequest,
            responses((status = 200, body = DetailsOnly), super::super::error::StandardErrors)
        )]
        delete_user,
        super::delete_user,
        UserIdRequest,
        DetailsOnly
    );

    #[utoipa::path(
        get,
        path = "/v2/users/{userId}",
        tag = "User Service v2",
        summary = "GetUserByID",
        params(("userId" = String, Path, description = "The user's id")),
        responses((status = 200, body = GetUserResponse), super::super::error::StandardErrors)
    )]
    pub async fn get_user(
        State(m): State<Mailroom>,
        RestCaller(caller): RestCaller,
        Path(user_id): Path<String>,
    ) -> Result<Json<GetUserResponse>, RestError> {
        Ok(Json(
            super::get_user(&m, &caller, Some(user_id), UserIdRequest::default()).await?,
        ))
    }

    #[utoipa::path(
        post,
        path = "/v2/users/human",
        tag = "User Service v2",
        summary = "AddHumanUser",
        request_body = AddHumanUserRequest,
        responses((status = 200, body = AddHumanUserResponse), super::super::error::StandardErrors)
    )]
    pub async fn add_human_user(
        State(m): State<Mailroom>,
        RestCaller(caller): RestCaller,
        body: RawBody,
    ) -> Result<Json<AddHumanUserResponse>, RestError> {
        Ok(Json(
            super::add_human_user(&m, &caller, body.parse()?).await?,
        ))
    }

    #[utoipa::path(
        post,
        path = "/v2/users",
        tag = "User Service v2",
        summary = "ListUsers",
        request_body = ListUsersRequest,
        responses((status = 200, body = ListUsersResponse), super::super::error::StandardErrors)
    )]
    pub async fn list_users(
        State(m): State<Mailroom>,
        RestCaller(caller): RestCaller,
        body: RawBody,
    ) -> Result<Json<ListUsersResponse>, RestError> {
        Ok(Json(super::list_users(&m, &caller, body.parse()?).await?))
    }

    macro_rules! state_handler {
        ($(#[$doc:meta])* $name:ident, $to:expr) => {
            $(#[$doc])*
            pub async fn $name(
                State(m): State<Mailroom>,
                RestCaller(caller): RestCaller,
                Path(user_id): Path<String>,
                body: RawBody,
            ) -> Result<Json<DetailsOnly>, RestError> {
                let request: UserIdRequest = body.parse()?;
                Ok(Json(
                    change_state(&m, &caller, Some(user_id), request, $to).await?,
                ))
            }
        };
    }

    state_handler!(
        #[utoipa::path(
    post,
    path = "/v2/users/{userId}/deactivate",
    tag = "User Service v2",
    summary = "DeactivateUser",
    params(("userId" = String, Path, description = "The user's id")),
    request_body = UserIdRequest,
    responses((status = 200, body = DetailsOnly), super::super::error::StandardErrors)
)]
        deactivate_user,
        StateChange::Deactivate
    );
    state_handler!(
        #[utoipa::path(
    post,
    path = "/v2/users/{userId}/reactivate",
    tag = "User Service v2",
    summary = "ReactivateUser",
    params(("userId" = String, Path, description = "The user's id")),
    request_body = UserIdRequest,
    responses((status = 200, body = DetailsOnly), super::super::error::StandardErrors)
)]
        reactivate_user,
        StateChange::Reactivate
    );
    state_handler!(
        #[utoipa::path(
    post,
    path = "/v2/users/{userId}/lock",
    tag = "User Service v2",
    summary = "LockUser",
    params(("userId" = String, Path, description = "The user's id")),
    request_body = UserIdRequest,
    responses((status = 200, body = DetailsOnly), super::super::error::StandardErrors)
)]
        lock_user,
        StateChange::Lock
    );
    state_handler!(
        #[utoipa::path(
    post,
    path = "/v2/users/{userId}/unlock",
    tag = "User Service v2",
    summary = "UnlockUser",
    params(("userId" = String, Path, description = "The user's id")),
    request_body = UserIdRequest,
    responses((status = 200, body = DetailsOnly), super::super::error::StandardErrors)
)]
        unlock_user,
        StateChange::Unlock
    );
}
