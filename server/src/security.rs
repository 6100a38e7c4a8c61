//! Browser-facing protections: CSRF checks on state-changing requests, security
//! headers, and the sign-in requirement of the console pages.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

/// Rejects cross-site state-changing requests (CSRF). The session cookie is already
/// `SameSite=Strict`; this also covers older browsers and same-site subdomains:
/// a browser says where a request comes from in `Sec-Fetch-Site` or `Origin`, and
/// only same-origin (or typed-in, `none`) requests may change anything.
pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    if is_safe_method(request.method()) || is_same_origin(request.headers()) {
        next.run(request).await
    } else {
        (StatusCode::FORBIDDEN, "Cross-site request refused").into_response()
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or_default();
            let authority = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or_default();
            authority.as_bytes() == host.as_bytes()
        }
        (Some(_), None) => false,
        // Non-browser clients send neither; they have no ambient cookie to abuse.
        (None, _) => true,
    }
}

/// Site requests (server functions, the end-user forms) with a body over 64 KiB get
/// 413 before anything parses them (SPEC §7). The body is read here, within the
/// limit, so that a body without a declared length cannot get further either.
pub async fn limit_site_bodies(request: Request<Body>, next: Next) -> Response {
    use futures_util::StreamExt;
    if is_safe_method(request.method()) {
        return next.run(request).await;
    }
    let limit = crate::api::MAX_BODY_BYTES;
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body larger than {limit} bytes"),
        )
            .into_response()
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    // Far too large: answered at once (the connection closes under the sender).
    if declared.is_some_and(|len| len > DRAIN_MAX) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return (StatusCode::BAD_REQUEST, "Request body could not be read").into_response();
        };
        seen += chunk.len();
        if seen <= limit {
            bytes.extend_from_slice(&chunk);
        } else if seen > DRAIN_MAX {
            return too_large();
        }
        // Between the limit and `DRAIN_MAX` the rest is read and dropped, so that the
        // client gets its 413 instead of a reset connection.
    }
    if seen > limit {
        return too_large();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Past this much, an oversized body is not read to its end.
const DRAIN_MAX: usize = 1024 * 1024;

/// Console pages need a session; without one the browser goes to the sign-in page.
/// (The server functions check the session again, and the permissions, on every call.)
pub async fn require_console_session(
    session: Session,
    request: Request<Body>,
    next: Next,
) -> Response {
    if is_console_page(request.uri().path()) {
        let signed_in = session
            .get::<i64>(mailroom_app::ssr::SESSION_USER_KEY)
            .await
            .ok()
            .flatten()
            .is_some();
        if !signed_in {
            return Redirect::to("/login").into_response();
        }
        crate::sessions::keep_alive(&session).await;
    }
    next.run(request).await
}

fn is_console_page(path: &str) -> bool {
    path == "/"
        || ["/users", "/mailbox", "/orgs", "/jobs"].iter().any(|page| {
            path.strip_prefix(page)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// Sets the headers of `default_headers` that a handler has not set itself.
pub async fn add_default_headers(
    mut response: axum::response::Response,
) -> axum::response::Response {
    let headers = response.headers_mut();
    for (name, value) in default_headers() {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
    response
}

/// Headers every response carries.
pub fn default_headers() -> [(header::HeaderName, HeaderValue); 4] {
    [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        // `same-origin`, not `no-referrer`: forms without JavaScript return to their page.
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_origin_rules() {
        assert!(is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        assert!(is_same_origin(&headers(&[
            ("origin", "http://a:3000"),
            ("host", "a:3000")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("origin", "http://evil"),
            ("host", "a:3000")
        ])));
        assert!(is_same_origin(&headers(&[])));
    }

    #[test]
    fn console_pages() {
        assert!(is_console_page("/"));
        assert!(is_console_page("/users/1"));
        assert!(is_console_page("/users"));
        assert!(is_console_page("/orgs"));
        assert!(!is_console_page("/usersx"));
        assert!(!is_console_page("/login"));
        assert!(!is_console_page("/ui/v2/login/verify"));
        assert!(!is_console_page("/pkg/mailroom.js"));
    }
}
