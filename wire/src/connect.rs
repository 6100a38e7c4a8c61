//! The Connect protocol's error body: `{"code": "failed_precondition", "message":
//! "…"}`, with the HTTP status of the code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use mailroom_core::Error;
use serde::Serialize;

use crate::headers::finish;

/// An error on a Connect path.
#[derive(Debug)]
pub struct ConnectError(pub Error);

impl From<Error> for ConnectError {
    fn from(error: Error) -> Self {
        ConnectError(error)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectErrorBody {
    /// `invalid_argument`, `not_found`, `failed_precondition`, …
    #[schema(value_type = String)]
    pub code: &'static str,
    pub message: String,
}

impl ConnectError {
    /// The answer with another HTTP status than the code's (413 for a body over the limit).
    pub fn with_status(self, status: StatusCode) -> Response {
        let body = ConnectErrorBody {
            code: crate::connect_name(self.0.code),
            message: self.0.client_message(),
        };
        finish(&self.0, status, Json(body).into_response())
    }
}

impl IntoResponse for ConnectError {
    fn into_response(self) -> Response {
        let status = crate::http_status(self.0.code);
        self.with_status(status)
    }
}
