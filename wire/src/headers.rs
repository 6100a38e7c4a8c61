//! What every error response carries besides its body: the status, the headers some
//! codes come with, and the hidden cause of a 500 for the log.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use mailroom_core::{Code, Error};

/// The cause of a 500, carried to the logging middleware, which knows the request id.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

pub(crate) fn finish(error: &Error, status: StatusCode, mut response: Response) -> Response {
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if error.code == Code::Unauthenticated {
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
    // A send limit (429), busy password checks (503): when to come back.
    if let Some(secs) = error.retry_after_secs {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(cause) = error.internal_cause() {
        response
            .extensions_mut()
            .insert(InternalCause(cause.to_owned()));
    }
    response
}
