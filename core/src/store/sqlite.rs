//! The embedded default: one SQLite file in WAL mode, one writer connection and a
//! small pool of readers.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Sqlite;

use crate::error::{Error, Result};
use crate::store::Backend;

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");

pub struct SqliteStore {
    reader: SqlitePool,
    /// Console sessions: their own small pool, so that loading a session on every
    /// page never queues behind (or blocks) the writer.
    sessions: SqlitePool,
    /// The single writer: SQLite allows one write transaction at a time, so queueing
    /// writers here is cheaper than letting them fight over the file lock.
    writer: SqlitePool,
}

impl SqliteStore {
    /// Appended to the outbox claim's inner SELECT.
    const ROW_LOCK: &'static str = "";

    pub const BACKEND: Backend = Backend::Sqlite;

    pub async fn open(url: &str) -> Result<Self, String> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|err| format!("invalid database URL {url:?}: {err}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|err| {
                    format!("cannot create the data directory {}: {err}", dir.display())
                })?;
            }
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(|err| format!("cannot open the database {url}: {err}"))?;
        MIGRATOR
            .run(&writer)
            .await
            .map_err(|err| format!("cannot migrate the database {url}: {err}"))?;
        let sessions = SqlitePoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .map_err(|err| format!("cannot open the database {url}: {err}"))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true))
            .await
            .map_err(|err| format!("cannot open the database {url}: {err}"))?;
        Ok(SqliteStore {
            reader,
            sessions,
            writer,
        })
    }

    /// The pool for the session store (tower-sessions). Session writes (sign-in and
    /// out) are rare and wait for the file lock through `busy_timeout`.
    pub fn session_pool(&self) -> SqlitePool {
        self.sessions.clone()
    }

    fn read_pool(&self) -> &SqlitePool {
        &self.reader
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Sqlite>> {
        Ok(self.writer.begin().await?)
    }

    async fn check_migrations(&self) -> Result<()> {
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.reader)
                .await?;
        if applied < MIGRATOR.iter().count() as i64 {
            return Err(Error::unavailable("migrations pending"));
        }
        Ok(())
    }

    async fn close_pools(&self) {
        self.reader.close().await;
        self.sessions.close().await;
        self.writer.close().await;
    }
}

sql_store!(SqliteStore, Sqlite);
