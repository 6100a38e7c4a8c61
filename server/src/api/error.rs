//! The one place where a domain error becomes an HTTP response: gRPC code → status,
//! and the REST (grpc-gateway) or Connect body shape (SPEC §2).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use mailroom_core::{Code, Error};
use serde::Serialize;

pub fn http_status(code: Code) -> StatusCode {
    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The cause of a 500, carried to the logging middleware, which knows the request id.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

/// An error on a REST path: `{"code": 9, "message": "… (ID)", "details": [...]}`.
#[derive(Debug)]
pub struct RestError(pub Error);

/// An error on a Connect path: `{"code": "failed_precondition", "message": "…"}`.
#[derive(Debug)]
pub struct ConnectError(pub Error);

impl From<Error> for RestError {
    fn from(error: Error) -> Self {
        RestError(error)
    }
}

impl From<Error> for ConnectError {
    fn from(error: Error) -> Self {
        ConnectError(error)
    }
}

/// The REST error body (grpc-gateway's `google.rpc.Status` with ZITADEL's detail).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RestErrorBody {
    /// The gRPC code (3 InvalidArgument, 5 NotFound, 9 FailedPrecondition, …).
    pub code: i32,
    /// `Email not changed (COMMAND-2b7fM)`; field errors name the field instead.
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Always `type.googleapis.com/zitadel.v1.ErrorDetail`.
    #[serde(rename = "@type")]
    #[schema(value_type = String)]
    pub type_url: &'static str,
    pub id: String,
    pub message: String,
}

/// The Connect error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectErrorBody {
    /// `invalid_argument`, `not_found`, `failed_precondition`, …
    #[schema(value_type = String)]
    pub code: &'static str,
    pub message: String,
}

impl From<&Error> for RestErrorBody {
    fn from(error: &Error) -> Self {
        RestErrorBody {
            code: error.code.number(),
            message: error.client_message(),
            details: error
                .id
                .map(|id| ErrorDetail {
                    type_url: "type.googleapis.com/zitadel.v1.ErrorDetail",
                    id: id.to_owned(),
                    message: error.message.to_string(),
                })
                .into_iter()
                .collect(),
        }
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let body = RestErrorBody::from(&self.0);
        finish(&self.0, Json(body).into_response())
    }
}

impl IntoResponse for ConnectError {
    fn into_response(self) -> Response {
        let body = ConnectErrorBody {
            code: self.0.code.connect_name(),
            message: self.0.client_message(),
        };
        finish(&self.0, Json(body).into_response())
    }
}

/// The error answers every authenticated REST path can give, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum StandardErrors {
    /// Invalid argument (3), failed precondition (9) or out of range (11).
    #[response(status = 400)]
    BadRequest(RestErrorBody),
    /// Missing, malformed, unknown, revoked or expired token (16).
    #[response(status = 401)]
    Unauthenticated(RestErrorBody),
    /// The caller lacks the permission, or the org does not exist (7).
    #[response(status = 403)]
    PermissionDenied(RestErrorBody),
    /// Unknown user or membership (5).
    #[response(status = 404)]
    NotFound(RestErrorBody),
    /// Already exists (6) or a concurrent write won (10).
    #[response(status = 409)]
    Conflict(RestErrorBody),
    /// Body larger than 64 KiB.
    #[response(status = 413)]
    TooLarge(RestErrorBody),
    /// Send limit reached (8); see `Retry-After`.
    #[response(status = 429)]
    TooManyRequests(RestErrorBody),
    /// Internal error (13); the log has the request id.
    #[response(status = 500)]
    Internal(RestErrorBody),
}

/// Status and the headers that go with some codes.
fn finish(error: &Error, mut response: Response) -> Response {
    *response.status_mut() = http_status(error.code);
    let headers = response.headers_mut();
    match error.code {
        Code::Unauthenticated => {
            let challenge = if error.id == Some("AUTH-7fs1e") {
                r#"Bearer realm="mailroom", error="invalid_token""#
            } else {
                r#"Bearer realm="mailroom""#
            };
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        Code::ResourceExhausted => {
            if let Some(secs) = error.retry_after_secs {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
        }
        _ => {}
    }
    if let Some(cause) = error.internal_cause() {
        response
            .extensions_mut()
            .insert(InternalCause(cause.to_owned()));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_the_documented_status() {
        let table = [
            (Code::InvalidArgument, 400),
            (Code::FailedPrecondition, 400),
            (Code::OutOfRange, 400),
            (Code::NotFound, 404),
            (Code::AlreadyExists, 409),
            (Code::Aborted, 409),
            (Code::PermissionDenied, 403),
            (Code::Unauthenticated, 401),
            (Code::ResourceExhausted, 429),
            (Code::Unimplemented, 501),
            (Code::Unavailable, 503),
            (Code::Internal, 500),
        ];
        for (code, status) in table {
            assert_eq!(http_status(code).as_u16(), status, "{code:?}");
        }
    }
}
