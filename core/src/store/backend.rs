//! What a database backend brings (pools, how a write is committed, readiness,
//! announcements between processes), and the one `Store` for every backend: the
//! shared SQL of `queries` run on the backend's pools.

use async_trait::async_trait;

use crate::clock::Timestamp;
use crate::code::CodeKind;
use crate::error::Result;
use crate::ids::{OrgId, UserId};
use crate::model::{CodeRecord, Event, MailRecord, Membership, Org, PersonalAccessToken, User};
use crate::store::queries::Sql;
use crate::store::rows::*;
use crate::store::{
    Claim, DashboardFigures, DashboardQuery, EventQuery, HeldUser, MailQuery, Store, TokenOwner,
    TokenQuery, UserQuery, Write,
};

/// How many migrations the database has applied.
pub(crate) const APPLIED_MIGRATIONS: &str = "SELECT count(*) FROM _sqlx_migrations WHERE success";

/// Ready only once the database holds every migration this build knows.
pub(crate) fn all_applied(applied: i64, migrator: &sqlx::migrate::Migrator) -> Result<()> {
    if applied < migrator.iter().count() as i64 {
        return Err(crate::Error::unavailable("migrations pending"));
    }
    Ok(())
}

/// The parts of a backend that differ between SQLite and Postgres.
#[async_trait]
pub(crate) trait SqlBackend: Send + Sync + 'static {
    type Db: sqlx::Database;
    /// Appended to the outbox claim's inner SELECT (Postgres: `FOR UPDATE SKIP LOCKED`).
    const ROW_LOCK: &'static str;
    /// How a write transaction begins.
    const BEGIN_WRITE: &'static str;

    fn read_pool(&self) -> &sqlx::Pool<Self::Db>;
    fn write_pool(&self) -> &sqlx::Pool<Self::Db>;
    /// Applies a write atomically (SQLite: through the group committer).
    async fn commit_write(&self, write: Write) -> Result<bool>;
    /// See `Store::hold_user`; nothing to hold by default (one writer).
    async fn hold_user(&self, _user: UserId) -> Result<Option<Box<dyn HeldUser>>> {
        Ok(None)
    }
    async fn check_migrations(&self) -> Result<()>;
    async fn scrub(&self) -> Result<()>;
    async fn close_pools(&self);
    async fn announce(&self) -> Result<()>;
    async fn listen(&self, on_change: Box<dyn Fn() -> bool + Send + Sync>) -> Result<()>;
    /// Users by id in memory, where this process is the only writer (SQLite).
    fn user_cache(&self) -> Option<&crate::store::user_cache::UserCache> {
        None
    }
}

#[async_trait]
impl<B: SqlBackend> Store for B
where
    for<'c> &'c mut <B::Db as sqlx::Database>::Connection: sqlx::Executor<'c, Database = B::Db>,
    for<'q> <B::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, B::Db>,
    usize: sqlx::ColumnIndex<<B::Db as sqlx::Database>::Row>,
    for<'a> i64: sqlx::Encode<'a, B::Db> + sqlx::Decode<'a, B::Db> + sqlx::Type<B::Db>,
    for<'a> Option<i64>: sqlx::Encode<'a, B::Db> + sqlx::Type<B::Db>,
    for<'a> String: sqlx::Encode<'a, B::Db> + sqlx::Decode<'a, B::Db> + sqlx::Type<B::Db>,
    for<'a> Option<String>: sqlx::Encode<'a, B::Db> + sqlx::Type<B::Db>,
    for<'a> bool: sqlx::Encode<'a, B::Db> + sqlx::Type<B::Db>,
    for<'a> &'a str: sqlx::Encode<'a, B::Db> + sqlx::Type<B::Db>,
    for<'a> Option<&'a str>: sqlx::Encode<'a, B::Db> + sqlx::Type<B::Db>,
    for<'r> UserRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> ListedUserRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> OrgRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> MembershipRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> EventRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> TokenOwnerRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> TokenRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> CodeRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> MailRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> (String, i64): sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> (Option<String>, i64): sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> JobRow: sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> (i64, i64): sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> (i64, String, i64): sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> (i64, i64, i64, i64): sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> (i64,): sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
    for<'r> (String,): sqlx::FromRow<'r, <B::Db as sqlx::Database>::Row>,
{
    async fn ready(&self) -> Result<()> {
        self.check_migrations().await
    }

    async fn commit(&self, write: Write) -> Result<bool> {
        let Some(cache) = self.user_cache() else {
            return self.commit_write(write).await;
        };
        let touched = write.users_written();
        let outcome = self.commit_write(write).await;
        // Before the caller hears of it: a read after the answer sees the write.
        cache.invalidate(&touched);
        outcome
    }

    async fn hold_user(&self, user: UserId) -> Result<Option<Box<dyn HeldUser>>> {
        SqlBackend::hold_user(self, user).await
    }

    async fn instance_value(&self, key: &str) -> Result<Option<String>> {
        Sql::<B::Db>::instance_value(self.read_pool(), key).await
    }

    async fn org(&self, id: OrgId) -> Result<Option<Org>> {
        Sql::<B::Db>::org(self.read_pool(), id).await
    }

    async fn orgs(&self) -> Result<Vec<Org>> {
        Sql::<B::Db>::orgs(self.read_pool()).await
    }

    async fn user(&self, id: UserId) -> Result<Option<User>> {
        let Some(cache) = self.user_cache() else {
            return Sql::<B::Db>::user(self.read_pool(), id).await;
        };
        let generation = match cache.get(id) {
            Ok(user) => return Ok(Some(user)),
            Err(generation) => generation,
        };
        let user = Sql::<B::Db>::user(self.read_pool(), id).await?;
        if let Some(user) = &user {
            cache.fill(generation, user);
        }
        Ok(user)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        Sql::<B::Db>::user_by_username(self.read_pool(), username).await
    }

    async fn users(&self, query: &UserQuery) -> Result<(Vec<(User, bool)>, u64)> {
        Sql::<B::Db>::users(self.read_pool(), query).await
    }

    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>> {
        Sql::<B::Db>::memberships(self.read_pool(), user).await
    }

    async fn org_memberships(&self, org: OrgId) -> Result<Vec<Membership>> {
        Sql::<B::Db>::org_memberships(self.read_pool(), org).await
    }

    async fn active_instance_owners(&self, except: UserId) -> Result<i64> {
        Sql::<B::Db>::active_instance_owners(self.read_pool(), except).await
    }

    async fn token_owner(&self, token_hash: &str) -> Result<Option<TokenOwner>> {
        Sql::<B::Db>::token_owner(self.read_pool(), token_hash).await
    }

    async fn tokens(
        &self,
        query: &TokenQuery,
    ) -> Result<(Vec<(PersonalAccessToken, OrgId, i64)>, u64)> {
        Sql::<B::Db>::tokens(self.read_pool(), query).await
    }

    async fn code(&self, user: UserId, kind: CodeKind) -> Result<Option<CodeRecord>> {
        Sql::<B::Db>::code(self.read_pool(), user, kind).await
    }

    async fn codes(&self, user: UserId) -> Result<Vec<CodeRecord>> {
        Sql::<B::Db>::codes(self.read_pool(), user).await
    }

    async fn code_mail_times(&self, user: UserId, since: Timestamp) -> Result<Vec<Timestamp>> {
        Sql::<B::Db>::code_mail_times(self.read_pool(), user, since).await
    }

    async fn mails(&self, query: &MailQuery) -> Result<Vec<MailRecord>> {
        Sql::<B::Db>::mails(self.read_pool(), query).await
    }

    async fn mail(&self, id: crate::ids::MailId) -> Result<Option<MailRecord>> {
        Sql::<B::Db>::mail(self.read_pool(), id).await
    }

    async fn mails_with_plaintext_secrets(&self) -> Result<Vec<MailRecord>> {
        Sql::<B::Db>::mails_with_plaintext_secrets(self.read_pool()).await
    }

    async fn session(&self, id_hash: &str) -> Result<Option<(String, Timestamp)>> {
        Sql::<B::Db>::session(self.read_pool(), id_hash).await
    }

    async fn login_window(&self, key: &str) -> Result<Option<(Timestamp, i64)>> {
        Sql::<B::Db>::login_window(self.read_pool(), key).await
    }

    async fn mail_counts(&self) -> Result<Vec<(crate::model::MailStatus, i64)>> {
        Sql::<B::Db>::mail_counts(self.read_pool()).await
    }

    async fn dashboard(&self, query: &DashboardQuery) -> Result<DashboardFigures> {
        Sql::<B::Db>::dashboard(self.read_pool(), query).await
    }

    async fn events(&self, query: &EventQuery) -> Result<Vec<Event>> {
        Sql::<B::Db>::events(self.read_pool(), query).await
    }

    async fn claim_mails(&self, claim: &Claim<'_>) -> Result<Vec<MailRecord>> {
        Sql::<B::Db>::claim_mails(self.write_pool(), B::BEGIN_WRITE, B::ROW_LOCK, claim).await
    }

    async fn reclaim_mails(&self, owner: &str, now: Timestamp) -> Result<u64> {
        Sql::<B::Db>::reclaim_mails(self.write_pool(), owner, now).await
    }

    async fn jobs(&self) -> Result<Vec<crate::jobs::Job>> {
        Sql::<B::Db>::jobs(self.read_pool(), None).await
    }

    async fn job(&self, id: crate::ids::JobId) -> Result<Option<crate::jobs::Job>> {
        Ok(Sql::<B::Db>::jobs(self.read_pool(), Some(id)).await?.pop())
    }

    async fn job_counts(&self, id: crate::ids::JobId) -> Result<Vec<(Option<String>, i64)>> {
        Sql::<B::Db>::job_counts(self.read_pool(), id).await
    }

    async fn claim_job_items(&self, claim: &Claim<'_>) -> Result<Vec<(crate::ids::JobId, UserId)>> {
        Sql::<B::Db>::claim_job_items(self.write_pool(), B::BEGIN_WRITE, B::ROW_LOCK, claim).await
    }

    async fn reclaim_job_items(&self, owner: &str) -> Result<u64> {
        Sql::<B::Db>::reclaim_job_items(self.write_pool(), owner).await
    }

    async fn scrub_files(&self) -> Result<()> {
        self.scrub().await
    }

    async fn close(&self) {
        self.close_pools().await;
    }

    async fn announce_auth_change(&self) -> Result<()> {
        self.announce().await
    }

    async fn listen_auth_changes(
        &self,
        on_change: Box<dyn Fn() -> bool + Send + Sync>,
    ) -> Result<()> {
        self.listen(on_change).await
    }
}
