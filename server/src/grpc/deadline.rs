//! `grpc-timeout` (the client's deadline): a call that runs past it is answered
//! DEADLINE_EXCEEDED. A write already handed to the database may still complete, as
//! gRPC's deadline semantics allow.

use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

/// `1S`, `250m`, `30000u`: at most 8 digits and a unit (the gRPC HTTP/2 spec).
pub fn grpc_timeout(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    if value.len() < 2 || value.len() > 9 {
        return None;
    }
    let (digits, unit) = value.split_at(value.len() - 1);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount.saturating_mul(3600)),
        "M" => Duration::from_secs(amount.saturating_mul(60)),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// The answer of `call`, or DEADLINE_EXCEEDED once `limit` has passed.
pub async fn within(
    limit: Duration,
    call: impl std::future::Future<Output = Response>,
) -> Response {
    match tokio::time::timeout(limit, call).await {
        Ok(response) => response,
        Err(_) => tonic::Status::deadline_exceeded("deadline exceeded")
            .into_http::<axum::body::Body>()
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-timeout", value.parse().unwrap());
        grpc_timeout(&headers)
    }

    #[test]
    fn timeouts_follow_the_grpc_format() {
        assert_eq!(parse("1S"), Some(Duration::from_secs(1)));
        assert_eq!(parse("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse("99999999u"), Some(Duration::from_micros(99_999_999)));
        assert_eq!(parse("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(parse("5n"), Some(Duration::from_nanos(5)));
        for bad in ["", "S", "1", "123456789S", "1x", "-1S", "1.5S"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
