//! The reads and the write execution both databases share, generic over
//! `sqlx::Database`: the SQL is the same, only how a write is run differs (one script
//! per write on SQLite, one statement at a time on Postgres) and is passed in.
//! Callers name the backend: `Sql::<Sqlite>::user(&pool, id)`.

use crate::store::ops::{check_markers, write_error, Statements};
use crate::store::rows::*;
use crate::store::statement::{Statement, Value};

pub(crate) struct Sql<DB>(std::marker::PhantomData<DB>);

/// One `where` for the block: what the statements bind and read. SQLite and Postgres
/// have all of it.
impl<DB: sqlx::Database> Sql<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'a> i64: sqlx::Encode<'a, DB> + sqlx::Decode<'a, DB> + sqlx::Type<DB>,
    for<'a> Option<i64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> String: sqlx::Encode<'a, DB> + sqlx::Decode<'a, DB> + sqlx::Type<DB>,
    for<'a> Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> bool: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> Option<&'a str>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'r> UserRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> ListedUserRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> OrgRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> MembershipRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> EventRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> TokenOwnerRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> TokenRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> CodeRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> MailRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> (String, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (Option<String>, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> crate::store::rows::JobRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64, String, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64, i64, i64, i64): sqlx::FromRow<'r, DB::Row>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
{
    /// The arguments of a statement's values.
    pub(crate) fn arguments<'q>(values: Vec<Value>) -> crate::error::Result<DB::Arguments<'q>> {
        use sqlx::Arguments;
        let mut args = DB::Arguments::default();
        for value in values {
            let added = match value {
                Value::Int(v) => args.add(v),
                Value::OptInt(v) => args.add(v),
                Value::Text(v) => args.add(v),
                Value::OptText(v) => args.add(v),
                Value::Bool(v) => args.add(v),
                Value::Name(v) => args.add(v),
                Value::OptName(v) => args.add(v),
            };
            added.map_err(|err| crate::error::Error::internal(sqlx::Error::Encode(err)))?;
        }
        Ok(args)
    }

    /// Runs a statement for its rows.
    async fn rows<T>(
        pool: &sqlx::Pool<DB>,
        statement: Statement<DB>,
    ) -> crate::error::Result<Vec<T>>
    where
        for<'r> T: sqlx::FromRow<'r, DB::Row> + Send + Unpin,
    {
        let (sql, values) = statement.into_parts();
        let args = Self::arguments(values)?;
        let rows = sqlx::query_as_with::<DB, T, _>(&sql, args)
            .fetch_all(pool)
            .await?;
        Ok(rows)
    }

    /// Runs a `SELECT count(*)` statement.
    async fn count(pool: &sqlx::Pool<DB>, statement: Statement<DB>) -> crate::error::Result<i64> {
        let (sql, values) = statement.into_parts();
        let args = Self::arguments(values)?;
        let (count,): (i64,) = sqlx::query_as_with(&sql, args).fetch_one(pool).await?;
        Ok(count)
    }

    /// Runs a write's statements inside the caller's transaction. `Ok(false)`:
    /// a claimed instance key was taken, and the caller must roll back.
    pub(crate) async fn apply_write(
        conn: &mut DB::Connection,
        write: crate::store::Write,
        one_script_per_write: bool,
    ) -> crate::error::Result<bool> {
        if one_script_per_write {
            let mut q = Statement::<DB>::new("");
            let expected = Statements::<DB>::push_write(&mut q, write, 0);
            let (sql, values) = q.into_parts();
            let rows = sqlx::query_with(&sql, Self::arguments(values)?)
                .fetch_all(&mut *conn)
                .await
                .map_err(write_error)?;
            let returned = Self::returned_markers(&rows)?;
            return check_markers(&expected, &returned);
        }
        for (i, op) in write.ops.into_iter().enumerate() {
            let mut q = Statement::<DB>::new("");
            let expect = Statements::<DB>::push_op(&mut q, op, i as i64);
            let (sql, values) = q.into_parts();
            let rows = sqlx::query_with(&sql, Self::arguments(values)?)
                .fetch_all(&mut *conn)
                .await
                .map_err(write_error)?;
            let returned = Self::returned_markers(&rows)?;
            if !check_markers(&[expect], &returned)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// One write in a transaction of its own.
    pub(crate) async fn write_alone(
        pool: &sqlx::Pool<DB>,
        write: crate::store::Write,
        begin_write: &'static str,
        one_script_per_write: bool,
    ) -> crate::error::Result<bool> {
        let mut tx = pool.begin_with(begin_write).await?;
        if !Self::apply_write(&mut tx, write, one_script_per_write).await? {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The `RETURNING` markers among a script's rows.
    pub(crate) fn returned_markers(rows: &[DB::Row]) -> crate::error::Result<Vec<i64>> {
        use sqlx::Row;
        Ok(rows
            .iter()
            .map(|row| row.try_get::<i64, _>(0))
            .collect::<Result<Vec<_>, _>>()?)
    }

    pub(crate) async fn instance_value(
        pool: &sqlx::Pool<DB>,
        key: &str,
    ) -> crate::error::Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM instance WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?,
        )
    }

    pub(crate) async fn org(
        pool: &sqlx::Pool<DB>,
        id: crate::ids::OrgId,
    ) -> crate::error::Result<Option<crate::model::Org>> {
        let row: Option<crate::store::rows::OrgRow> =
            sqlx::query_as("SELECT id, name, state, created_at FROM orgs WHERE id = $1")
                .bind(id.0)
                .fetch_optional(pool)
                .await?;
        Ok(row.map(Into::into))
    }

    pub(crate) async fn orgs(
        pool: &sqlx::Pool<DB>,
    ) -> crate::error::Result<Vec<crate::model::Org>> {
        let rows: Vec<crate::store::rows::OrgRow> =
            sqlx::query_as("SELECT id, name, state, created_at FROM orgs ORDER BY name")
                .fetch_all(pool)
                .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn user(
        pool: &sqlx::Pool<DB>,
        id: crate::ids::UserId,
    ) -> crate::error::Result<Option<crate::model::User>> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(pool)
                .await?;
        Ok(row.map(Into::into))
    }

    pub(crate) async fn user_by_username(
        pool: &sqlx::Pool<DB>,
        username: &str,
    ) -> crate::error::Result<Option<crate::model::User>> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower($1) AND state <> 'deleted'"
        ))
        .bind(username)
        .fetch_optional(pool)
        .await?;
        Ok(row.map(Into::into))
    }

    pub(crate) async fn users(
        pool: &sqlx::Pool<DB>,
        query: &crate::store::UserQuery,
    ) -> crate::error::Result<(Vec<(crate::model::User, bool)>, u64)> {
        let count = Self::users_filtered(Statement::new("SELECT count(*)"), query);
        let total = Self::count(pool, count).await?;
        // Whether a live email code is out, in the same query (no query per user).
        let mut select = Statement::new(format!(
            "SELECT {USER_COLUMNS}, EXISTS (SELECT 1 FROM codes c WHERE c.user_id = users.id AND "
        ));
        push_live_email_code(&mut select, query.now);
        select.push(") AS code_pending");
        let mut page = Self::users_filtered(select, query);
        page.push(" ORDER BY lower(username), id LIMIT ")
            .push_bind(query.limit.min(10_000) as i64)
            .push(" OFFSET ")
            .push_bind(query.offset.min(i64::MAX as u64) as i64);
        let rows: Vec<ListedUserRow> = Self::rows(pool, page).await?;
        Ok((
            rows.into_iter()
                .map(|row| (row.user.into(), row.code_pending))
                .collect(),
            total as u64,
        ))
    }

    pub(crate) async fn active_instance_owners(
        pool: &sqlx::Pool<DB>,
        except: crate::ids::UserId,
    ) -> crate::error::Result<i64> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM instance_memberships m JOIN users u ON u.id = m.user_id \
             WHERE u.state = 'active' AND u.id <> $1 AND (',' || m.roles || ',') LIKE '%,IAM_OWNER,%'",
        )
        .bind(except.0)
        .fetch_one(pool)
        .await?;
        Ok(count)
    }

    pub(crate) async fn memberships(
        pool: &sqlx::Pool<DB>,
        user: crate::ids::UserId,
    ) -> crate::error::Result<Vec<crate::model::Membership>> {
        let rows: Vec<crate::store::rows::MembershipRow> = sqlx::query_as(
            "SELECT user_id, org_id, roles FROM memberships WHERE user_id = $1 \
             UNION ALL SELECT user_id, CAST(NULL AS BIGINT), roles FROM instance_memberships WHERE user_id = $1",
        )
        .bind(user.0)
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn org_memberships(
        pool: &sqlx::Pool<DB>,
        org: crate::ids::OrgId,
    ) -> crate::error::Result<Vec<crate::model::Membership>> {
        let rows: Vec<crate::store::rows::MembershipRow> = sqlx::query_as(
            "SELECT user_id, org_id, roles FROM memberships WHERE org_id = $1 ORDER BY user_id",
        )
        .bind(org.0)
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn token_owner(
        pool: &sqlx::Pool<DB>,
        token_hash: &str,
    ) -> crate::error::Result<Option<crate::store::TokenOwner>> {
        let row: Option<crate::store::rows::TokenOwnerRow> = sqlx::query_as(
            "SELECT u.id AS user_id, u.org_id, u.state, p.expires_at FROM pats p \
             JOIN users u ON u.id = p.user_id \
             WHERE p.token_hash = $1 AND p.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await?;
        Ok(row.map(|row| crate::store::TokenOwner {
            user_id: crate::ids::UserId(row.user_id),
            org_id: crate::ids::OrgId(row.org_id),
            user_state: crate::model::UserState::from_db(&row.state),
            expires_at: row.expires_at.map(crate::clock::Timestamp),
        }))
    }

    pub(crate) async fn tokens(
        pool: &sqlx::Pool<DB>,
        query: &crate::store::TokenQuery,
    ) -> crate::error::Result<(
        Vec<(crate::model::PersonalAccessToken, crate::ids::OrgId, i64)>,
        u64,
    )> {
        let total = Self::count(pool, Self::tokens_filtered("SELECT count(*)", query)).await?;
        let mut page = Self::tokens_filtered(
            "SELECT p.id, p.user_id, p.token_hash, p.expires_at, p.created_at, u.org_id, u.sequence",
            query,
        );
        page.push(if query.asc {
            " ORDER BY p.created_at, p.id"
        } else {
            " ORDER BY p.created_at DESC, p.id DESC"
        })
        .push(" LIMIT ")
        .push_bind(query.limit.min(10_000) as i64)
        .push(" OFFSET ")
        .push_bind(query.offset.min(i64::MAX as u64) as i64);
        let rows: Vec<TokenRow> = Self::rows(pool, page).await?;
        Ok((
            rows.into_iter().map(TokenRow::into_parts).collect(),
            total as u64,
        ))
    }

    pub(crate) async fn code(
        pool: &sqlx::Pool<DB>,
        user: crate::ids::UserId,
        kind: crate::code::CodeKind,
    ) -> crate::error::Result<Option<crate::model::CodeRecord>> {
        let row: Option<crate::store::rows::CodeRow> = sqlx::query_as(&format!(
            "SELECT {CODE_COLUMNS} FROM codes WHERE user_id = $1 AND kind = $2"
        ))
        .bind(user.0)
        .bind(kind.as_db())
        .fetch_optional(pool)
        .await?;
        Ok(row.and_then(|row| row.into_record()))
    }

    pub(crate) async fn codes(
        pool: &sqlx::Pool<DB>,
        user: crate::ids::UserId,
    ) -> crate::error::Result<Vec<crate::model::CodeRecord>> {
        let rows: Vec<crate::store::rows::CodeRow> = sqlx::query_as(&format!(
            "SELECT {CODE_COLUMNS} FROM codes WHERE user_id = $1"
        ))
        .bind(user.0)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| row.into_record())
            .collect())
    }

    pub(crate) async fn code_mail_times(
        pool: &sqlx::Pool<DB>,
        user: crate::ids::UserId,
        since: crate::clock::Timestamp,
    ) -> crate::error::Result<Vec<crate::clock::Timestamp>> {
        // The kinds that count, from the one rule (`MailKind::carries_code`).
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let kinds: Vec<String> = crate::model::MailKind::ALL
                .into_iter()
                .filter(|kind| kind.carries_code())
                .map(|kind| format!("'{}'", kind.as_db()))
                .collect();
            format!(
                "SELECT created_at FROM mails WHERE user_id = $1 AND created_at >= $2 \
                 AND kind IN ({}) ORDER BY created_at",
                kinds.join(", ")
            )
        });
        let times: Vec<i64> = sqlx::query_scalar(SQL.as_str())
            .bind(user.0)
            .bind(since.0)
            .fetch_all(pool)
            .await?;
        Ok(times.into_iter().map(crate::clock::Timestamp).collect())
    }

    pub(crate) async fn mails(
        pool: &sqlx::Pool<DB>,
        query: &crate::store::MailQuery,
    ) -> crate::error::Result<Vec<crate::model::MailRecord>> {
        let mut sql = Statement::<DB>::new(format!("SELECT {MAIL_COLUMNS} FROM mails WHERE 1 = 1"));
        if let Some(user) = query.user {
            sql.push(" AND user_id = ").push_bind(user.0);
        }
        if let Some(orgs) = &query.orgs {
            sql.push(" AND org_id IN (0");
            for org in orgs {
                sql.push(", ").push_bind(org.0);
            }
            sql.push(")");
        }
        if let Some(status) = &query.status {
            sql.push(" AND status = ").push_bind(status.as_db());
        }
        if let Some(before) = query.before_id {
            sql.push(" AND id < ").push_bind(before.0);
        }
        sql.push(" ORDER BY id DESC LIMIT ")
            .push_bind(query.limit.clamp(1, 1000) as i64);
        let rows: Vec<MailRow> = Self::rows(pool, sql).await?;
        Ok(rows.into_iter().filter_map(MailRow::into_record).collect())
    }

    pub(crate) async fn mail(
        pool: &sqlx::Pool<DB>,
        id: crate::ids::MailId,
    ) -> crate::error::Result<Option<crate::model::MailRecord>> {
        let row: Option<MailRow> =
            sqlx::query_as(&format!("SELECT {MAIL_COLUMNS} FROM mails WHERE id = $1"))
                .bind(id.0)
                .fetch_optional(pool)
                .await?;
        Ok(row.and_then(MailRow::into_record))
    }

    pub(crate) async fn mails_with_plaintext_secrets(
        pool: &sqlx::Pool<DB>,
    ) -> crate::error::Result<Vec<crate::model::MailRecord>> {
        let rows: Vec<MailRow> = sqlx::query_as(&format!(
            "SELECT {MAIL_COLUMNS} FROM mails WHERE sealed IS NULL AND code_kind IS NOT NULL \
             AND (payload LIKE '%\"code\":%' OR payload LIKE '%\"link\":%')"
        ))
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().filter_map(MailRow::into_record).collect())
    }

    pub(crate) async fn claim_mails(
        pool: &sqlx::Pool<DB>,
        begin_write: &'static str,
        row_lock: &'static str,
        claim: &crate::store::Claim<'_>,
    ) -> crate::error::Result<Vec<crate::model::MailRecord>> {
        // Postgres: SKIP LOCKED lets several processes claim disjoint rows.
        // SQLite: the single writer serializes claims.
        let rows: Vec<MailRow> = Self::claim(
            pool,
            begin_write,
            format!(
                "UPDATE mails SET status = 'sending', attempts = attempts + 1, next_attempt_at = $2, claimed_by = $4 \
                 WHERE id IN (SELECT id FROM mails WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at, id LIMIT $3{row_lock}) RETURNING {MAIL_COLUMNS}"
            ),
            claim,
        )
        .await?;
        Ok(rows.into_iter().filter_map(MailRow::into_record).collect())
    }

    /// Runs a claiming `UPDATE … RETURNING` in a write transaction of its own, with
    /// `$1` the claim's now, `$2` its lease end, `$3` its limit and `$4` its owner.
    async fn claim<R>(
        pool: &sqlx::Pool<DB>,
        begin_write: &'static str,
        sql: String,
        claim: &crate::store::Claim<'_>,
    ) -> crate::error::Result<Vec<R>>
    where
        R: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
    {
        let mut tx = pool.begin_with(begin_write).await?;
        let rows = sqlx::query_as(&sql)
            .bind(claim.now.0)
            .bind(claim.lease_until.0)
            .bind(claim.limit.clamp(1, 1000) as i64)
            .bind(claim.owner)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Jobs not dismissed, newest first; or the one job `id` (dismissed or not).
    pub(crate) async fn jobs(
        pool: &sqlx::Pool<DB>,
        id: Option<crate::ids::JobId>,
    ) -> crate::error::Result<Vec<crate::jobs::Job>> {
        let mut sql = Statement::<DB>::new(
            "SELECT id, kind, created_by, created_at, orgs, total, finished_at, dismissed_at FROM jobs WHERE ",
        );
        match id {
            Some(id) => sql.push("id = ").push_bind(id.0),
            None => sql.push("dismissed_at IS NULL ORDER BY id DESC LIMIT 200"),
        };
        let rows: Vec<crate::store::rows::JobRow> = Self::rows(pool, sql).await?;
        Ok(rows.into_iter().filter_map(|row| row.into_job()).collect())
    }

    pub(crate) async fn job_counts(
        pool: &sqlx::Pool<DB>,
        id: crate::ids::JobId,
    ) -> crate::error::Result<Vec<(Option<String>, i64)>> {
        let mut sql =
            Statement::<DB>::new("SELECT outcome, count(*) FROM job_items WHERE job_id = ");
        sql.push_bind(id.0).push(" GROUP BY outcome");
        Self::rows(pool, sql).await
    }

    /// As `claim_mails`, for job items: pending, and not leased to a live claim.
    pub(crate) async fn claim_job_items(
        pool: &sqlx::Pool<DB>,
        begin_write: &'static str,
        row_lock: &'static str,
        claim: &crate::store::Claim<'_>,
    ) -> crate::error::Result<Vec<(crate::ids::JobId, crate::ids::UserId)>> {
        let rows: Vec<(i64, i64)> = Self::claim(
            pool,
            begin_write,
            format!(
                "UPDATE job_items SET lease_until = $2, claimed_by = $4 \
                 WHERE (job_id, user_id) IN (SELECT job_id, user_id FROM job_items \
                 WHERE outcome IS NULL AND (lease_until IS NULL OR lease_until <= $1) \
                 ORDER BY job_id, user_id LIMIT $3{row_lock}) RETURNING job_id, user_id"
            ),
            claim,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(job, user)| (crate::ids::JobId(job), crate::ids::UserId(user)))
            .collect())
    }

    pub(crate) async fn reclaim_job_items(
        pool: &sqlx::Pool<DB>,
        owner: &str,
    ) -> crate::error::Result<u64> {
        let handed_back: Vec<(i64,)> = sqlx::query_as(
            "UPDATE job_items SET lease_until = NULL, claimed_by = NULL \
             WHERE outcome IS NULL AND claimed_by = $1 RETURNING job_id",
        )
        .bind(owner)
        .fetch_all(pool)
        .await?;
        Ok(handed_back.len() as u64)
    }

    /// Hands back the mails `owner` claimed and did not finish (it stopped): due now.
    pub(crate) async fn reclaim_mails(
        pool: &sqlx::Pool<DB>,
        owner: &str,
        now: crate::clock::Timestamp,
    ) -> crate::error::Result<u64> {
        let handed_back: Vec<(i64,)> = sqlx::query_as(
            "UPDATE mails SET status = 'queued', next_attempt_at = $2, claimed_by = NULL \
             WHERE status = 'sending' AND claimed_by = $1 RETURNING id",
        )
        .bind(owner)
        .bind(now.0)
        .fetch_all(pool)
        .await?;
        Ok(handed_back.len() as u64)
    }

    pub(crate) async fn session(
        pool: &sqlx::Pool<DB>,
        id_hash: &str,
    ) -> crate::error::Result<Option<(String, crate::clock::Timestamp)>> {
        let row: Option<(String, i64)> =
            sqlx::query_as("SELECT data, expires_at FROM console_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .fetch_optional(pool)
                .await?;
        Ok(row.map(|(data, expires_at)| (data, crate::clock::Timestamp(expires_at))))
    }

    pub(crate) async fn login_window(
        pool: &sqlx::Pool<DB>,
        key: &str,
    ) -> crate::error::Result<Option<(crate::clock::Timestamp, i64)>> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT window_start, attempts FROM login_limits WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?;
        Ok(row.map(|(start, attempts)| (crate::clock::Timestamp(start), attempts)))
    }

    pub(crate) async fn mail_counts(
        pool: &sqlx::Pool<DB>,
    ) -> crate::error::Result<Vec<(crate::model::MailStatus, i64)>> {
        let counts: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, count(*) FROM mails GROUP BY status ORDER BY status")
                .fetch_all(pool)
                .await?;
        Ok(counts
            .into_iter()
            .filter_map(|(status, count)| {
                Some((crate::model::MailStatus::from_name(&status)?, count))
            })
            .collect())
    }

    pub(crate) async fn events(
        pool: &sqlx::Pool<DB>,
        query: &crate::store::EventQuery,
    ) -> crate::error::Result<Vec<crate::model::Event>> {
        let mut sql = Statement::<DB>::new(
            "SELECT user_id, sequence, event_type, payload, creator, created_at, transport FROM events WHERE user_id = ",
        );
        sql.push_bind(query.user.0);
        if let Some(after) = query.after {
            sql.push(" AND sequence > ").push_bind(after);
        }
        if let Some(before) = query.before {
            sql.push(" AND sequence < ").push_bind(before);
        }
        if let Some(types) = &query.types {
            // An empty list matches nothing; `IN ()` is not valid SQL.
            sql.push(" AND event_type IN (''");
            for event_type in types {
                sql.push(", ").push_bind(event_type.clone());
            }
            sql.push(")");
        }
        sql.push(if query.newest_first {
            " ORDER BY sequence DESC"
        } else {
            " ORDER BY sequence"
        })
        .push(" LIMIT ")
        .push_bind(query.limit.clamp(1, 10_000) as i64);
        let rows: Vec<crate::store::rows::EventRow> = Self::rows(pool, sql).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The dashboard's figures (SPEC §4), each one indexed query over the orgs in
    /// `query.orgs` (migration 0006 holds the indexes that cover them).
    pub(crate) async fn dashboard(
        pool: &sqlx::Pool<DB>,
        query: &crate::store::DashboardQuery,
    ) -> crate::error::Result<crate::store::DashboardFigures> {
        let orgs = query.orgs.as_deref();
        // Humans by state and verified flag: a scan of `users_email_state` only.
        let mut states = Statement::new(
            "SELECT CASE WHEN state = 'initial' THEN 'initial' \
             WHEN email_verified THEN 'verified' ELSE 'unverified' END AS email_state, count(*) \
             FROM users WHERE kind = 'human' AND state <> 'deleted'",
        );
        push_org_filter(&mut states, "org_id", orgs);
        states.push(" GROUP BY email_state");
        let email_states: Vec<(String, i64)> = Self::rows(pool, states).await?;
        // Of the unverified: those with a live code out (`codes_live`, then each
        // user by its key).
        let mut pending =
            Statement::new("SELECT count(*) FROM codes c JOIN users u ON u.id = c.user_id WHERE ");
        push_live_email_code(&mut pending, query.now);
        pending.push(
            " AND u.kind = 'human' AND u.state NOT IN ('deleted', 'initial') AND NOT u.email_verified",
        );
        push_org_filter(&mut pending, "u.org_id", orgs);
        let pending = Self::count(pool, pending).await?;

        let mut statuses = Statement::new("SELECT status, count(*) FROM mails WHERE 1 = 1");
        push_org_filter(&mut statuses, "org_id", orgs);
        statuses.push(" GROUP BY status");
        let mail_statuses: Vec<(String, i64)> = Self::rows(pool, statuses).await?;

        // Mails per hour since `hours_since` (`mails_created`): hour 0 is the first.
        let mut hourly = Statement::new("SELECT (created_at - ");
        hourly
            .push_bind(query.hours_since.0)
            .push(format!(
                ") / {HOUR_MICROS} AS hour, status, count(*) FROM mails WHERE created_at >= "
            ))
            .push_bind(query.hours_since.0);
        push_org_filter(&mut hourly, "org_id", orgs);
        hourly.push(" GROUP BY hour, status");
        let mails_per_hour: Vec<(i64, String, i64)> = Self::rows(pool, hourly).await?;

        // The funnel: each user's latest verification code sent since `funnel_since`
        // (`codes_sent`), and how soon it was used.
        let mut funnel = Statement::new(format!(
            "SELECT count(*), \
             coalesce(sum(CASE WHEN c.used_at - c.created_at <= {HOUR_MICROS} THEN 1 ELSE 0 END), 0), \
             coalesce(sum(CASE WHEN c.used_at - c.created_at <= {DAY_MICROS} THEN 1 ELSE 0 END), 0), \
             coalesce(sum(CASE WHEN c.used_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM codes c"
        ));
        if orgs.is_some() {
            funnel.push(" JOIN users u ON u.id = c.user_id");
        }
        funnel
            // Codes handed back (returnCode) were never sent.
            .push(" WHERE c.kind = 'email' AND NOT c.returned AND c.created_at >= ")
            .push_bind(query.funnel_since.0);
        push_org_filter(&mut funnel, "u.org_id", orgs);
        let (sent, within_hour, within_day, verified): (i64, i64, i64, i64) =
            Self::rows(pool, funnel).await?.pop().unwrap_or_default();

        Ok(crate::store::DashboardFigures {
            email_states,
            pending,
            mail_statuses,
            mails_per_hour,
            funnel: crate::store::FunnelFigures {
                sent,
                within_hour,
                within_day,
                verified,
            },
        })
    }

    fn users_filtered(mut sql: Statement<DB>, query: &crate::store::UserQuery) -> Statement<DB> {
        sql.push(" FROM users WHERE 1 = 1");
        if !query.include_deleted {
            sql.push(" AND state <> 'deleted'");
        }
        if let Some(state) = query.state {
            sql.push(" AND state = ").push_bind(state.as_db());
        }
        push_org_filter(&mut sql, "org_id", query.orgs.as_deref());
        if let Some(group) = query.email_group {
            use crate::model::EmailGroup;
            sql.push(" AND kind = 'human' AND ");
            match group {
                EmailGroup::Initial => sql.push("state = 'initial'"),
                EmailGroup::Verified => sql.push("state <> 'initial' AND email_verified"),
                EmailGroup::Pending | EmailGroup::Unverified => {
                    let not = if group == EmailGroup::Pending {
                        ""
                    } else {
                        "NOT "
                    };
                    sql.push(format!(
                        "state <> 'initial' AND NOT email_verified AND {not}EXISTS \
                         (SELECT 1 FROM codes c WHERE c.user_id = users.id AND "
                    ));
                    push_live_email_code(&mut sql, query.now);
                    sql.push(")")
                }
            };
        }
        if let Some(text) = query.text.as_deref().filter(|t| !t.is_empty()) {
            let pattern = like_pattern(text);
            sql.push(" AND (");
            for (i, column) in [
                "username",
                "email",
                "given_name",
                "family_name",
                "display_name",
            ]
            .into_iter()
            .enumerate()
            {
                if i > 0 {
                    sql.push(" OR ");
                }
                sql.push(format!("lower(coalesce({column}, '')) LIKE "))
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '\\'");
            }
            sql.push(")");
        }
        sql
    }

    fn tokens_filtered(select: &str, query: &crate::store::TokenQuery) -> Statement<DB> {
        let mut sql = Statement::<DB>::new(select);
        sql.push(" FROM pats p JOIN users u ON u.id = p.user_id WHERE p.revoked_at IS NULL AND u.state <> 'deleted'");
        if let Some(user) = query.user {
            sql.push(" AND p.user_id = ").push_bind(user.0);
        }
        if let Some(token) = query.token {
            sql.push(" AND p.id = ").push_bind(token.0);
        }
        if let Some(orgs) = &query.orgs {
            sql.push(" AND u.org_id IN (0");
            for org in orgs {
                sql.push(", ").push_bind(org.0);
            }
            sql.push(")");
        }
        for (column, condition) in [
            ("p.created_at", query.created),
            (END_OF_TIME_EXPIRY, query.expires),
        ] {
            if let Some((ordering, or_equal, at)) = condition {
                sql.push(format!(" AND {column} {} ", comparison(ordering, or_equal)))
                    .push_bind(at.0);
            }
        }
        sql
    }
}

const HOUR_MICROS: i64 = 3_600_000_000;
const DAY_MICROS: i64 = 24 * HOUR_MICROS;

/// ` AND <column> IN (…)` for a list of orgs; `None` = every org, no condition.
fn push_org_filter<DB: sqlx::Database>(
    sql: &mut Statement<DB>,
    column: &str,
    orgs: Option<&[crate::ids::OrgId]>,
) {
    let Some(orgs) = orgs else {
        return;
    };
    // An empty list matches nothing (no org has id 0); `IN ()` is not valid SQL.
    sql.push(format!(" AND {column} IN (0"));
    for org in orgs {
        sql.push(", ").push_bind(org.0);
    }
    sql.push(")");
}

/// The conditions on `codes c` of a live verification code: the user's email is
/// *pending* (the badge, the filter and the dashboard agree on it).
fn push_live_email_code<DB: sqlx::Database>(sql: &mut Statement<DB>, now: crate::clock::Timestamp) {
    sql.push(format!(
        "c.kind = 'email' AND c.used_at IS NULL AND c.attempts < {} AND c.expires_at > ",
        crate::code::MAX_ATTEMPTS
    ))
    .push_bind(now.0);
}
