//! `POST /management/v1/orgs` and `…/orgs/me/members`.

use axum::extract::State;
use axum::Json;
use mailroom_core::ids::{OrgId, UserId};
use mailroom_core::model::Details;
use mailroom_core::permissions::Caller;
use mailroom_core::target::OrgContext;
use mailroom_core::Error;
use mailroom_core::Mailroom;
use serde::{Deserialize, Serialize};

use crate::api::auth::{OrgHeader, RestCaller};
use crate::api::body::{check_len, RawBody};
use crate::api::dto::{DetailsDto, DetailsOnly};
use crate::api::error::RestError;

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AddOrgRequest {
    #[schema(value_type = crate::api::schema::Name, required = true)]
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
    let (id, details) = add_org_method(&mailroom, &caller, body.parse()?).await?;
    Ok(Json(AddOrgResponse {
        id: id.to_string(),
        details: DetailsDto::from(&details),
    }))
}

/// v1 `AddOrg`: the caller becomes the new org's owner.
pub async fn add_org_method(
    m: &Mailroom,
    caller: &Caller,
    request: AddOrgRequest,
) -> Result<(OrgId, Details), Error> {
    check_len("AddOrgRequest", "Name", &request.name, 1, 200)?;
    m.add_org(caller, &request.name).await
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddMemberRequest {
    #[serde(alias = "user_id")]
    #[schema(value_type = crate::api::schema::Id, required = true)]
    pub user_id: String,
    #[schema(value_type = Vec<crate::api::schema::OrgRole>, required = true, min_items = 1)]
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
    let details = add_org_member(&mailroom, &caller, org, body.parse()?).await?;
    Ok(Json(DetailsOnly::from(&details)))
}

/// `AddOrgMember` (in the org context).
pub async fn add_org_member(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    request: AddMemberRequest,
) -> Result<Details, Error> {
    check_len("AddOrgMemberRequest", "UserId", &request.user_id, 1, 200)?;
    m.add_member(
        caller,
        org,
        UserId::parse_or_nobody(&request.user_id),
        &request.roles,
    )
    .await
}
