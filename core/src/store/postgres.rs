//! The scale-out path: any number of server processes on one Postgres.

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Postgres;

use crate::error::Result;
use crate::ids::UserId;
use crate::store::backend::SqlBackend;
use crate::store::queries::Sql;
use crate::store::{redact_url, HeldUser, Write};

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

pub struct PgStore {
    /// Reads, including those a write makes while it holds its user.
    pool: PgPool,
    /// Write transactions. A pool of their own: a write holding its user's row waits
    /// for reads, and if writes could take every connection, those reads would wait
    /// for the writes forever.
    writes: PgPool,
}

impl PgStore {
    /// Opens a pool of `max_connections` for reads and one of `max_connections` for
    /// writes.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, String> {
        let pool = connect(url, max_connections).await?;
        // sqlx holds an advisory lock while migrating, so concurrent starts are safe.
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|err| format!("cannot migrate the database {}: {err}", redact_url(url)))?;
        let writes = connect(url, max_connections).await?;
        Ok(PgStore { pool, writes })
    }
}

async fn connect(url: &str, max_connections: u32) -> Result<PgPool, String> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        // No ping before each use: it is a round trip as dear as a small query, and
        // a page makes a dozen. A connection broken under the pool (a database
        // restart) fails its next query once and is dropped; connections idle for
        // 10 minutes are closed anyway.
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|err| format!("cannot connect to the database {}: {err}", redact_url(url)))
}

/// A user's row locked in an open write transaction (`Store::hold_user`).
struct HeldPgUser {
    tx: sqlx::Transaction<'static, Postgres>,
}

#[async_trait::async_trait]
impl HeldUser for HeldPgUser {
    async fn commit(mut self: Box<Self>, write: Write) -> Result<bool> {
        if !Sql::<Postgres>::apply_write(&mut self.tx, write, false).await? {
            return Ok(false);
        }
        self.tx.commit().await?;
        Ok(true)
    }
}

#[async_trait::async_trait]
impl SqlBackend for PgStore {
    type Db = Postgres;
    /// Several processes claim disjoint rows.
    const ROW_LOCK: &'static str = " FOR UPDATE SKIP LOCKED";
    /// Row locks and the user's sequence guard order concurrent writers.
    const BEGIN_WRITE: &'static str = "BEGIN";

    fn read_pool(&self) -> &PgPool {
        &self.pool
    }

    fn write_pool(&self) -> &PgPool {
        &self.writes
    }

    /// One write, one transaction: concurrent writers (in this process or others)
    /// run side by side. The extended protocol takes one statement per query, so the
    /// write's statements run one by one.
    async fn commit_write(&self, write: Write) -> Result<bool> {
        Sql::<Postgres>::write_alone(&self.writes, write, Self::BEGIN_WRITE, false).await
    }

    /// `FOR NO KEY UPDATE`, the lock an UPDATE of the row takes anyway: writers of
    /// this user in every process queue behind it, while rows that merely point at
    /// the user (an event whose creator it is) can still be written: `FOR UPDATE`
    /// would block those too, and two administrators changing each other would
    /// deadlock.
    async fn hold_user(&self, user: UserId) -> Result<Option<Box<dyn HeldUser>>> {
        let mut tx = self.writes.begin_with(Self::BEGIN_WRITE).await?;
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE")
            .bind(user.0)
            .fetch_optional(&mut *tx)
            .await?;
        Ok(Some(Box::new(HeldPgUser { tx })))
    }

    async fn check_migrations(&self) -> Result<()> {
        let applied = sqlx::query_scalar(super::backend::APPLIED_MIGRATIONS);
        super::backend::all_applied(applied.fetch_one(&self.pool).await?, &MIGRATOR)
    }

    /// Dead row versions are not part of a dump, and VACUUM reclaims them.
    async fn scrub(&self) -> Result<()> {
        Ok(())
    }

    async fn close_pools(&self) {
        self.pool.close().await;
        self.writes.close().await;
    }

    async fn announce(&self) -> Result<()> {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(AUTH_CHANNEL)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The listener holds one connection of the pool for as long as the process runs.
    async fn listen(&self, on_change: Box<dyn Fn() -> bool + Send + Sync>) -> Result<()> {
        listen(&self.pool, on_change).await
    }
}

/// The channel of `announce_auth_change`.
const AUTH_CHANNEL: &str = "mailroom_auth";

/// Listens on `AUTH_CHANNEL` in the background; see `Store::listen_auth_changes`.
async fn listen(pool: &PgPool, on_change: Box<dyn Fn() -> bool + Send + Sync>) -> Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(AUTH_CHANNEL).await?;
    tokio::spawn(async move {
        loop {
            let keep_going = match listener.try_recv().await {
                // Some: an announcement. None: the connection was lost (and is
                // made again): whatever was announced meanwhile is unknown.
                Ok(_) => on_change(),
                Err(sqlx::Error::PoolClosed) => false,
                Err(err) => {
                    tracing::warn!(error = %err, "listening for auth changes failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    on_change()
                }
            };
            if !keep_going {
                break;
            }
        }
    });
    Ok(())
}
