//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the handlers'
//! `#[utoipa::path]` attributes and the request/response types.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{health, mailroom_v1, management, org_v2, pats, user_v2};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mailroom",
        description = "The user-email part of ZITADEL's Management API v1 and User Service v2, plus Mailroom's own endpoints. \
                       Every v2 method is also served as Connect unary JSON at `POST /zitadel.user.v2.UserService/<Method>` \
                       and `POST /zitadel.org.v2.OrganizationService/AddOrganization`, with the Connect error shape."
    ),
    paths(
        management::get_email,
        management::update_email,
        management::resend_email_verification,
        management::resend_initialization,
        management::add_human,
        management::add_machine,
        pats::add_token_v1,
        pats::list_tokens_v1,
        pats::get_token_v1,
        pats::remove_token_v1,
        management::add_org,
        management::add_member,
        user_v2::rest::set_email,
        user_v2::rest::send_email_code,
        user_v2::rest::resend_email_code,
        user_v2::rest::verify_email,
        user_v2::rest::create_invite_code,
        user_v2::rest::resend_invite_code,
        user_v2::rest::verify_invite_code,
        user_v2::rest::add_human_user,
        user_v2::rest::get_user,
        user_v2::rest::list_users,
        user_v2::rest::delete_user,
        user_v2::rest::deactivate_user,
        user_v2::rest::reactivate_user,
        user_v2::rest::lock_user,
        user_v2::rest::unlock_user,
        pats::rest::add_token,
        pats::rest::remove_token,
        pats::rest::list_tokens,
        org_v2::rest_add_organization,
        mailroom_v1::user_events,
        mailroom_v1::list_mails,
        mailroom_v1::retry_mail,
        health::healthz,
        health::readyz,
    ),
    components(schemas(
        super::error::RestErrorBody,
        super::error::ConnectErrorBody,
        super::schema::MailStatus
    )),
    modifiers(&BearerAuth, &OptionalBodies),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal access token: `Authorization: Bearer <PAT>`",
                    ))
                    .build(),
            ),
        );
    }
}

/// An empty body is `{}` (protobuf JSON, `RawBody::parse`): a body is optional
/// unless its schema has required fields.
struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{schema::Schema, RefOr};
        let schemas = openapi
            .components
            .as_ref()
            .map(|c| c.schemas.clone())
            .unwrap_or_default();
        let has_required = |body: &utoipa::openapi::request_body::RequestBody| {
            body.content.values().any(|content| match &content.schema {
                Some(RefOr::Ref(reference)) => {
                    let name = reference.ref_location.rsplit('/').next().unwrap_or_default();
                    matches!(schemas.get(name), Some(RefOr::T(Schema::Object(o))) if !o.required.is_empty())
                }
                Some(RefOr::T(Schema::Object(o))) => !o.required.is_empty(),
                _ => false,
            })
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                if let Some(body) = operation.request_body.as_mut() {
                    let required = if has_required(body) {
                        utoipa::openapi::Required::True
                    } else {
                        utoipa::openapi::Required::False
                    };
                    body.required = Some(required);
                }
            }
        }
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
