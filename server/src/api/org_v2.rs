//! Organization Service v2 (SPEC §3.3): AddOrganization.

use mailroom_core::ids::{OrgId, UserId};
use mailroom_core::model::Details;
use mailroom_core::permissions::Caller;
use mailroom_core::{Code, Error, Mailroom};
use serde::{Deserialize, Serialize};

use super::body::check_len;
use super::dto::DetailsDto;
use super::rest_op::rest_op;

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddOrganizationRequest {
    #[schema(value_type = crate::api::schema::Name, required = true)]
    pub name: String,
    #[schema(value_type = Option<crate::api::schema::OptionalId>)]
    pub organization_id: Option<String>,
    pub admins: Vec<Admin>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Admin {
    #[schema(value_type = crate::api::schema::Id, required = true)]
    pub user_id: Option<String>,
    #[schema(value_type = Vec<crate::api::schema::OrgRole>)]
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOrganizationResponse {
    pub details: DetailsDto,
    pub organization_id: String,
}

pub async fn add_organization(
    m: &Mailroom,
    caller: &Caller,
    r: AddOrganizationRequest,
) -> Result<(OrgId, Details), Error> {
    const MESSAGE: &str = "AddOrganizationRequest";
    check_len(MESSAGE, "Name", &r.name, 1, 200)?;
    let id = match r.organization_id.filter(|id| !id.is_empty()) {
        Some(id) => Some(OrgId::parse(&id).ok_or_else(|| {
            Error::plain(
                Code::InvalidArgument,
                format!("invalid {MESSAGE}.OrganizationId: must be a positive decimal id"),
            )
        })?),
        None => None,
    };
    let mut admins = Vec::new();
    for admin in r.admins {
        let user_id = admin.user_id.unwrap_or_default();
        check_len("AddOrganizationRequest_Admin", "UserId", &user_id, 1, 200)?;
        admins.push((UserId::parse_or_nobody(&user_id), admin.roles));
    }
    m.add_organization(caller, id, &r.name, admins).await
}

impl From<&(OrgId, Details)> for AddOrganizationResponse {
    fn from((org, details): &(OrgId, Details)) -> Self {
        AddOrganizationResponse {
            details: DetailsDto::from(details),
            organization_id: org.to_string(),
        }
    }
}

rest_op!(post "/v2/organizations", "Organization Service v2", "AddOrganization (needs IAM_OWNER)",
    rest_add_organization(body: body) (AddOrganizationRequest) -> AddOrganizationResponse =
    |m, caller| AddOrganizationResponse::from(&add_organization(&m, &caller, body.parse()?).await?));
