//! `POST /management/v1/orgs` and `…/orgs/me/members`.

use mailroom_core::ids::{OrgId, UserId};
use mailroom_core::model::Details;
use mailroom_core::permissions::Caller;
use mailroom_core::target::OrgContext;
use mailroom_core::Error;
use mailroom_core::Mailroom;
use serde::{Deserialize, Serialize};

use crate::api::body::check_len;
use crate::api::dto::{DetailsDto, DetailsOnly};
use crate::api::rest_op::rest_op;

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

rest_op!(post "/management/v1/orgs", "Management API v1", "Create an org; the caller becomes its ORG_OWNER",
    add_org(body: body) (AddOrgRequest) -> AddOrgResponse =
    |m, caller| AddOrgResponse::from(add_org_method(&m, &caller, body.parse()?).await?));

impl From<(OrgId, Details)> for AddOrgResponse {
    fn from((id, details): (OrgId, Details)) -> Self {
        AddOrgResponse {
            id: id.to_string(),
            details: DetailsDto::from(&details),
        }
    }
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
    #[schema(value_type = crate::api::schema::Id, required = true)]
    pub user_id: String,
    #[schema(value_type = Vec<crate::api::schema::OrgRole>, required = true, min_items = 1)]
    pub roles: Vec<String>,
}

rest_op!(post "/management/v1/orgs/me/members", "Management API v1", "Grant org roles to a user",
    add_member(org: org, body: body) (AddMemberRequest) -> DetailsOnly =
    |m, caller| DetailsOnly::from(&add_org_member(&m, &caller, org, body.parse()?).await?));

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
