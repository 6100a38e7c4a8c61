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
    components(schemas(super::error::RestErrorBody, super::error::ConnectErrorBody)),
    modifiers(&BearerAuth),
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

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
