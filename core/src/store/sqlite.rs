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
use crate::store::backend::SqlBackend;
use crate::store::ops::{check_markers, Statements};
use crate::store::queries::Sql;
use crate::store::statement::Statement;
use crate::store::Write;
use tokio::sync::{mpsc, oneshot};

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");

pub struct SqliteStore {
    reader: SqlitePool,
    /// The single writer: SQLite allows one write transaction at a time, so queueing
    /// writers here is cheaper than letting them fight over the file lock.
    writer: SqlitePool,
    /// Writes queue here for the group committer (`group_commit`).
    writes: mpsc::UnboundedSender<PendingWrite>,
    users: super::user_cache::UserCache,
}

/// Takes the write lock at the start, so a transaction never fails half-way on the
/// lock (another process, or `mailroom` tools, may hold the file too).
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// A multi-statement query is one round trip to sqlx's SQLite worker thread.
const ONE_SCRIPT_PER_WRITE: bool = true;

impl SqliteStore {
    pub async fn open(url: &str) -> Result<Self, String> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|err| format!("invalid database URL {url:?}: {err}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Deleted and overwritten content is zeroed, not left in free space: rows
            // redacted for SPEC §7 leave no copy in the file.
            .pragma("secure_delete", "ON");
        let path = options.get_filename().to_owned();
        prepare_private_file(&path)?;
        let writer = pool_options()
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
        // SQLite gives the WAL and SHM files the database file's mode; files made by an
        // older version are tightened here too.
        restrict_to_owner(&path)?;
        let reader = pool_options()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true))
            .await
            .map_err(|err| format!("cannot open the database {url}: {err}"))?;
        let (writes, queue) = mpsc::unbounded_channel();
        tokio::spawn(group_commit(writer.clone(), queue));
        Ok(SqliteStore {
            reader,
            writer,
            writes,
            users: Default::default(),
        })
    }
}

#[async_trait::async_trait]
impl SqlBackend for SqliteStore {
    type Db = Sqlite;
    /// The single writer serializes claims.
    const ROW_LOCK: &'static str = "";
    const BEGIN_WRITE: &'static str = BEGIN_WRITE;

    fn user_cache(&self) -> Option<&super::user_cache::UserCache> {
        Some(&self.users)
    }

    fn read_pool(&self) -> &SqlitePool {
        &self.reader
    }

    fn write_pool(&self) -> &SqlitePool {
        &self.writer
    }

    /// Hands the write to the group committer and waits for its outcome.
    async fn commit_write(&self, write: Write) -> Result<bool> {
        let (reply, outcome) = oneshot::channel();
        self.writes
            .send(PendingWrite { write, reply })
            .map_err(|_| Error::unavailable("the database writer has stopped"))?;
        outcome
            .await
            .map_err(|_| Error::unavailable("the database writer has stopped"))?
    }

    async fn check_migrations(&self) -> Result<()> {
        let applied = sqlx::query_scalar(super::backend::APPLIED_MIGRATIONS);
        super::backend::all_applied(applied.fetch_one(&self.reader).await?, &MIGRATOR)
    }

    /// Old page versions live on in the WAL until it is checkpointed and truncated.
    async fn scrub(&self) -> Result<()> {
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.writer)
            .await?;
        if busy != 0 {
            tracing::warn!("the WAL could not be truncated (readers of another process); it will be at the next checkpoint");
        }
        Ok(())
    }

    async fn close_pools(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    /// One process per SQLite file: nobody else to tell.
    async fn announce(&self) -> Result<()> {
        Ok(())
    }

    async fn listen(&self, _on_change: Box<dyn Fn() -> bool + Send + Sync>) -> Result<()> {
        Ok(())
    }
}

struct PendingWrite {
    write: Write,
    reply: oneshot::Sender<Result<bool>>,
}

/// Groups rolled back and run again one write at a time (a lost race, a taken name).
pub static GROUP_ROLLBACKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// At most this many writes share one transaction.
const MAX_GROUP: usize = 64;

/// The group committer: the writes that queued while the previous transaction ran
/// are committed together, in one `BEGIN IMMEDIATE … COMMIT`, each write's statements
/// in one round trip. SQLite runs one write transaction at a time anyway; sharing
/// it spares each write the lock hand-over, the BEGIN and the COMMIT, and the wake-ups
/// of their round trips, which are what a write costs on a busy machine.
///
/// Each write still succeeds or fails alone: when one fails (a lost race, a taken
/// name, a taken instance key), the group is rolled back and its writes are run again
/// one transaction each, so that only the failing one reports its error.
async fn group_commit(pool: SqlitePool, mut queue: mpsc::UnboundedReceiver<PendingWrite>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        if group.len() > 1 {
            let writes = group.iter().map(|p| p.write.clone()).collect();
            if commit_together(&pool, writes).await.is_ok() {
                for pending in group {
                    let _ = pending.reply.send(Ok(true));
                }
                continue;
            }
            GROUP_ROLLBACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        for pending in group {
            let outcome =
                Sql::<Sqlite>::write_alone(&pool, pending.write, BEGIN_WRITE, ONE_SCRIPT_PER_WRITE)
                    .await;
            // The caller may have gone (a closed connection); its write stands.
            let _ = pending.reply.send(outcome);
        }
    }
}

/// All writes in one transaction and their statements in one script (one round
/// trip); any failure rolls them all back.
async fn commit_together(pool: &SqlitePool, writes: Vec<Write>) -> Result<()> {
    let mut script = Statement::<Sqlite>::new("");
    let mut expected = Vec::with_capacity(writes.len());
    let mut next_marker = 0;
    for (i, write) in writes.into_iter().enumerate() {
        if i > 0 {
            script.push("; ");
        }
        // Each write's markers in a range of their own (one per op).
        let first_marker = next_marker;
        next_marker += write.ops.len() as i64;
        expected.push(Statements::<Sqlite>::push_write(
            &mut script,
            write,
            first_marker,
        ));
    }
    let mut tx = pool.begin_with(BEGIN_WRITE).await?;
    // A group's script is seldom seen twice: not worth a place in the statement cache.
    let (sql, values) = script.into_parts();
    let rows = sqlx::query_with(&sql, Sql::<Sqlite>::arguments(values)?)
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?;
    let returned = Sql::<Sqlite>::returned_markers(&rows)?;
    for write in &expected {
        if !check_markers(write, &returned)? {
            return Err(Error::aborted());
        }
    }
    tx.commit().await?;
    Ok(())
}

/// What `mailroom backup` made.
#[derive(Debug, Clone, Copy)]
pub struct Backup {
    pub bytes: u64,
    /// Users in the copy (deleted ones not counted).
    pub users: i64,
}

/// A consistent copy of a live SQLite database at `dest`: `VACUUM INTO` runs in one
/// read transaction, so the server's writes go on meanwhile. The copy is readable by
/// the owner only; an existing non-empty `dest` is refused.
pub async fn backup(url: &str, dest: &std::path::Path) -> Result<Backup, String> {
    use sqlx::{ConnectOptions, Connection};
    if std::fs::metadata(dest).is_ok_and(|m| m.len() > 0) {
        return Err(format!("{} exists; choose a new file", dest.display()));
    }
    let source = SqliteConnectOptions::from_str(url)
        .map_err(|err| format!("invalid database URL {url:?}: {err}"))?
        .read_only(true)
        .busy_timeout(Duration::from_secs(30));
    let mut conn = source
        .connect()
        .await
        .map_err(|err| format!("cannot open the database {url}: {err}"))?;
    prepare_private_file(dest)?;
    sqlx::query("VACUUM INTO ?")
        .bind(dest.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .map_err(|err| format!("backup failed: {err}"))?;
    conn.close().await.ok();
    restrict_to_owner(dest)?;
    let mut copy = SqliteConnectOptions::new()
        .filename(dest)
        .read_only(true)
        .connect()
        .await
        .map_err(|err| format!("cannot open the copy {}: {err}", dest.display()))?;
    let (users,): (i64,) = sqlx::query_as("SELECT count(*) FROM users WHERE state <> 'deleted'")
        .fetch_one(&mut copy)
        .await
        .map_err(|err| format!("cannot read the copy: {err}"))?;
    copy.close().await.ok();
    let bytes = std::fs::metadata(dest)
        .map_err(|err| format!("cannot read {}: {err}", dest.display()))?
        .len();
    Ok(Backup { bytes, users })
}

/// Creates the database's directory (0700) and an empty database file (0600) before
/// SQLite does, so that neither is ever readable by others (SPEC §7 "Files").
fn prepare_private_file(path: &std::path::Path) -> Result<(), String> {
    if path.as_os_str().is_empty() || path.to_string_lossy().starts_with(':') {
        return Ok(()); // in memory
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_files::create_private_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(|_| ())
        .map_err(|err| format!("cannot create the database {}: {err}", path.display()))
}

/// The database, its WAL and its SHM file: 0600.
fn restrict_to_owner(path: &std::path::Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(format!("cannot restrict {}: {err}", file.display())),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// No liveness ping before each use: a SQLite connection is a file handle that does
/// not go stale, and the ping is a round trip to sqlx's worker thread, as dear as the
/// query itself.
fn pool_options() -> SqlitePoolOptions {
    SqlitePoolOptions::new().test_before_acquire(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::error::Code;
    use crate::ids::OrgId;
    use crate::model::{Org, OrgState};
    use crate::store::Op;

    fn org(name: &str) -> Write {
        Write {
            ops: vec![Op::InsertOrg(Org {
                id: OrgId::generate(),
                name: name.to_owned(),
                state: OrgState::Active,
                created_at: Timestamp(1),
            })],
        }
    }

    /// Writes that queue together share a transaction; when one of them fails, the
    /// group is rolled back and each runs alone, so only the failing one fails.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_in_a_group_fails_alone() {
        let dir = std::env::temp_dir().join(format!("mailroom-group-{}", crate::ids::next_id()));
        let store = SqliteStore::open(&format!("sqlite://{}/db.sqlite", dir.display()))
            .await
            .unwrap();
        // Queued before the committer starts, so that they form one group.
        let (sender, queue) = mpsc::unbounded_channel();
        let mut outcomes = Vec::new();
        for name in ["a", "b", "a", "c", "d"] {
            let (reply, outcome) = oneshot::channel();
            sender
                .send(PendingWrite {
                    write: org(name),
                    reply,
                })
                .unwrap();
            outcomes.push(outcome);
        }
        drop(sender);
        let rollbacks = GROUP_ROLLBACKS.load(std::sync::atomic::Ordering::Relaxed);
        group_commit(store.writer.clone(), queue).await;
        assert_eq!(
            GROUP_ROLLBACKS.load(std::sync::atomic::Ordering::Relaxed),
            rollbacks + 1,
            "the group was rolled back once"
        );
        let mut results = Vec::new();
        for outcome in outcomes {
            results.push(outcome.await.unwrap().map_err(|err| err.code));
        }
        assert_eq!(
            results,
            [
                Ok(true),
                Ok(true),
                Err(Code::AlreadyExists),
                Ok(true),
                Ok(true)
            ]
        );
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM orgs ORDER BY name")
            .fetch_all(&store.reader)
            .await
            .unwrap();
        assert_eq!(names, ["a", "b", "c", "d"]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
