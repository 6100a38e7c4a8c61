//! Console sessions, stored in the same database as everything else so that any
//! server process can serve any session.

use async_trait::async_trait;
use mailroom_core::store::SessionPool;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{ExpiredDeletion, Result};
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

pub const COOKIE_NAME: &str = "mailroom_session";

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

/// The session store of whichever database the server runs on.
#[derive(Debug, Clone)]
pub enum DbSessionStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl DbSessionStore {
    pub async fn open(pool: SessionPool) -> std::result::Result<Self, String> {
        let store = match pool {
            SessionPool::Sqlite(pool) => DbSessionStore::Sqlite(SqliteStore::new(pool)),
            SessionPool::Postgres(pool) => DbSessionStore::Postgres(PostgresStore::new(pool)),
        };
        let migrated = match &store {
            DbSessionStore::Sqlite(s) => s.migrate().await,
            DbSessionStore::Postgres(s) => s.migrate().await,
        };
        migrated.map_err(|err| format!("cannot create the session table: {err}"))?;
        Ok(store)
    }

    /// `idle_secs`: a console session ends after this long without a page request.
    pub fn layer(self, secure: bool, idle_secs: i64) -> SessionManagerLayer<DbSessionStore> {
        SessionManagerLayer::new(self)
            .with_name(COOKIE_NAME)
            .with_http_only(true)
            .with_same_site(SameSite::Strict)
            .with_secure(secure)
            .with_expiry(Expiry::OnInactivity(
                tower_sessions::cookie::time::Duration::seconds(idle_secs.max(1)),
            ))
    }

    /// Deletes expired sessions every `period` until the process ends.
    pub fn spawn_cleanup(self, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            loop {
                interval.tick().await;
                if let Err(err) = self.delete_expired().await {
                    tracing::warn!(%err, "could not delete expired sessions");
                }
            }
        })
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        match self {
            DbSessionStore::Sqlite(s) => s.create(record).await,
            DbSessionStore::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        match self {
            DbSessionStore::Sqlite(s) => s.save(record).await,
            DbSessionStore::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        match self {
            DbSessionStore::Sqlite(s) => s.load(id).await,
            DbSessionStore::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        match self {
            DbSessionStore::Sqlite(s) => s.delete(id).await,
            DbSessionStore::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        match self {
            DbSessionStore::Sqlite(s) => s.delete_expired().await,
            DbSessionStore::Postgres(s) => s.delete_expired().await,
        }
    }
}
