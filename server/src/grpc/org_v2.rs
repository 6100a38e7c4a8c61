//! `zitadel.org.v2.OrganizationService` over gRPC, gRPC-web and Connect binary.

use mailroom_core::Error;

use super::convert::details_v2;
use super::pb::zitadel::org::v2 as pb;
use super::pb::zitadel::org::v2::organization_service_server::OrganizationService;
use super::Call;
use crate::api::org_v2 as api;

pub async fn add_organization(
    (m, caller, _, r): Call<'_, pb::AddOrganizationRequest>,
) -> Result<pb::AddOrganizationResponse, Error> {
    use pb::add_organization_request::admin::UserType;
    let request = api::AddOrganizationRequest {
        name: r.name,
        organization_id: r.org_id,
        admins: r
            .admins
            .into_iter()
            .map(|admin| api::Admin {
                // Admins created inline are not supported; as in JSON, such an admin
                // names no user and is refused for it.
                user_id: match admin.user_type {
                    Some(UserType::UserId(id)) => Some(id),
                    Some(UserType::Human(_)) | None => None,
                },
                roles: admin.roles,
            })
            .collect(),
    };
    let (org, details) = api::add_organization(m, caller, request).await?;
    Ok(pb::AddOrganizationResponse {
        details: details_v2(&details),
        organization_id: org.to_string(),
        created_admins: Vec::new(),
    })
}

super::serve! {
    OrganizationService for pb {
        add_organization(AddOrganizationRequest) -> AddOrganizationResponse = add_organization;
    }
}
