//! The one place where a domain error becomes an HTTP response: gRPC code → status,
//! and the REST (grpc-gateway) or Connect body shape (SPEC §2).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use mailroom_core::{Code, Error};
use serde_json::json;

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

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let error = &self.0;
        let mut body = json!({
            "code": error.code.number(),
            "message": error.client_message(),
        });
        if let Some(id) = error.id {
            body["details"] = json!([{
                "@type": "type.googleapis.com/zitadel.v1.ErrorDetail",
                "id": id,
                "message": error.message,
            }]);
        }
        finish(error, Json(body).into_response())
    }
}

impl IntoResponse for ConnectError {
    fn into_response(self) -> Response {
        let error = &self.0;
        let body = json!({
            "code": error.code.connect_name(),
            "message": error.client_message(),
        });
        finish(error, Json(body).into_response())
    }
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
