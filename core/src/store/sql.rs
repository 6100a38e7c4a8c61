//! The SQL both backends share. The statements are written once, with `$n`
//! placeholders that SQLite and Postgres both understand, and integer timestamps and
//! ids, so that only connection setup, migrations and locking differ per backend.

use crate::clock::Timestamp;
use crate::ids::{OrgId, TokenId, UserId};
use crate::model::{
    Event, Human, Machine, Membership, Org, OrgState, PersonalAccessToken, User, UserKind,
    UserState,
};
use crate::permissions::Role;

pub(super) const USER_COLUMNS: &str =
    "id, org_id, kind, username, state, given_name, family_name, \
     display_name, nick_name, preferred_language, email, email_verified, password_hash, \
     machine_name, machine_description, created_at, sequence, change_sequence, changed_at";

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: i64,
    org_id: i64,
    kind: String,
    username: String,
    state: String,
    given_name: String,
    family_name: String,
    display_name: String,
    nick_name: String,
    preferred_language: String,
    email: Option<String>,
    email_verified: bool,
    password_hash: Option<String>,
    machine_name: Option<String>,
    machine_description: Option<String>,
    created_at: i64,
    sequence: i64,
    change_sequence: i64,
    changed_at: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        let kind = if row.kind == "machine" {
            UserKind::Machine(Machine {
                name: row.machine_name.unwrap_or_default(),
                description: row.machine_description.unwrap_or_default(),
            })
        } else {
            UserKind::Human(Human {
                given_name: row.given_name,
                family_name: row.family_name,
                display_name: row.display_name,
                nick_name: row.nick_name,
                preferred_language: row.preferred_language,
                email: row.email.unwrap_or_default(),
                email_verified: row.email_verified,
                password_hash: row.password_hash,
            })
        };
        User {
            id: UserId(row.id),
            org_id: OrgId(row.org_id),
            username: row.username,
            state: UserState::from_db(&row.state),
            kind,
            created_at: Timestamp(row.created_at),
            sequence: row.sequence,
            change_sequence: row.change_sequence,
            changed_at: Timestamp(row.changed_at),
        }
    }
}

/// The user row's columns as bind values, in `USER_COLUMNS` order.
pub(super) struct UserValues {
    pub id: i64,
    pub org_id: i64,
    pub kind: &'static str,
    pub username: String,
    pub state: &'static str,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub nick_name: String,
    pub preferred_language: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub password_hash: Option<String>,
    pub machine_name: Option<String>,
    pub machine_description: Option<String>,
    pub created_at: i64,
    pub sequence: i64,
    pub change_sequence: i64,
    pub changed_at: i64,
}

impl From<&User> for UserValues {
    fn from(user: &User) -> Self {
        let (human, machine) = match &user.kind {
            UserKind::Human(human) => (Some(human.clone()), None),
            UserKind::Machine(machine) => (None, Some(machine.clone())),
        };
        let h = human.clone().unwrap_or_default();
        UserValues {
            id: user.id.0,
            org_id: user.org_id.0,
            kind: if machine.is_some() {
                "machine"
            } else {
                "human"
            },
            username: user.username.clone(),
            state: user.state.as_db(),
            given_name: h.given_name,
            family_name: h.family_name,
            display_name: h.display_name,
            nick_name: h.nick_name,
            preferred_language: h.preferred_language,
            email: human.as_ref().map(|h| h.email.clone()),
            email_verified: h.email_verified,
            password_hash: h.password_hash,
            machine_name: machine.as_ref().map(|m| m.name.clone()),
            machine_description: machine.map(|m| m.description),
            created_at: user.created_at.0,
            sequence: user.sequence,
            change_sequence: user.change_sequence,
            changed_at: user.changed_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct OrgRow {
    id: i64,
    name: String,
    state: String,
    created_at: i64,
}

impl From<OrgRow> for Org {
    fn from(row: OrgRow) -> Self {
        Org {
            id: OrgId(row.id),
            name: row.name,
            state: OrgState::from_db(&row.state),
            created_at: Timestamp(row.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct MembershipRow {
    user_id: i64,
    org_id: i64,
    roles: String,
}

/// Instance memberships are stored with org id 0 (no org has that id).
pub(super) const INSTANCE_SCOPE: i64 = 0;

impl From<MembershipRow> for Membership {
    fn from(row: MembershipRow) -> Self {
        Membership {
            user_id: UserId(row.user_id),
            org_id: (row.org_id != INSTANCE_SCOPE).then_some(OrgId(row.org_id)),
            roles: row.roles.split(',').filter_map(Role::parse).collect(),
        }
    }
}

pub(super) fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(",")
}

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    user_id: i64,
    sequence: i64,
    event_type: String,
    payload: String,
    creator: Option<i64>,
    created_at: i64,
}

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Self {
        Event {
            user_id: UserId(row.user_id),
            sequence: row.sequence,
            event_type: row.event_type,
            payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
            creator: row.creator.map(UserId),
            created_at: Timestamp(row.created_at),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TokenOwnerRow {
    pub user_id: i64,
    pub org_id: i64,
    pub state: String,
    pub expires_at: Option<i64>,
}

pub(super) fn token_id(token: &PersonalAccessToken) -> TokenId {
    token.id
}

#[derive(sqlx::FromRow)]
pub(super) struct CodeRow {
    user_id: i64,
    kind: String,
    code_hash: String,
    email: String,
    url_template: Option<String>,
    attempts: i64,
    created_at: i64,
    expires_at: i64,
}

impl CodeRow {
    pub(super) fn into_record(self) -> Option<crate::model::CodeRecord> {
        Some(crate::model::CodeRecord {
            user_id: UserId(self.user_id),
            kind: crate::code::CodeKind::from_db(&self.kind)?,
            code_hash: self.code_hash,
            email: self.email,
            url_template: self.url_template,
            attempts: self.attempts,
            created_at: Timestamp(self.created_at),
            expires_at: Timestamp(self.expires_at),
        })
    }
}

pub(super) const MAIL_COLUMNS: &str = "id, user_id, org_id, kind, to_address, subject, payload, status, \
     attempts, last_error, created_at, next_attempt_at, sent_at, code_kind, code_hash, code_expires_at, message_id, \
     body_text, body_html";

#[derive(sqlx::FromRow)]
pub(super) struct MailRow {
    id: i64,
    user_id: i64,
    org_id: i64,
    kind: String,
    to_address: String,
    subject: String,
    payload: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    next_attempt_at: i64,
    sent_at: Option<i64>,
    code_kind: Option<String>,
    code_hash: Option<String>,
    code_expires_at: Option<i64>,
    message_id: String,
    body_text: Option<String>,
    body_html: Option<String>,
}

impl MailRow {
    pub(super) fn into_record(self) -> Option<crate::model::MailRecord> {
        Some(crate::model::MailRecord {
            id: self.id,
            user_id: UserId(self.user_id),
            org_id: OrgId(self.org_id),
            kind: crate::model::MailKind::from_db(&self.kind)?,
            to_address: self.to_address,
            subject: self.subject,
            payload: serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null),
            status: self.status,
            attempts: self.attempts,
            last_error: self.last_error,
            created_at: Timestamp(self.created_at),
            next_attempt_at: Timestamp(self.next_attempt_at),
            sent_at: self.sent_at.map(Timestamp),
            code_kind: self
                .code_kind
                .as_deref()
                .and_then(crate::code::CodeKind::from_db),
            code_hash: self.code_hash,
            code_expires_at: self.code_expires_at.map(Timestamp),
            message_id: self.message_id,
            body_text: self.body_text,
            body_html: self.body_html,
        })
    }
}

/// `%text%` for LIKE, with the wildcards of the text itself escaped (`ESCAPE '\'`).
pub(super) fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Implements `Store` for a backend struct that has `read_pool()`, `write_pool()`,
/// `begin_write()` and `backend()` inherent methods.
macro_rules! sql_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> $crate::store::Backend {
                <$store>::BACKEND
            }

            async fn ready(&self) -> $crate::error::Result<()> {
                self.check_migrations().await
            }

            async fn commit(&self, write: $crate::store::Write) -> $crate::error::Result<bool> {
                use $crate::store::sql::*;
                use $crate::store::Op;
                let mut tx = self.begin_write().await?;
                for op in write.ops {
                    match op {
                        Op::ClaimInstanceKey { key, value } => {
                            let claimed = sqlx::query(
                                "INSERT INTO instance (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                            )
                            .bind(key)
                            .bind(value)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                            if claimed == 0 {
                                return Ok(false);
                            }
                        }
                        Op::InsertOrg(org) => {
                            sqlx::query("INSERT INTO orgs (id, name, state, created_at) VALUES ($1, $2, $3, $4)")
                                .bind(org.id.0)
                                .bind(org.name)
                                .bind(org.state.as_db())
                                .bind(org.created_at.0)
                                .execute(&mut *tx)
                                .await
                                .map_err(unique_as_exists)?;
                        }
                        Op::InsertUser(user) => {
                            let v = UserValues::from(&user);
                            sqlx::query(&format!(
                                "INSERT INTO users ({USER_COLUMNS}) VALUES \
                                 ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
                            ))
                            .bind(v.id).bind(v.org_id).bind(v.kind).bind(v.username).bind(v.state)
                            .bind(v.given_name).bind(v.family_name).bind(v.display_name).bind(v.nick_name)
                            .bind(v.preferred_language).bind(v.email).bind(v.email_verified)
                            .bind(v.password_hash).bind(v.machine_name).bind(v.machine_description)
                            .bind(v.created_at).bind(v.sequence).bind(v.change_sequence).bind(v.changed_at)
                            .execute(&mut *tx)
                            .await
                            .map_err(unique_as_exists)?;
                        }
                        Op::UpdateUser { user, expected_sequence } => {
                            let v = UserValues::from(&user);
                            let updated = sqlx::query(
                                "UPDATE users SET org_id = $2, username = $3, state = $4, given_name = $5, \
                                 family_name = $6, display_name = $7, nick_name = $8, preferred_language = $9, \
                                 email = $10, email_verified = $11, password_hash = $12, machine_name = $13, \
                                 machine_description = $14, sequence = $15, change_sequence = $16, changed_at = $17 \
                                 WHERE id = $1 AND sequence = $18",
                            )
                            .bind(v.id).bind(v.org_id).bind(v.username).bind(v.state).bind(v.given_name)
                            .bind(v.family_name).bind(v.display_name).bind(v.nick_name).bind(v.preferred_language)
                            .bind(v.email).bind(v.email_verified).bind(v.password_hash).bind(v.machine_name)
                            .bind(v.machine_description).bind(v.sequence).bind(v.change_sequence)
                            .bind(v.changed_at).bind(expected_sequence)
                            .execute(&mut *tx)
                            .await
                            .map_err(unique_as_exists)?
                            .rows_affected();
                            if updated == 0 {
                                return Err($crate::error::Error::aborted());
                            }
                        }
                        Op::AppendEvent(event) => {
                            sqlx::query(
                                "INSERT INTO events (user_id, sequence, event_type, payload, creator, created_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6)",
                            )
                            .bind(event.user_id.0)
                            .bind(event.sequence)
                            .bind(event.event_type)
                            .bind(event.payload.to_string())
                            .bind(event.creator.map(|c| c.0))
                            .bind(event.created_at.0)
                            .execute(&mut *tx)
                            .await
                            // A duplicate sequence means another write won the race.
                            .map_err(|err| match &err {
                                sqlx::Error::Database(db) if db.is_unique_violation() => {
                                    $crate::error::Error::aborted()
                                }
                                _ => err.into(),
                            })?;
                        }
                        Op::PutMembership(membership) => {
                            sqlx::query(
                                "INSERT INTO memberships (user_id, org_id, roles) VALUES ($1, $2, $3) \
                                 ON CONFLICT (user_id, org_id) DO UPDATE SET roles = excluded.roles",
                            )
                            .bind(membership.user_id.0)
                            .bind(membership.org_id.map_or(INSTANCE_SCOPE, |o| o.0))
                            .bind(roles_text(&membership.roles))
                            .execute(&mut *tx)
                            .await?;
                        }
                        Op::PutCode(code) => {
                            sqlx::query(
                                "INSERT INTO codes (user_id, kind, code_hash, email, url_template, attempts, created_at, expires_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                                 ON CONFLICT (user_id, kind) DO UPDATE SET code_hash = excluded.code_hash, \
                                 email = excluded.email, url_template = excluded.url_template, attempts = excluded.attempts, \
                                 created_at = excluded.created_at, expires_at = excluded.expires_at",
                            )
                            .bind(code.user_id.0)
                            .bind(code.kind.as_db())
                            .bind(code.code_hash)
                            .bind(code.email)
                            .bind(code.url_template)
                            .bind(code.attempts)
                            .bind(code.created_at.0)
                            .bind(code.expires_at.0)
                            .execute(&mut *tx)
                            .await?;
                        }
                        Op::DeleteCode { user_id, kind } => {
                            sqlx::query("DELETE FROM codes WHERE user_id = $1 AND kind = $2")
                                .bind(user_id.0)
                                .bind(kind.as_db())
                                .execute(&mut *tx)
                                .await?;
                        }
                        Op::SetCodeAttempts { user_id, kind, attempts } => {
                            sqlx::query("UPDATE codes SET attempts = $3 WHERE user_id = $1 AND kind = $2")
                                .bind(user_id.0)
                                .bind(kind.as_db())
                                .bind(attempts)
                                .execute(&mut *tx)
                                .await?;
                        }
                        Op::EnqueueMail(mail) => {
                            sqlx::query(
                                "INSERT INTO mails (id, user_id, org_id, kind, to_address, payload, status, \
                                 created_at, next_attempt_at, code_kind, code_hash, code_expires_at, message_id) \
                                 VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $7, $8, $9, $10, $11)",
                            )
                            .bind(mail.id)
                            .bind(mail.user_id.0)
                            .bind(mail.org_id.0)
                            .bind(mail.kind.as_db())
                            .bind(mail.to_address)
                            .bind(mail.payload.to_string())
                            .bind(mail.created_at.0)
                            .bind(mail.code_kind.map(|k| k.as_db()))
                            .bind(mail.code_hash)
                            .bind(mail.code_expires_at.map(|t| t.0))
                            .bind(mail.message_id)
                            .execute(&mut *tx)
                            .await?;
                        }
                        Op::UpdateMail(update) => {
                            sqlx::query(
                                "UPDATE mails SET status = $2, attempts = $3, subject = $4, payload = $5, body_text = $6, \
                                 body_html = $7, last_error = $8, next_attempt_at = $9, sent_at = $10 WHERE id = $1",
                            )
                            .bind(update.id)
                            .bind(update.status)
                            .bind(update.attempts)
                            .bind(update.subject)
                            .bind(update.payload.to_string())
                            .bind(update.body_text)
                            .bind(update.body_html)
                            .bind(update.last_error)
                            .bind(update.next_attempt_at.0)
                            .bind(update.sent_at.map(|t| t.0))
                            .execute(&mut *tx)
                            .await?;
                        }
                        Op::InsertToken(token) => {
                            sqlx::query(
                                "INSERT INTO pats (id, user_id, token_hash, expires_at, created_at) \
                                 VALUES ($1, $2, $3, $4, $5)",
                            )
                            .bind(token_id(&token).0)
                            .bind(token.user_id.0)
                            .bind(token.token_hash)
                            .bind(token.expires_at.map(|t| t.0))
                            .bind(token.created_at.0)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn instance_value(&self, key: &str) -> $crate::error::Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM instance WHERE key = $1")
                    .bind(key)
                    .fetch_optional(self.read_pool())
                    .await?)
            }

            async fn org(&self, id: $crate::ids::OrgId) -> $crate::error::Result<Option<$crate::model::Org>> {
                let row: Option<$crate::store::sql::OrgRow> =
                    sqlx::query_as("SELECT id, name, state, created_at FROM orgs WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(self.read_pool())
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn orgs(&self) -> $crate::error::Result<Vec<$crate::model::Org>> {
                let rows: Vec<$crate::store::sql::OrgRow> =
                    sqlx::query_as("SELECT id, name, state, created_at FROM orgs ORDER BY name")
                        .fetch_all(self.read_pool())
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn user(&self, id: $crate::ids::UserId) -> $crate::error::Result<Option<$crate::model::User>> {
                use $crate::store::sql::*;
                let row: Option<UserRow> =
                    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                        .bind(id.0)
                        .fetch_optional(self.read_pool())
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn user_by_username(&self, username: &str) -> $crate::error::Result<Option<$crate::model::User>> {
                use $crate::store::sql::*;
                let row: Option<UserRow> = sqlx::query_as(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower($1) AND state <> 'deleted'"
                ))
                .bind(username)
                .fetch_optional(self.read_pool())
                .await?;
                Ok(row.map(Into::into))
            }

            async fn users(
                &self,
                query: &$crate::store::UserQuery,
            ) -> $crate::error::Result<(Vec<$crate::model::User>, u64)> {
                use $crate::store::sql::*;
                fn filtered<'a>(
                    select: &str,
                    query: &'a $crate::store::UserQuery,
                ) -> sqlx::QueryBuilder<'a, $db> {
                    let mut sql = sqlx::QueryBuilder::<$db>::new(select);
                    sql.push(" FROM users WHERE 1 = 1");
                    if !query.include_deleted {
                        sql.push(" AND state <> 'deleted'");
                    }
                    if let Some(state) = query.state {
                        sql.push(" AND state = ").push_bind(state.as_db());
                    }
                    if let Some(orgs) = &query.orgs {
                        // An empty list matches nothing; `IN ()` is not valid SQL.
                        sql.push(" AND org_id IN (0");
                        for org in orgs {
                            sql.push(", ").push_bind(org.0);
                        }
                        sql.push(")");
                    }
                    if let Some(text) = query.text.as_deref().filter(|t| !t.is_empty()) {
                        let pattern = like_pattern(text);
                        sql.push(" AND (");
                        for (i, column) in ["username", "email", "given_name", "family_name", "display_name"]
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
                let total: i64 = filtered("SELECT count(*)", query)
                    .build_query_scalar()
                    .fetch_one(self.read_pool())
                    .await?;
                let mut page = filtered(&format!("SELECT {USER_COLUMNS}"), query);
                page.push(" ORDER BY lower(username), id LIMIT ")
                    .push_bind(query.limit.min(10_000) as i64)
                    .push(" OFFSET ")
                    .push_bind(query.offset.min(i64::MAX as u64) as i64);
                let rows: Vec<UserRow> = page.build_query_as().fetch_all(self.read_pool()).await?;
                Ok((rows.into_iter().map(Into::into).collect(), total as u64))
            }

            async fn memberships(
                &self,
                user: $crate::ids::UserId,
            ) -> $crate::error::Result<Vec<$crate::model::Membership>> {
                let rows: Vec<$crate::store::sql::MembershipRow> =
                    sqlx::query_as("SELECT user_id, org_id, roles FROM memberships WHERE user_id = $1")
                        .bind(user.0)
                        .fetch_all(self.read_pool())
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn token_owner(
                &self,
                token_hash: &str,
            ) -> $crate::error::Result<Option<$crate::store::TokenOwner>> {
                let row: Option<$crate::store::sql::TokenOwnerRow> = sqlx::query_as(
                    "SELECT u.id AS user_id, u.org_id, u.state, p.expires_at FROM pats p \
                     JOIN users u ON u.id = p.user_id \
                     WHERE p.token_hash = $1 AND p.revoked_at IS NULL",
                )
                .bind(token_hash)
                .fetch_optional(self.read_pool())
                .await?;
                Ok(row.map(|row| $crate::store::TokenOwner {
                    user_id: $crate::ids::UserId(row.user_id),
                    org_id: $crate::ids::OrgId(row.org_id),
                    user_state: $crate::model::UserState::from_db(&row.state),
                    expires_at: row.expires_at.map($crate::clock::Timestamp),
                }))
            }

            async fn code(
                &self,
                user: $crate::ids::UserId,
                kind: $crate::code::CodeKind,
            ) -> $crate::error::Result<Option<$crate::model::CodeRecord>> {
                let row: Option<$crate::store::sql::CodeRow> = sqlx::query_as(
                    "SELECT user_id, kind, code_hash, email, url_template, attempts, created_at, expires_at \
                     FROM codes WHERE user_id = $1 AND kind = $2",
                )
                .bind(user.0)
                .bind(kind.as_db())
                .fetch_optional(self.read_pool())
                .await?;
                Ok(row.and_then(|row| row.into_record()))
            }

            async fn code_mail_times(
                &self,
                user: $crate::ids::UserId,
                since: $crate::clock::Timestamp,
            ) -> $crate::error::Result<Vec<$crate::clock::Timestamp>> {
                let times: Vec<i64> = sqlx::query_scalar(
                    "SELECT created_at FROM mails WHERE user_id = $1 AND created_at >= $2 \
                     AND kind IN ('email_verification', 'initialization') ORDER BY created_at",
                )
                .bind(user.0)
                .bind(since.0)
                .fetch_all(self.read_pool())
                .await?;
                Ok(times.into_iter().map($crate::clock::Timestamp).collect())
            }

            async fn mails(
                &self,
                query: &$crate::store::MailQuery,
            ) -> $crate::error::Result<Vec<$crate::model::MailRecord>> {
                use $crate::store::sql::*;
                let mut sql = sqlx::QueryBuilder::<$db>::new(format!("SELECT {MAIL_COLUMNS} FROM mails WHERE 1 = 1"));
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
                    sql.push(" AND status = ").push_bind(status.clone());
                }
                if let Some(before) = query.before_id {
                    sql.push(" AND id < ").push_bind(before);
                }
                sql.push(" ORDER BY id DESC LIMIT ").push_bind(query.limit.clamp(1, 1000) as i64);
                let rows: Vec<MailRow> = sql.build_query_as().fetch_all(self.read_pool()).await?;
                Ok(rows.into_iter().filter_map(MailRow::into_record).collect())
            }

            async fn mail(&self, id: i64) -> $crate::error::Result<Option<$crate::model::MailRecord>> {
                use $crate::store::sql::*;
                let row: Option<MailRow> = sqlx::query_as(&format!("SELECT {MAIL_COLUMNS} FROM mails WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(self.read_pool())
                    .await?;
                Ok(row.and_then(MailRow::into_record))
            }

            async fn claim_mails(
                &self,
                now: $crate::clock::Timestamp,
                lease_until: $crate::clock::Timestamp,
                limit: u64,
            ) -> $crate::error::Result<Vec<$crate::model::MailRecord>> {
                use $crate::store::sql::*;
                let mut tx = self.begin_write().await?;
                // Postgres: SKIP LOCKED lets several processes claim disjoint rows.
                // SQLite: the single writer serializes claims.
                let rows: Vec<MailRow> = sqlx::query_as(&format!(
                    "UPDATE mails SET status = 'sending', attempts = attempts + 1, next_attempt_at = $2 \
                     WHERE id IN (SELECT id FROM mails WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1 \
                     ORDER BY next_attempt_at, id LIMIT $3{}) RETURNING {MAIL_COLUMNS}",
                    <$store>::ROW_LOCK
                ))
                .bind(now.0)
                .bind(lease_until.0)
                .bind(limit.clamp(1, 1000) as i64)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().filter_map(MailRow::into_record).collect())
            }

            async fn mail_counts(&self) -> $crate::error::Result<Vec<(String, i64)>> {
                Ok(sqlx::query_as("SELECT status, count(*) FROM mails GROUP BY status ORDER BY status")
                    .fetch_all(self.read_pool())
                    .await?)
            }

            async fn events(
                &self,
                user: $crate::ids::UserId,
            ) -> $crate::error::Result<Vec<$crate::model::Event>> {
                let rows: Vec<$crate::store::sql::EventRow> = sqlx::query_as(
                    "SELECT user_id, sequence, event_type, payload, creator, created_at FROM events \
                     WHERE user_id = $1 ORDER BY sequence",
                )
                .bind(user.0)
                .fetch_all(self.read_pool())
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn close(&self) {
                self.close_pools().await;
            }
        }
    };
}

/// A unique-key violation is a client error (the name or id is taken), not a 500.
pub(super) fn unique_as_exists(err: sqlx::Error) -> crate::error::Error {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => crate::error::Error::new(
            crate::error::Code::AlreadyExists,
            "MAILROOM-EXISTS",
            "Already exists",
        ),
        _ => err.into(),
    }
}
