//! Storage: the `Store` trait the use cases depend on. Its SQL is written once
//! (`ops` for writes, `queries` for reads, over `rows`), generic over
//! `sqlx::Database`; `sqlite` and `postgres` add only what differs (`backend`).
//!
//! Writes are units of work (`Write`): every state change and its events are applied
//! in one transaction, guarded by the user's last sequence. A read–decide–write on one
//! user first holds the user (`Store::hold_user`), so that writers take turns instead
//! of failing that guard.

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::code::CodeKind;
use crate::error::Result;
use crate::ids::{JobId, OrgId, UserId};
use crate::model::{
    CodeRecord, Event, MailRecord, Membership, Org, OutboxMail, PersonalAccessToken, User,
    UserState,
};

mod backend;
mod ops;
pub mod postgres;
mod queries;
mod rows;
pub mod sqlite;
mod statement;
mod user_cache;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// `mailroom backup <file>`: a consistent copy of the running SQLite database.
/// Postgres has its own tools (`pg_dump`), which the error names.
pub async fn backup(database_url: &str, dest: &std::path::Path) -> Result<sqlite::Backup, String> {
    if database_url.starts_with("sqlite:") {
        sqlite::backup(database_url, dest).await
    } else {
        Err("backup copies SQLite databases; for Postgres use pg_dump (see README.md)".into())
    }
}

/// Opens the store named by a database URL and applies its migrations.
/// `max_connections`: the Postgres pool's size (SQLite has one writer and a few readers).
pub async fn open(
    database_url: &str,
    max_connections: u32,
) -> Result<std::sync::Arc<dyn Store>, String> {
    if database_url.starts_with("sqlite:") {
        Ok(std::sync::Arc::new(SqliteStore::open(database_url).await?))
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(
            PgStore::open(database_url, max_connections).await?,
        ))
    } else {
        Err(format!(
            "unsupported database URL {:?}: use sqlite://<path> or postgres://…",
            redact_url(database_url)
        ))
    }
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// One change inside a `Write`.
#[derive(Debug, Clone)]
pub enum Op {
    /// Fails the whole write (returns `Ok(false)` from `commit`) when the key exists.
    ClaimInstanceKey {
        key: String,
        value: String,
    },
    InsertOrg(Org),
    InsertUser(User),
    /// Replaces the user row; fails with Aborted unless its stored sequence is `expected_sequence`.
    UpdateUser {
        user: User,
        expected_sequence: i64,
    },
    /// One statement for all of a write's events (each statement is a round trip).
    AppendEvents(Vec<Event>),
    PutMembership(Membership),
    InsertJob(crate::jobs::Job),
    /// A job's users, each an item still to run.
    InsertJobItems {
        job_id: JobId,
        users: Vec<UserId>,
    },
    /// What became of one user of a job (`ItemOutcome::as_db`).
    FinishJobItem {
        job_id: JobId,
        user_id: UserId,
        outcome: &'static str,
        at: Timestamp,
    },
    /// Marks the job finished once no item is left.
    FinishJobIfDone {
        job_id: JobId,
        at: Timestamp,
    },
    DismissJob {
        job_id: JobId,
        at: Timestamp,
    },
    /// Ends a user's membership of one org.
    DeleteMembership {
        user_id: UserId,
        org_id: OrgId,
    },
    InsertToken(PersonalAccessToken),
    RevokeToken {
        id: crate::ids::TokenId,
        at: Timestamp,
    },
    /// Replaces the user's live code of that kind (one per kind).
    PutCode(CodeRecord),
    DeleteCode {
        user_id: UserId,
        kind: CodeKind,
    },
    /// Marks the code used; it stays as proof until replaced (`CodeRecord::used_at`).
    ConsumeCode {
        user_id: UserId,
        kind: CodeKind,
        at: Timestamp,
    },
    SetCodeAttempts {
        user_id: UserId,
        kind: CodeKind,
        attempts: i64,
    },
    /// Counts one sign-in attempt under `key` in its window (a window that started
    /// at or before `window_starts_after` is over and starts again at `now`). Voids the
    /// whole write (`commit` → `Ok(false)`) when the key is at `limit` already.
    ReserveLoginAttempt {
        key: String,
        limit: i64,
        now: Timestamp,
        window_starts_after: Timestamp,
    },
    /// Forgets a key's attempts (a successful sign-in clears its username's).
    ClearLoginAttempts {
        key: String,
    },
    /// Takes back one reserved attempt that was not a failure.
    ReturnLoginAttempt {
        key: String,
    },
    /// Stores a console session under the hash of its id. `create_only`: voids the
    /// write (`commit` → `Ok(false)`) when that id is taken.
    PutSession {
        id_hash: String,
        user_id: Option<UserId>,
        data: String,
        expires_at: Timestamp,
        create_only: bool,
    },
    DeleteSession {
        id_hash: String,
    },
    /// Ends every console session of the user (password change, deactivation, …).
    EndSessions {
        user_id: UserId,
    },
    /// Housekeeping: sessions past their expiry.
    DeleteExpiredSessions {
        now: Timestamp,
    },
    /// Housekeeping: sign-in windows that started at or before `before` are over.
    DeleteLoginWindows {
        before: Timestamp,
    },
    /// Drops the sealed code and link of every mail whose code expired by `now`.
    RedactExpiredMails {
        now: Timestamp,
    },
    EnqueueMail(OutboxMail),
    /// Records what became of a mail (the worker, retries).
    UpdateMail(MailUpdate),
}

/// The fields of an outbox row that delivery changes.
#[derive(Debug, Clone)]
pub struct MailUpdate {
    pub id: crate::ids::MailId,
    pub status: crate::model::MailStatus,
    pub attempts: i64,
    pub subject: String,
    pub payload: serde_json::Value,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub last_error: Option<String>,
    pub next_attempt_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    /// `None` redacts the mail's code and link for good.
    pub sealed: Option<String>,
}

impl MailUpdate {
    /// The row as it is, to change a few fields with `..MailUpdate::unchanged(mail)`.
    pub fn unchanged(mail: &MailRecord) -> Self {
        MailUpdate {
            id: mail.id,
            status: crate::model::MailStatus::Sending,
            attempts: mail.attempts,
            subject: mail.subject.clone(),
            payload: mail.payload.clone(),
            body_text: mail.body_text.clone(),
            body_html: mail.body_html.clone(),
            last_error: mail.last_error.clone(),
            next_attempt_at: mail.next_attempt_at,
            sent_at: mail.sent_at,
            sealed: mail.sealed.clone(),
        }
    }
}

/// A unit of work applied atomically by `Store::commit`.
#[derive(Debug, Clone, Default)]
pub struct Write {
    pub ops: Vec<Op>,
}

impl Write {
    pub fn new() -> Self {
        Write::default()
    }

    /// The users whose row this write inserts or replaces.
    pub(crate) fn users_written(&self) -> Vec<UserId> {
        self.ops
            .iter()
            .filter_map(|op| match op {
                Op::InsertUser(user) | Op::UpdateUser { user, .. } => Some(user.id),
                _ => None,
            })
            .collect()
    }

    pub fn push(&mut self, op: Op) -> &mut Self {
        self.ops.push(op);
        self
    }
}

/// What the dashboard counts, over `orgs` (`None` = all).
#[derive(Debug, Clone)]
pub struct DashboardQuery {
    pub orgs: Option<Vec<OrgId>>,
    pub now: Timestamp,
    /// The start of the mails-per-hour chart's first hour.
    pub hours_since: Timestamp,
    /// Codes sent since then make the funnel.
    pub funnel_since: Timestamp,
}

/// The dashboard's figures as the database counts them.
#[derive(Debug, Clone, Default)]
pub struct DashboardFigures {
    /// Humans by `initial` / `verified` / `unverified` (pending included).
    pub email_states: Vec<(String, i64)>,
    /// Unverified humans with a live code out.
    pub pending: i64,
    pub mail_statuses: Vec<(String, i64)>,
    /// (hour since `hours_since`, status, mails).
    pub mails_per_hour: Vec<(i64, String, i64)>,
    pub funnel: FunnelFigures,
}

/// Each user's latest verification code sent in the window, and how soon it was used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunnelFigures {
    pub sent: i64,
    pub within_hour: i64,
    pub within_day: i64,
    pub verified: i64,
}

/// A page of the users list.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Substring of username, email or name, case-insensitive.
    pub text: Option<String>,
    /// Only these orgs; `None` = all.
    pub orgs: Option<Vec<OrgId>>,
    pub state: Option<UserState>,
    /// Only humans of this email group.
    pub email_group: Option<crate::model::EmailGroup>,
    pub include_deleted: bool,
    pub offset: u64,
    pub limit: u64,
    /// Codes that expire after this count as live (`code_pending` of each row).
    pub now: Timestamp,
}

/// A worker's claim on due rows (outbox mails, or bulk jobs' items): up to `limit`,
/// leased to `owner` until `lease_until`.
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    pub now: Timestamp,
    pub lease_until: Timestamp,
    pub limit: u64,
    pub owner: &'a str,
}

/// Which outbox rows to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct MailQuery {
    pub user: Option<UserId>,
    /// Only these orgs; `None` = all.
    pub orgs: Option<Vec<OrgId>>,
    pub status: Option<crate::model::MailStatus>,
    /// Rows with a smaller id than this (the cursor).
    pub before_id: Option<crate::ids::MailId>,
    pub limit: u64,
}

/// A page of one user's events: oldest first after `after`, or newest first before
/// `before`; optionally only some types.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub user: UserId,
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub newest_first: bool,
    pub types: Option<Vec<String>>,
    pub limit: u64,
}

/// Which personal access tokens to list (never revoked ones), by creation date.
#[derive(Debug, Clone, Default)]
pub struct TokenQuery {
    pub user: Option<UserId>,
    pub token: Option<crate::ids::TokenId>,
    /// Only tokens of users in these orgs; `None` = all.
    pub orgs: Option<Vec<OrgId>>,
    /// (ordering against the value, or equal, the value): `(Greater, true, t)` is `>= t`.
    pub created: Option<(std::cmp::Ordering, bool, Timestamp)>,
    /// As `created`; a token without an expiry counts as expiring at the end of time.
    pub expires: Option<(std::cmp::Ordering, bool, Timestamp)>,
    pub offset: u64,
    pub limit: u64,
    pub asc: bool,
}

/// A PAT found by its hash, with what authentication needs of its owner.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub user_state: UserState,
    pub expires_at: Option<Timestamp>,
}

/// A user's row held for one read–decide–write: the transaction that holds it is the
/// one the write commits in. Dropped without `commit`, it rolls back and lets go.
#[async_trait]
pub trait HeldUser: Send {
    /// Applies the write in the holding transaction and commits it (as `Store::commit`).
    async fn commit(self: Box<Self>, write: Write) -> Result<bool>;
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The database answers and every migration is applied.
    async fn ready(&self) -> Result<()>;
    /// Applies the write atomically. `Ok(false)` when a `ClaimInstanceKey` was taken already.
    async fn commit(&self, write: Write) -> Result<bool>;
    /// Holds `user`'s row until the returned write commits or is dropped, so that
    /// writers in other processes wait for it (Postgres: `SELECT … FOR NO KEY UPDATE`
    /// in the write's transaction). `None` where this process is the database's only
    /// writer (SQLite): its own queue (`user_queue`) already orders the writes.
    async fn hold_user(&self, user: UserId) -> Result<Option<Box<dyn HeldUser>>>;
    async fn instance_value(&self, key: &str) -> Result<Option<String>>;
    async fn org(&self, id: OrgId) -> Result<Option<Org>>;
    async fn orgs(&self) -> Result<Vec<Org>>;
    async fn user(&self, id: UserId) -> Result<Option<User>>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    /// A page of users, each with whether a live email code is out, and the number
    /// of all matches.
    async fn users(&self, query: &UserQuery) -> Result<(Vec<(User, bool)>, u64)>;
    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>>;
    /// The memberships of one org (its members and their roles).
    async fn org_memberships(&self, org: OrgId) -> Result<Vec<Membership>>;
    /// Active users with the instance role IAM_OWNER, other than `except`.
    async fn active_instance_owners(&self, except: UserId) -> Result<i64>;
    async fn token_owner(&self, token_hash: &str) -> Result<Option<TokenOwner>>;
    /// A page of tokens with their owner's org and sequence, and the number of all matches.
    async fn tokens(
        &self,
        query: &TokenQuery,
    ) -> Result<(Vec<(PersonalAccessToken, OrgId, i64)>, u64)>;
    async fn code(&self, user: UserId, kind: CodeKind) -> Result<Option<CodeRecord>>;
    /// The user's codes of every kind, in one query (the console's email panel).
    async fn codes(&self, user: UserId) -> Result<Vec<CodeRecord>>;
    /// When the code-carrying mails to `user` since `since` were queued (send limits).
    async fn code_mail_times(&self, user: UserId, since: Timestamp) -> Result<Vec<Timestamp>>;
    async fn mails(&self, query: &MailQuery) -> Result<Vec<MailRecord>>;
    async fn mail(&self, id: crate::ids::MailId) -> Result<Option<MailRecord>>;
    /// Code mails written before sealing whose payload still holds the code or link.
    async fn mails_with_plaintext_secrets(&self) -> Result<Vec<MailRecord>>;
    /// Marks up to `limit` due mails `sending` until `lease_until` and returns them.
    /// Due: queued with `next_attempt_at <= now`, or sending with an expired lease.
    async fn claim_mails(&self, claim: &Claim<'_>) -> Result<Vec<MailRecord>>;
    /// Marks `owner`'s unfinished claims queued and due at `now`; returns how many.
    async fn reclaim_mails(&self, owner: &str, now: Timestamp) -> Result<u64>;
    /// Jobs not dismissed, newest first.
    async fn jobs(&self) -> Result<Vec<crate::jobs::Job>>;
    async fn job(&self, id: JobId) -> Result<Option<crate::jobs::Job>>;
    /// A job's items per outcome (`None`: not done yet).
    async fn job_counts(&self, id: JobId) -> Result<Vec<(Option<String>, i64)>>;
    /// Leases up to `limit` pending job items (none done, none leased to another
    /// worker) and returns them, oldest job first.
    async fn claim_job_items(&self, claim: &Claim<'_>) -> Result<Vec<(JobId, UserId)>>;
    /// Hands back `owner`'s unfinished job items (it stopped before their lease ended).
    async fn reclaim_job_items(&self, owner: &str) -> Result<u64>;
    /// A console session's data and expiry, by the hash of its id.
    async fn session(&self, id_hash: &str) -> Result<Option<(String, Timestamp)>>;
    /// A sign-in limit key's window: when it started and the attempts counted in it.
    async fn login_window(&self, key: &str) -> Result<Option<(Timestamp, i64)>>;
    /// Outbox rows per status (metrics).
    async fn mail_counts(&self) -> Result<Vec<(crate::model::MailStatus, i64)>>;
    /// The dashboard's raw figures (see `DashboardQuery`).
    async fn dashboard(&self, query: &DashboardQuery) -> Result<DashboardFigures>;
    /// A page of the user's events (see `EventQuery`).
    async fn events(&self, query: &EventQuery) -> Result<Vec<Event>>;
    /// After rows that held secrets in clear were redacted: leaves no old copy of
    /// them in the database's files (SQLite: checkpoints and truncates the WAL).
    async fn scrub_files(&self) -> Result<()>;
    /// Closes the pools (graceful shutdown).
    async fn close(&self);

    /// Tells the other server processes on this database that roles, tokens or user
    /// states changed, so that they drop the callers they cached. Nothing to tell
    /// where the database has one process.
    async fn announce_auth_change(&self) -> Result<()>;

    /// Calls `on_change` whenever another process announces a change, and whenever
    /// announcements may have been missed (the listening connection was lost).
    /// Listens in the background until `on_change` returns false or the store closes.
    async fn listen_auth_changes(
        &self,
        on_change: Box<dyn Fn() -> bool + Send + Sync>,
    ) -> Result<()>;
}
