//! The JSON API: ZITADEL's Management API v1 and User Service v2 (REST and Connect)
//! and our own `/mailroom/v1`. Handlers translate HTTP to one `Mailroom` call and back.

pub mod auth;
pub mod dto;
pub mod error;
pub mod health;
pub mod management;

use axum::extract::DefaultBodyLimit;
use axum::http::Uri;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use mailroom_core::{Code, Error, Mailroom};

use self::error::{ConnectError, RestError};

/// Request bodies over this many bytes get 413 (SPEC §2).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Path prefixes that belong to the API: unknown paths below them answer JSON, never HTML.
const REST_PREFIXES: [&str; 3] = ["/management/", "/v2/", "/mailroom/"];
const CONNECT_PREFIX: &str = "/zitadel.";

pub fn router(mailroom: Mailroom) -> Router {
    Router::new()
        .route(
            "/management/v1/users/{user_id}/email",
            get(management::get_email),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .method_not_allowed_fallback(method_not_allowed)
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

/// 405 with a JSON body; the gRPC code of a wrong method is Unimplemented.
async fn method_not_allowed() -> Response {
    let error = Error::plain(Code::Unimplemented, "Method Not Allowed");
    let mut response = axum::response::IntoResponse::into_response(RestError(error));
    *response.status_mut() = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    response
}
