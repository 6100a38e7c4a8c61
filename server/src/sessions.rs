//! Console sessions, stored in the same database as everything else so that any
//! server process can serve any session.

use async_trait::async_trait;
use mailroom_core::clock::Timestamp;
use mailroom_core::ids::UserId;
use mailroom_core::Mailroom;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, Result};
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};

/// Session key: when the session's lifetime was last extended (unix seconds).
const TOUCHED_AT_KEY: &str = "touched_at";

/// Extends a signed-in session's lifetime (and its cookie's) once at least half of
/// its idle timeout has passed since the last extension. A session is stored only
/// when it changed, so without this the "idle" timeout would count from sign-in;
/// with it, a session costs one write per half timeout, not one per page.
pub async fn keep_alive(session: &tower_sessions::Session) {
    let Some(Expiry::OnInactivity(idle)) = session.expiry() else {
        return;
    };
    let now = tower_sessions::cookie::time::OffsetDateTime::now_utc().unix_timestamp();
    let touched_at: Option<i64> = session.get(TOUCHED_AT_KEY).await.ok().flatten();
    if touched_at.is_none_or(|at| now - at >= idle.whole_seconds() / 2) {
        // Changing the session marks it for saving, with a fresh expiry date.
        let _ = session.insert(TOUCHED_AT_KEY, now).await;
    }
}

/// The session store: records in the database through core (`console_sessions`),
/// keyed by a hash of the id, so that any server process can serve any session and
/// a dump yields none.
#[derive(Clone)]
pub struct DbSessionStore {
    mailroom: Mailroom,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

fn backend(err: mailroom_core::Error) -> session_store::Error {
    session_store::Error::Backend(err.internal_cause().unwrap_or_default().to_owned())
}

impl DbSessionStore {
    pub fn new(mailroom: Mailroom) -> Self {
        DbSessionStore { mailroom }
    }

    /// `secure`: the public URL is https, so the cookie is `__Host-` prefixed and
    /// `Secure` (SPEC §7). `idle_secs`: a console session ends after this long
    /// without a page request.
    pub fn layer(self, secure: bool, idle_secs: i64) -> SessionManagerLayer<DbSessionStore> {
        SessionManagerLayer::new(self)
            .with_name(cookie_name(secure))
            .with_http_only(true)
            .with_same_site(SameSite::Strict)
            .with_secure(secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(
                tower_sessions::cookie::time::Duration::seconds(idle_secs.max(1)),
            ))
    }

    async fn put(&self, record: &Record, create_only: bool) -> session_store::Result<bool> {
        let data = serde_json::to_string(&record.data)
            .map_err(|err| session_store::Error::Encode(err.to_string()))?;
        let user_id = record
            .data
            .get(mailroom_app::ssr::SESSION_USER_KEY)
            .and_then(|v| v.as_i64())
            .map(UserId);
        let expires_at = Timestamp(
            (record.expiry_date.unix_timestamp_nanos() / 1000).clamp(0, i64::MAX as i128) as i64,
        );
        self.mailroom
            .store_session(
                &record.id.to_string(),
                user_id,
                data,
                expires_at,
                create_only,
            )
            .await
            .map_err(backend)
    }
}

/// `__Host-mailroom_session` over https (no `Domain`, `Path=/`, `Secure`), else the
/// plain name (browsers refuse `__Host-` cookies without `Secure`).
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-mailroom_session"
    } else {
        "mailroom_session"
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A fresh random id until one is free (a clash of 128-bit ids is theoretical).
        while !self.put(record, true).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.put(record, false).await.map(|_| ())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(data) = self
            .mailroom
            .load_session(&id.to_string())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data)
            .map_err(|err| session_store::Error::Decode(err.to_string()))?;
        // The expiry is set again by the session layer from its idle timeout.
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: tower_sessions::cookie::time::OffsetDateTime::now_utc()
                + tower_sessions::cookie::time::Duration::minutes(1),
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.mailroom
            .delete_session(&id.to_string())
            .await
            .map_err(backend)
    }
}
