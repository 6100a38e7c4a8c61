//! Management API v1 (REST, org context from `x-zitadel-orgid`), SPEC §3.1.

use axum::extract::{Path, State};
use axum::Json;
use mailroom_core::add_user::NewHuman;
use mailroom_core::change_email::Verification;
use mailroom_core::email_codes::CodeRequest;
use mailroom_core::ids::UserId;
use mailroom_core::target::Api;
use mailroom_core::verification::CodeDelivery;
use mailroom_core::Mailroom;
use serde::{Deserialize, Serialize};

use super::auth::{OrgHeader, RestCaller};
use super::body::{check_len, check_max, email_field, RawBody};
use super::dto::{is_false, DetailsDto, DetailsOnly};
use super::error::RestError;

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
    responses((status = 200, body = GetEmailResponse), super::error::StandardErrors)
)]
pub async fn get_email(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    Path(user_id): Path<String>,
) -> Result<Json<GetEmailResponse>, RestError> {
    let view = mailroom
        .email_of(&caller, org, UserId::parse_or_nobody(&user_id))
        .await?;
    Ok(Json(GetEmailResponse {
        details: DetailsDto::from(&view.details),
        email: EmailDto {
            email: view.email,
            is_email_verified: view.is_verified,
        },
    }))
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct UpdateEmailRequest {
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
    responses((status = 200, body = DetailsOnly), super::error::StandardErrors)
)]
pub async fn update_email(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let request: UpdateEmailRequest = body.parse()?;
    let email = email_field("UpdateHumanEmailRequest", "Email", request.email.as_deref())?;
    let details = mailroom
        .change_email(
            &caller,
            Api::V1(org),
            UserId::parse_or_nobody(&user_id),
            &email,
            &v1_verification(request.is_email_verified.unwrap_or(false)),
        )
        .await?;
    Ok(Json(DetailsOnly::from(&details.details)))
}

/// `POST /management/v1/users/{userId}/email/_resend_verification`
#[utoipa::path(
    post,
    path = "/management/v1/users/{userId}/email/_resend_verification",
    tag = "Management API v1",
    summary = "Send a new verification code",
    params(("userId" = String, Path, description = "The user's id"), ("x-zitadel-orgid" = Option<String>, Header, description = "The org to act in; default: the caller's own")),
    responses((status = 200, body = DetailsOnly), super::error::StandardErrors)
)]
pub async fn resend_email_verification(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let _: serde_json::Value = body.parse()?;
    let details = mailroom
        .send_email_code(
            &caller,
            Api::V1(org),
            UserId::parse_or_nobody(&user_id),
            &CodeRequest::Again(CodeDelivery::Mail { url_template: None }),
        )
        .await?;
    Ok(Json(DetailsOnly::from(&details.details)))
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ResendInitializationRequest {
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
    responses((status = 200, body = DetailsOnly), super::error::StandardErrors)
)]
pub async fn resend_initialization(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    Path(user_id): Path<String>,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let request: ResendInitializationRequest = body.parse()?;
    // An empty string means "no new address", as protobuf's zero value does.
    let email = match request.email.as_deref().filter(|e| !e.is_empty()) {
        Some(email) => Some(email_field(
            "ResendHumanInitializationRequest",
            "Email",
            Some(email),
        )?),
        None => None,
    };
    let details = mailroom
        .resend_initialization(
            &caller,
            Api::V1(org),
            UserId::parse_or_nobody(&user_id),
            email.as_ref(),
        )
        .await?;
    Ok(Json(DetailsOnly::from(&details)))
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddHumanRequest {
    #[serde(alias = "user_name")]
    pub user_name: Option<String>,
    pub profile: ProfileV1,
    pub email: EmailV1,
    #[serde(alias = "initial_password")]
    pub initial_password: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ProfileV1 {
    #[serde(alias = "first_name")]
    pub first_name: String,
    #[serde(alias = "last_name")]
    pub last_name: String,
    #[serde(alias = "nick_name")]
    pub nick_name: String,
    #[serde(alias = "display_name")]
    pub display_name: String,
    #[serde(alias = "preferred_language")]
    pub preferred_language: String,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct EmailV1 {
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
    responses((status = 200, body = CreatedUser), super::error::StandardErrors)
)]
pub async fn add_human(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    body: RawBody,
) -> Result<Json<CreatedUser>, RestError> {
    const MESSAGE: &str = "AddHumanUserRequest";
    let request: AddHumanRequest = body.parse()?;
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
    let created = mailroom
        .add_human(
            &caller,
            Api::V1(org),
            human,
            v1_verification(request.email.is_email_verified),
        )
        .await?;
    Ok(Json(CreatedUser {
        user_id: created.user_id.to_string(),
        details: DetailsDto::from(&created.details),
    }))
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddMachineRequest {
    #[serde(alias = "user_name")]
    pub user_name: String,
    pub name: String,
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
    responses((status = 200, body = CreatedUser), super::error::StandardErrors)
)]
pub async fn add_machine(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    body: RawBody,
) -> Result<Json<CreatedUser>, RestError> {
    let request: AddMachineRequest = body.parse()?;
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
    let created = mailroom
        .add_machine(
            &caller,
            org,
            &request.user_name,
            &request.name,
            &request.description,
        )
        .await?;
    Ok(Json(CreatedUser {
        user_id: created.user_id.to_string(),
        details: DetailsDto::from(&created.details),
    }))
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AddOrgRequest {
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AddOrgResponse {
    pub id: String,
    pub details: DetailsDto,
}

/// `POST /management/v1/orgs`
#[utoipa::path(
    post,
    path = "/management/v1/orgs",
    tag = "Management API v1",
    summary = "Create an org; the caller becomes its ORG_OWNER",
    request_body = AddOrgRequest,
    responses((status = 200, body = AddOrgResponse), super::error::StandardErrors)
)]
pub async fn add_org(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    body: RawBody,
) -> Result<Json<AddOrgResponse>, RestError> {
    let request: AddOrgRequest = body.parse()?;
    check_len("AddOrgRequest", "Name", &request.name, 1, 200)?;
    let (id, details) = mailroom.add_org(&caller, &request.name).await?;
    Ok(Json(AddOrgResponse {
        id: id.to_string(),
        details: DetailsDto::from(&details),
    }))
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddMemberRequest {
    #[serde(alias = "user_id")]
    pub user_id: String,
    pub roles: Vec<String>,
}

/// `POST /management/v1/orgs/me/members`
#[utoipa::path(
    post,
    path = "/management/v1/orgs/me/members",
    tag = "Management API v1",
    summary = "Grant org roles to a user",
    params(("x-zitadel-orgid" = Option<String>, Header, description = "The org to act in; default: the caller's own")),
    request_body = AddMemberRequest,
    responses((status = 200, body = DetailsOnly), super::error::StandardErrors)
)]
pub async fn add_member(
    State(mailroom): State<Mailroom>,
    RestCaller(caller): RestCaller,
    OrgHeader(org): OrgHeader,
    body: RawBody,
) -> Result<Json<DetailsOnly>, RestError> {
    let request: AddMemberRequest = body.parse()?;
    check_len("AddOrgMemberRequest", "UserId", &request.user_id, 1, 200)?;
    let details = mailroom
        .add_member(
            &caller,
            org,
            UserId::parse_or_nobody(&request.user_id),
            &request.roles,
        )
        .await?;
    Ok(Json(DetailsOnly::from(&details)))
}

/// v1's `isEmailVerified`: verified at once, or a code by mail with the default link.
fn v1_verification(is_verified: bool) -> Verification {
    if is_verified {
        Verification::Verified
    } else {
        Verification::Code(CodeDelivery::Mail { url_template: None })
    }
}
