//! `/mailbox/{id}/preview`: a mail's stored HTML, for the console's preview link.
//! Served with a policy of its own: the mail's inline styles apply, nothing runs.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use mailroom_core::ids::UserId;
use mailroom_core::Mailroom;
use tower_sessions::Session;

pub async fn mail_preview(
    State(mailroom): State<Mailroom>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let user_id: Option<i64> = session
        .get(mailroom_app::ssr::SESSION_USER_KEY)
        .await
        .ok()
        .flatten();
    let caller = match user_id {
        Some(id) => mailroom.caller(UserId(id)).await.ok().flatten(),
        None => None,
    };
    let Some(caller) = caller else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    // Code and link whole only for callers who may write the user; masked otherwise.
    let body = match mailroom
        .mail_content(&caller, mailroom_core::ids::MailId::parse_or_nobody(&id))
        .await
    {
        Ok(content) => content.html,
        Err(err) => {
            return (mailroom_wire::http_status(err.code), err.client_message()).into_response()
        }
    };
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; sandbox"),
    );
    response
}
