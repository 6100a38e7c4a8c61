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
    /// ZITADEL's `zitadel.v1.ErrorDetail`, for errors with an id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ConnectDetail>,
}

/// A Connect error detail: the protobuf message in base64 (unpadded, as Connect
/// writes it), and its JSON form under `debug`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectDetail {
    /// `zitadel.v1.ErrorDetail`
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub type_name: &'static str,
    pub value: String,
    #[schema(value_type = Object)]
    pub debug: serde_json::Value,
}

impl ConnectErrorBody {
    pub fn of(error: &Error) -> Self {
        use base64::Engine;
        let details = crate::grpc::error_detail(error)
            .map(|bytes| ConnectDetail {
                type_name: "zitadel.v1.ErrorDetail",
                value: base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes),
                debug: serde_json::json!({
                    "id": error.id.unwrap_or_default(),
                    "message": error.message,
                }),
            })
            .into_iter()
            .collect();
        ConnectErrorBody {
            code: crate::connect_name(error.code),
            message: error.client_message(),
            details,
        }
    }
}

impl ConnectError {
    /// The answer with another HTTP status than the code's (413 for a body over the limit).
    pub fn with_status(self, status: StatusCode) -> Response {
        let body = ConnectErrorBody::of(&self.0);
        finish(&self.0, status, Json(body).into_response())
    }
}

impl IntoResponse for ConnectError {
    fn into_response(self) -> Response {
        let status = crate::http_status(self.0.code);
        self.with_status(status)
    }
}
