//! Server-side helpers for the server functions: the shared `Mailroom`, the session,
//! and the conversion from domain errors. Only compiled into the server.

use leptos::prelude::*;
use mailroom_core::ids::UserId;
use mailroom_core::model::{Org, User};
use mailroom_core::permissions::Caller;
use mailroom_core::Mailroom;
use tower_sessions::Session;

use crate::error::AppError;

/// Session key holding the signed-in user's id.
pub const SESSION_USER_KEY: &str = "user_id";

/// The client's address as the server determined it (socket peer, or the nearest
/// untrusted `X-Forwarded-For` hop behind a trusted proxy). A request extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// The address of the request being served, if the server recorded one.
pub fn client_addr() -> Option<std::net::IpAddr> {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddr>().copied())
        .map(|addr| addr.0)
}

impl From<mailroom_core::Error> for AppError {
    fn from(err: mailroom_core::Error) -> Self {
        if let Some(cause) = err.internal_cause() {
            tracing::error!(%cause, "server function failed");
        }
        // The same status the JSON API would answer, instead of a blanket 500 — except
        // for plain HTML form posts, which must stay redirects back to their page.
        let form_post = is_form_post();
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>().filter(|_| !form_post)
        {
            response.set_status(mailroom_wire::http_status(err.code));
            if let Some(secs) = err.retry_after_secs {
                response.insert_header(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(secs),
                );
            }
        }
        AppError {
            code: mailroom_wire::connect_name(err.code).to_owned(),
            message: err.message.to_string(),
            retry_after_secs: err.retry_after_secs,
            retry_at: err.retry_after_secs.map(|secs| {
                (mailroom_core::clock::Timestamp::from_datetime(chrono_now())
                    .plus_secs(secs as i64))
                .to_datetime()
                .format("%H:%M:%S UTC")
                .to_string()
            }),
        }
    }
}

/// A form field the server function refuses: 400, as the API answers bad input.
pub fn invalid(message: impl Into<String>) -> AppError {
    mailroom_core::Error::plain(mailroom_core::Code::InvalidArgument, message.into()).into()
}

/// Whether the request being served is a plain HTML form post (a browser without
/// JavaScript, or before an island is hydrated): it is answered with a redirect.
pub fn is_form_post() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    })
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

pub fn mailroom() -> Result<Mailroom, AppError> {
    use_context::<Mailroom>().ok_or_else(|| AppError::new("internal", "Mailroom is not available"))
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|_| AppError::new("internal", "Sessions are not available"))
}

fn signed_out() -> AppError {
    AppError::new("unauthenticated", "Your session has ended. Sign in again.")
}

/// What one request has read already. A page runs several server functions (the
/// header's and the body's) that each need the caller (the session and two queries)
/// and the org names. The server provides a fresh one per request.
#[derive(Clone, Default)]
pub struct RequestMemo(std::sync::Arc<std::sync::Mutex<Memo>>);

#[derive(Default)]
struct Memo {
    /// The caller and its own user row.
    caller: Option<(Caller, User)>,
    orgs: Option<Vec<Org>>,
}

impl RequestMemo {
    fn read<T>(&self, f: impl FnOnce(&mut Memo) -> T) -> Option<T> {
        self.0.lock().ok().map(|mut memo| f(&mut memo))
    }
}

/// The orgs the signed-in caller may read (for their names), read once per request.
pub async fn orgs(mailroom: &Mailroom) -> Result<Vec<Org>, AppError> {
    let memo = use_context::<RequestMemo>();
    if let Some(orgs) = memo
        .as_ref()
        .and_then(|m| m.read(|m| m.orgs.clone()).flatten())
    {
        return Ok(orgs);
    }
    let (_, caller) = caller().await?;
    let orgs = mailroom.readable_orgs(&caller).await?;
    if let Some(memo) = memo {
        memo.read(|m| m.orgs = Some(orgs.clone()));
    }
    Ok(orgs)
}

/// The signed-in caller, checked against the database on every request so that a
/// deactivated user or a revoked role takes effect at once.
pub async fn caller() -> Result<(Mailroom, Caller), AppError> {
    let (mailroom, caller, _) = caller_and_user().await?;
    Ok((mailroom, caller))
}

/// The signed-in caller and its own user row (the header shows who is signed in).
pub async fn caller_and_user() -> Result<(Mailroom, Caller, User), AppError> {
    let mailroom = mailroom()?;
    let memo = use_context::<RequestMemo>();
    if let Some((caller, user)) = memo
        .as_ref()
        .and_then(|m| m.read(|m| m.caller.clone()).flatten())
    {
        return Ok((mailroom, caller, user));
    }
    let session = session().await?;
    let user_id: Option<i64> = session
        .get(SESSION_USER_KEY)
        .await
        .map_err(|_| signed_out())?;
    let user_id = user_id.ok_or_else(signed_out)?;
    let (caller, user) = mailroom
        .caller_and_user(UserId(user_id))
        .await?
        .ok_or_else(signed_out)?;
    if let Some(memo) = memo {
        memo.read(|m| m.caller = Some((caller.clone(), user.clone())));
    }
    Ok((mailroom, caller, user))
}
