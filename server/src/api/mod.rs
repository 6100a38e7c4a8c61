//! The JSON API: ZITADEL's Management API v1 and User Service v2 (REST and Connect)
//! and our own `/mailroom/v1`. Handlers translate HTTP to one `Mailroom` call and back.

pub mod auth;
pub mod body;
#[cfg(test)]
mod body_properties;
pub mod connect;
pub mod dto;
pub mod error;
pub mod health;
pub mod mailroom_v1;
pub mod management;
pub mod openapi;
pub mod org_v2;
pub mod pats;
mod rest_op;
pub mod schema;
mod strict_json;
pub mod user_v2;

use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use mailroom_core::via::Via;
use mailroom_core::{Code, Error, Mailroom};

use self::error::{ConnectError, RestError};

/// Request bodies over this many bytes get 413 (SPEC §2).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Path prefixes that belong to the API: unknown paths below them answer JSON, never HTML.
const REST_PREFIXES: [&str; 3] = ["/management/", "/v2/", "/mailroom/"];
const CONNECT_PREFIX: &str = "/zitadel.";

pub fn router(mailroom: Mailroom) -> Router {
    Router::new()
        // Management API v1
        .route(
            "/management/v1/users/{user_id}/email",
            get(management::get_email).put(management::update_email),
        )
        .route(
            "/management/v1/users/{user_id}/email/_resend_verification",
            post(management::resend_email_verification),
        )
        .route(
            "/management/v1/users/{user_id}/_resend_initialization",
            post(management::resend_initialization),
        )
        .route("/management/v1/users/human", post(management::add_human))
        .route(
            "/management/v1/users/machine",
            post(management::add_machine),
        )
        .route(
            "/management/v1/users/{user_id}/pats",
            post(pats::add_token_v1),
        )
        .route(
            "/management/v1/users/{user_id}/pats/_search",
            post(pats::list_tokens_v1),
        )
        .route(
            "/management/v1/users/{user_id}/pats/{token_id}",
            get(pats::get_token_v1).delete(pats::remove_token_v1),
        )
        .route("/management/v1/orgs", post(management::add_org))
        .route(
            "/management/v1/orgs/me/members",
            post(management::add_member),
        )
        // User Service v2 (REST)
        .route("/v2/users/{user_id}/email", post(user_v2::rest::set_email))
        .route(
            "/v2/users/{user_id}/email/send",
            post(user_v2::rest::send_email_code),
        )
        .route(
            "/v2/users/{user_id}/email/resend",
            post(user_v2::rest::resend_email_code),
        )
        .route(
            "/v2/users/{user_id}/email/verify",
            post(user_v2::rest::verify_email),
        )
        .route(
            "/v2/users/{user_id}/invite_code",
            post(user_v2::rest::create_invite_code),
        )
        .route(
            "/v2/users/{user_id}/invite_code/resend",
            post(user_v2::rest::resend_invite_code),
        )
        .route(
            "/v2/users/{user_id}/invite_code/verify",
            post(user_v2::rest::verify_invite_code),
        )
        .route("/v2/users/human", post(user_v2::rest::add_human_user))
        .route("/v2/users", post(user_v2::rest::list_users))
        .route(
            "/v2/users/{user_id}",
            get(user_v2::rest::get_user).delete(user_v2::rest::delete_user),
        )
        .route(
            "/v2/users/{user_id}/deactivate",
            post(user_v2::rest::deactivate_user),
        )
        .route(
            "/v2/users/{user_id}/reactivate",
            post(user_v2::rest::reactivate_user),
        )
        .route("/v2/users/{user_id}/lock", post(user_v2::rest::lock_user))
        .route(
            "/v2/users/{user_id}/unlock",
            post(user_v2::rest::unlock_user),
        )
        .route("/v2/users/{user_id}/pats", post(pats::rest::add_token))
        .route(
            "/v2/users/{user_id}/pats/{token_id}",
            axum::routing::delete(pats::rest::remove_token),
        )
        .route("/v2/users/pats/search", post(pats::rest::list_tokens))
        .route("/v2/organizations", post(org_v2::rest_add_organization))
        // Connect
        .route("/zitadel.user.v2.UserService/{method}", post(connect::call))
        .route(
            "/zitadel.org.v2.OrganizationService/{method}",
            post(connect::call),
        )
        // Ours
        .route(
            "/mailroom/v1/users/{user_id}/events",
            get(mailroom_v1::user_events),
        )
        .route("/mailroom/v1/mails", get(mailroom_v1::list_mails))
        .route(
            "/mailroom/v1/mails/{id}/_retry",
            post(mailroom_v1::retry_mail),
        )
        .route("/metrics", get(crate::metrics::metrics))
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(paths_are_utf8))
        .layer(axum::middleware::from_fn(through_the_api))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(mailroom)
}

pub fn is_api_path(path: &str) -> bool {
    path.starts_with(CONNECT_PREFIX) || REST_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The JSON 404 for an unknown path under an API prefix, in the transport's shape.
pub fn not_found(uri: &Uri) -> Response {
    let error = Error::plain(Code::NotFound, format!("Not Found: {}", uri.path()));
    if uri.path().starts_with(CONNECT_PREFIX) {
        axum::response::IntoResponse::into_response(ConnectError(error))
    } else {
        axum::response::IntoResponse::into_response(RestError(error))
    }
}

/// A path whose percent-escapes decode to bytes that are not UTF-8 names nothing we
/// serve; it gets the API's JSON 400 instead of the path extractor's plain text.
async fn paths_are_utf8(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path();
    if percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .is_err()
    {
        let error = Error::invalid_argument("MAILROOM-PATH", "The path is not valid UTF-8");
        return if path.starts_with(CONNECT_PREFIX) {
            axum::response::IntoResponse::into_response(ConnectError(error))
        } else {
            axum::response::IntoResponse::into_response(RestError(error))
        };
    }
    next.run(request).await
}

/// The audit log's door of an API request: Connect (JSON or binary) or REST.
async fn through_the_api(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let via = if request.uri().path().starts_with(CONNECT_PREFIX) {
        Via::Connect
    } else {
        Via::Rest
    };
    mailroom_core::via::scope(via, next.run(request)).await
}

/// 405 with a JSON body; the gRPC code of a wrong method is Unimplemented.
async fn method_not_allowed() -> Response {
    error::method_not_allowed()
}
