//! The REST (grpc-gateway) error body: `{"code": 9, "message": "… (ID)", "details":
//! [{"@type": "type.googleapis.com/zitadel.v1.ErrorDetail", …}]}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use mailroom_core::{Code, Error};
use serde::Serialize;

use crate::headers::finish;

/// An error on a REST path.
#[derive(Debug)]
pub struct RestError(pub Error);

impl From<Error> for RestError {
    fn from(error: Error) -> Self {
        RestError(error)
    }
}

/// grpc-gateway's `google.rpc.Status` with ZITADEL's detail.
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
        finish(
            &self.0,
            crate::http_status(self.0.code),
            Json(body).into_response(),
        )
    }
}

impl RestError {
    /// The answer with another HTTP status than the code's: 405 for a wrong method,
    /// 413 for a body over the limit (gRPC has no code of its own for either).
    pub fn with_status(self, status: StatusCode) -> Response {
        let body = RestErrorBody::from(&self.0);
        finish(&self.0, status, Json(body).into_response())
    }
}

/// 405 on a known path: the gRPC code of a wrong method is Unimplemented.
pub fn method_not_allowed() -> Response {
    RestError(Error::plain(Code::Unimplemented, "Method Not Allowed"))
        .with_status(StatusCode::METHOD_NOT_ALLOWED)
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
