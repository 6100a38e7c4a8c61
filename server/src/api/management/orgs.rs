//! `POST /management/v1/orgs` and `…/orgs/me/members`.

use axum::extract::State;
use axum::Json;
use mailroom_core::ids::UserId;
use mailroom_core::Mailroom;
use serde::{Deserialize, Serialize};

use crate::api::auth::{OrgHeader, RestCaller};
use crate::api::body::{check_len, RawBody};
use crate::api::dto::{DetailsDto, DetailsOnly};
use crate::api::error::RestError;

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
    responses((status = 200, body = AddOrgResponse), crate::api::error::StandardErrors)
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
    responses((status = 200, body = DetailsOnly), crate::api::error::StandardErrors)
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
