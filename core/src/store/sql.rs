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
    org_id: Option<i64>,
    roles: String,
}

/// A membership row: `org_id` is NULL for the instance scope, which has a table of
/// its own (`instance_memberships`), so that no org id can ever stand for it.
impl From<MembershipRow> for Membership {
    fn from(row: MembershipRow) -> Self {
        Membership {
            user_id: UserId(row.user_id),
            org_id: row.org_id.map(OrgId),
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

/// A token's expiry for comparisons: none means the end of time (9999-12-31).
pub(super) const END_OF_TIME_EXPIRY: &str = "coalesce(p.expires_at, 253402300799000000)";

/// `>`, `>=`, `<`, `<=` or `=` for a `TokenQuery` condition.
pub(super) fn comparison(ordering: std::cmp::Ordering, or_equal: bool) -> &'static str {
    match (ordering, or_equal) {
        (std::cmp::Ordering::Greater, false) => ">",
        (std::cmp::Ordering::Greater, true) => ">=",
        (std::cmp::Ordering::Less, false) => "<",
        (std::cmp::Ordering::Less, true) => "<=",
        (std::cmp::Ordering::Equal, _) => "=",
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TokenRow {
    id: i64,
    user_id: i64,
    token_hash: String,
    expires_at: Option<i64>,
    created_at: i64,
    org_id: i64,
    sequence: i64,
}

impl TokenRow {
    pub(super) fn into_parts(self) -> (PersonalAccessToken, OrgId, i64) {
        (
            PersonalAccessToken {
                id: TokenId(self.id),
                user_id: UserId(self.user_id),
                token_hash: self.token_hash,
                expires_at: self.expires_at.map(Timestamp),
                created_at: Timestamp(self.created_at),
            },
            OrgId(self.org_id),
            self.sequence,
        )
    }
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
    used_at: Option<i64>,
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
            used_at: self.used_at.map(Timestamp),
        })
    }
}

pub(super) const MAIL_COLUMNS: &str = "id, user_id, org_id, kind, to_address, subject, payload, status, \
     attempts, last_error, created_at, next_attempt_at, sent_at, code_kind, code_hash, code_expires_at, message_id, \
     body_text, body_html, sealed";

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
    sealed: Option<String>,
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
            sealed: self.sealed,
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

/// Implements `Store` for a backend struct that has `read_pool()`, `begin_write()`,
/// `commit_write()` (which runs writes through `apply_write`, e.g. `write_alone`),
/// `check_migrations()`, `close_pools()`, `announce()` and `listen()` inherent methods
/// and the `BACKEND`, `BEGIN_WRITE`, `ONE_SCRIPT_PER_WRITE` and `ROW_LOCK` constants.
macro_rules! sql_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Runs a write's statements inside the caller's transaction. `Ok(false)`:
            /// a claimed instance key was taken, and the caller must roll back.
            async fn apply_write(
                conn: &mut <$db as sqlx::Database>::Connection,
                write: $crate::store::Write,
            ) -> $crate::error::Result<bool> {
                use $crate::store::sql::*;
                if <$store>::ONE_SCRIPT_PER_WRITE {
                    let mut q = sqlx::QueryBuilder::<$db>::new("");
                    let expected = Self::push_write(&mut q, write, 0);
                    let rows = q.build().fetch_all(&mut *conn).await.map_err(write_error)?;
                    let returned = Self::returned_markers(&rows)?;
                    return check_markers(&expected, &returned);
                }
                for (i, op) in write.ops.into_iter().enumerate() {
                    let mut q = sqlx::QueryBuilder::<$db>::new("");
                    let expect = Self::push_op(&mut q, op, i as i64);
                    let rows = q.build().fetch_all(&mut *conn).await.map_err(write_error)?;
                    let returned = Self::returned_markers(&rows)?;
                    if !check_markers(&[expect], &returned)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }

            /// One write in a transaction of its own.
            async fn write_alone(
                pool: &sqlx::Pool<$db>,
                write: $crate::store::Write,
            ) -> $crate::error::Result<bool> {
                let mut tx = pool.begin_with(<$store>::BEGIN_WRITE).await?;
                if !Self::apply_write(&mut tx, write).await? {
                    return Ok(false);
                }
                tx.commit().await?;
                Ok(true)
            }

            /// The `RETURNING` markers among a script's rows.
            fn returned_markers(
                rows: &[<$db as sqlx::Database>::Row],
            ) -> $crate::error::Result<Vec<i64>> {
                use sqlx::Row;
                Ok(rows
                    .iter()
                    .map(|row| row.try_get::<i64, _>(0))
                    .collect::<Result<Vec<_>, _>>()?)
            }

            /// Appends all statements of a write to a script, `;`-separated; their
            /// markers start at `first_marker`.
            fn push_write(
                q: &mut sqlx::QueryBuilder<'_, $db>,
                write: $crate::store::Write,
                first_marker: i64,
            ) -> Vec<$crate::store::sql::Expect> {
                let mut expected = Vec::with_capacity(write.ops.len());
                for (i, op) in write.ops.into_iter().enumerate() {
                    if i > 0 {
                        q.push("; ");
                    }
                    expected.push(Self::push_op(q, op, first_marker + i as i64));
                }
                expected
            }

            /// Appends the statement of one op to `q`. A statement whose effect must be
            /// checked ends in `RETURNING <marker>`; the result says what to expect.
            fn push_op<'a>(
                q: &mut sqlx::QueryBuilder<'a, $db>,
                op: $crate::store::Op,
                marker: i64,
            ) -> $crate::store::sql::Expect {
                use $crate::store::sql::*;
                use $crate::store::Op;
                match op {
                    Op::ClaimInstanceKey { key, value } => {
                        q.push("INSERT INTO instance (key, value) VALUES (")
                            .push_bind(key)
                            .push(", ")
                            .push_bind(value)
                            .push(") ON CONFLICT (key) DO NOTHING");
                        returning(q, marker);
                        return Expect::Claimed(marker);
                    }
                    Op::InsertOrg(org) => {
                        q.push("INSERT INTO orgs (id, name, state, created_at) ")
                            .push_values([org], |mut row, org| {
                                row.push_bind(org.id.0)
                                    .push_bind(org.name)
                                    .push_bind(org.state.as_db())
                                    .push_bind(org.created_at.0);
                            });
                    }
                    Op::InsertUser(user) => {
                        let v = UserValues::from(&user);
                        q.push(format!("INSERT INTO users ({USER_COLUMNS}) "))
                            .push_values([v], |mut row, v| {
                                row.push_bind(v.id).push_bind(v.org_id).push_bind(v.kind)
                                    .push_bind(v.username).push_bind(v.state).push_bind(v.given_name)
                                    .push_bind(v.family_name).push_bind(v.display_name)
                                    .push_bind(v.nick_name).push_bind(v.preferred_language)
                                    .push_bind(v.email).push_bind(v.email_verified)
                                    .push_bind(v.password_hash).push_bind(v.machine_name)
                                    .push_bind(v.machine_description).push_bind(v.created_at)
                                    .push_bind(v.sequence).push_bind(v.change_sequence)
                                    .push_bind(v.changed_at);
                            });
                    }
                    Op::UpdateUser { user, expected_sequence } => {
                        let v = UserValues::from(&user);
                        q.push("UPDATE users SET org_id = ").push_bind(v.org_id)
                            .push(", username = ").push_bind(v.username)
                            .push(", state = ").push_bind(v.state)
                            .push(", given_name = ").push_bind(v.given_name)
                            .push(", family_name = ").push_bind(v.family_name)
                            .push(", display_name = ").push_bind(v.display_name)
                            .push(", nick_name = ").push_bind(v.nick_name)
                            .push(", preferred_language = ").push_bind(v.preferred_language)
                            .push(", email = ").push_bind(v.email)
                            .push(", email_verified = ").push_bind(v.email_verified)
                            .push(", password_hash = ").push_bind(v.password_hash)
                            .push(", machine_name = ").push_bind(v.machine_name)
                            .push(", machine_description = ").push_bind(v.machine_description)
                            .push(", sequence = ").push_bind(v.sequence)
                            .push(", change_sequence = ").push_bind(v.change_sequence)
                            .push(", changed_at = ").push_bind(v.changed_at)
                            .push(" WHERE id = ").push_bind(v.id)
                            // The optimistic guard: another write since our read wins.
                            .push(" AND sequence = ").push_bind(expected_sequence);
                        returning(q, marker);
                        return Expect::Updated(marker);
                    }
                    Op::AppendEvents(events) => {
                        q.push("INSERT INTO events (user_id, sequence, event_type, payload, creator, created_at) ")
                            .push_values(events, |mut row, event| {
                                row.push_bind(event.user_id.0)
                                    .push_bind(event.sequence)
                                    .push_bind(event.event_type)
                                    .push_bind(event.payload.to_string())
                                    .push_bind(event.creator.map(|c| c.0))
                                    .push_bind(event.created_at.0);
                            });
                    }
                    Op::PutMembership(membership) => match membership.org_id {
                        Some(org) => {
                            q.push("INSERT INTO memberships (user_id, org_id, roles) VALUES (")
                                .push_bind(membership.user_id.0)
                                .push(", ")
                                .push_bind(org.0)
                                .push(", ")
                                .push_bind(roles_text(&membership.roles))
                                .push(") ON CONFLICT (user_id, org_id) DO UPDATE SET roles = excluded.roles");
                        }
                        None => {
                            q.push("INSERT INTO instance_memberships (user_id, roles) VALUES (")
                                .push_bind(membership.user_id.0)
                                .push(", ")
                                .push_bind(roles_text(&membership.roles))
                                .push(") ON CONFLICT (user_id) DO UPDATE SET roles = excluded.roles");
                        }
                    },
                    Op::PutCode(code) => {
                        q.push("INSERT INTO codes (user_id, kind, code_hash, email, url_template, attempts, created_at, expires_at) ")
                            .push_values([code], |mut row, code| {
                                row.push_bind(code.user_id.0)
                                    .push_bind(code.kind.as_db())
                                    .push_bind(code.code_hash)
                                    .push_bind(code.email)
                                    .push_bind(code.url_template)
                                    .push_bind(code.attempts)
                                    .push_bind(code.created_at.0)
                                    .push_bind(code.expires_at.0);
                            })
                            .push(
                                " ON CONFLICT (user_id, kind) DO UPDATE SET code_hash = excluded.code_hash, \
                                 email = excluded.email, url_template = excluded.url_template, attempts = excluded.attempts, \
                                 created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = NULL",
                            );
                    }
                    Op::DeleteCode { user_id, kind } => {
                        q.push("DELETE FROM codes WHERE user_id = ").push_bind(user_id.0)
                            .push(" AND kind = ").push_bind(kind.as_db());
                    }
                    Op::ConsumeCode { user_id, kind, at } => {
                        q.push("UPDATE codes SET used_at = ").push_bind(at.0)
                            .push(" WHERE user_id = ").push_bind(user_id.0)
                            .push(" AND kind = ").push_bind(kind.as_db());
                    }
                    Op::ReserveLoginAttempt { key, limit, now, window_starts_after } => {
                        // One statement, so concurrent attempts serialize on the row:
                        // a fresh window starts at 1, a running one counts up to `limit`.
                        q.push("INSERT INTO login_limits (key, window_start, attempts) VALUES (")
                            .push_bind(key)
                            .push(", ")
                            .push_bind(now.0)
                            .push(", 1) ON CONFLICT (key) DO UPDATE SET attempts = CASE WHEN login_limits.window_start <= ")
                            .push_bind(window_starts_after.0)
                            .push(" THEN 1 ELSE login_limits.attempts + 1 END, window_start = CASE WHEN login_limits.window_start <= ")
                            .push_bind(window_starts_after.0)
                            .push(" THEN ")
                            .push_bind(now.0)
                            .push(" ELSE login_limits.window_start END WHERE login_limits.window_start <= ")
                            .push_bind(window_starts_after.0)
                            .push(" OR login_limits.attempts < ")
                            .push_bind(limit);
                        returning(q, marker);
                        return Expect::Claimed(marker);
                    }
                    Op::PutSession { id_hash, user_id, data, expires_at, create_only } => {
                        q.push("INSERT INTO console_sessions (id_hash, user_id, data, expires_at) VALUES (")
                            .push_bind(id_hash)
                            .push(", ")
                            .push_bind(user_id.map(|u| u.0))
                            .push(", ")
                            .push_bind(data)
                            .push(", ")
                            .push_bind(expires_at.0)
                            .push(")");
                        if create_only {
                            q.push(" ON CONFLICT (id_hash) DO NOTHING");
                            returning(q, marker);
                            return Expect::Claimed(marker);
                        }
                        q.push(
                            " ON CONFLICT (id_hash) DO UPDATE SET user_id = excluded.user_id, \
                             data = excluded.data, expires_at = excluded.expires_at",
                        );
                    }
                    Op::DeleteSession { id_hash } => {
                        q.push("DELETE FROM console_sessions WHERE id_hash = ").push_bind(id_hash);
                    }
                    Op::EndSessions { user_id } => {
                        q.push("DELETE FROM console_sessions WHERE user_id = ").push_bind(user_id.0);
                    }
                    Op::RedactExpiredMails { now } => {
                        q.push("UPDATE mails SET sealed = NULL WHERE sealed IS NOT NULL AND code_expires_at <= ")
                            .push_bind(now.0);
                    }
                    Op::DeleteExpiredSessions { now } => {
                        q.push("DELETE FROM console_sessions WHERE expires_at <= ").push_bind(now.0);
                    }
                    Op::DeleteLoginWindows { before } => {
                        q.push("DELETE FROM login_limits WHERE window_start <= ").push_bind(before.0);
                    }
                    Op::ClearLoginAttempts { key } => {
                        q.push("DELETE FROM login_limits WHERE key = ").push_bind(key);
                    }
                    Op::ReturnLoginAttempt { key } => {
                        q.push("UPDATE login_limits SET attempts = attempts - 1 WHERE key = ")
                            .push_bind(key)
                            .push(" AND attempts > 0");
                    }
                    Op::SetCodeAttempts { user_id, kind, attempts } => {
                        q.push("UPDATE codes SET attempts = ").push_bind(attempts)
                            .push(" WHERE user_id = ").push_bind(user_id.0)
                            .push(" AND kind = ").push_bind(kind.as_db());
                    }
                    Op::EnqueueMail(mail) => {
                        q.push(
                            "INSERT INTO mails (id, user_id, org_id, kind, to_address, payload, status, \
                             created_at, next_attempt_at, code_kind, code_hash, code_expires_at, message_id, sealed) ",
                        )
                        .push_values([mail], |mut row, mail| {
                            row.push_bind(mail.id)
                                .push_bind(mail.user_id.0)
                                .push_bind(mail.org_id.0)
                                .push_bind(mail.kind.as_db())
                                .push_bind(mail.to_address)
                                .push_bind(mail.payload.to_string())
                                .push_bind("queued")
                                .push_bind(mail.created_at.0)
                                .push_bind(mail.created_at.0)
                                .push_bind(mail.code_kind.map(|k| k.as_db()))
                                .push_bind(mail.code_hash)
                                .push_bind(mail.code_expires_at.map(|t| t.0))
                                .push_bind(mail.message_id)
                                .push_bind(mail.sealed);
                        });
                    }
                    Op::UpdateMail(update) => {
                        q.push("UPDATE mails SET status = ").push_bind(update.status)
                            .push(", attempts = ").push_bind(update.attempts)
                            .push(", subject = ").push_bind(update.subject)
                            .push(", payload = ").push_bind(update.payload.to_string())
                            .push(", body_text = ").push_bind(update.body_text)
                            .push(", body_html = ").push_bind(update.body_html)
                            .push(", last_error = ").push_bind(update.last_error)
                            .push(", next_attempt_at = ").push_bind(update.next_attempt_at.0)
                            .push(", sent_at = ").push_bind(update.sent_at.map(|t| t.0))
                            .push(", sealed = ").push_bind(update.sealed)
                            .push(" WHERE id = ").push_bind(update.id);
                    }
                    Op::RevokeToken { id, at } => {
                        q.push("UPDATE pats SET revoked_at = ").push_bind(at.0)
                            .push(" WHERE id = ").push_bind(id.0)
                            .push(" AND revoked_at IS NULL");
                    }
                    Op::InsertToken(token) => {
                        q.push("INSERT INTO pats (id, user_id, token_hash, expires_at, created_at) ")
                            .push_values([token], |mut row, token| {
                                row.push_bind(token_id(&token).0)
                                    .push_bind(token.user_id.0)
                                    .push_bind(token.token_hash)
                                    .push_bind(token.expires_at.map(|t| t.0))
                                    .push_bind(token.created_at.0);
                            });
                    }
                }
                Expect::Nothing
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> $crate::store::Backend {
                <$store>::BACKEND
            }

            async fn ready(&self) -> $crate::error::Result<()> {
                self.check_migrations().await
            }

            async fn commit(&self, write: $crate::store::Write) -> $crate::error::Result<bool> {
                self.commit_write(write).await
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
                let rows: Vec<$crate::store::sql::MembershipRow> = sqlx::query_as(
                    "SELECT user_id, org_id, roles FROM memberships WHERE user_id = $1 \
                     UNION ALL SELECT user_id, CAST(NULL AS BIGINT), roles FROM instance_memberships WHERE user_id = $1",
                )
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

            async fn tokens(
                &self,
                query: &$crate::store::TokenQuery,
            ) -> $crate::error::Result<(Vec<($crate::model::PersonalAccessToken, $crate::ids::OrgId, i64)>, u64)> {
                use $crate::store::sql::*;
                fn filtered<'a>(
                    select: &str,
                    query: &'a $crate::store::TokenQuery,
                ) -> sqlx::QueryBuilder<'a, $db> {
                    let mut sql = sqlx::QueryBuilder::<$db>::new(select);
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
                    for (column, condition) in [("p.created_at", query.created), (END_OF_TIME_EXPIRY, query.expires)] {
                        if let Some((ordering, or_equal, at)) = condition {
                            sql.push(format!(" AND {column} {} ", comparison(ordering, or_equal)))
                                .push_bind(at.0);
                        }
                    }
                    sql
                }
                let total: i64 = filtered("SELECT count(*)", query)
                    .build_query_scalar()
                    .fetch_one(self.read_pool())
                    .await?;
                let mut page = filtered(
                    "SELECT p.id, p.user_id, p.token_hash, p.expires_at, p.created_at, u.org_id, u.sequence",
                    query,
                );
                page.push(if query.asc { " ORDER BY p.created_at, p.id" } else { " ORDER BY p.created_at DESC, p.id DESC" })
                    .push(" LIMIT ")
                    .push_bind(query.limit.min(10_000) as i64)
                    .push(" OFFSET ")
                    .push_bind(query.offset.min(i64::MAX as u64) as i64);
                let rows: Vec<TokenRow> = page.build_query_as().fetch_all(self.read_pool()).await?;
                Ok((rows.into_iter().map(TokenRow::into_parts).collect(), total as u64))
            }

            async fn code(
                &self,
                user: $crate::ids::UserId,
                kind: $crate::code::CodeKind,
            ) -> $crate::error::Result<Option<$crate::model::CodeRecord>> {
                let row: Option<$crate::store::sql::CodeRow> = sqlx::query_as(
                    "SELECT user_id, kind, code_hash, email, url_template, attempts, created_at, expires_at, used_at \
                     FROM codes WHERE user_id = $1 AND kind = $2",
                )
                .bind(user.0)
                .bind(kind.as_db())
                .fetch_optional(self.read_pool())
                .await?;
                Ok(row.and_then(|row| row.into_record()))
            }

            async fn codes(
                &self,
                user: $crate::ids::UserId,
            ) -> $crate::error::Result<Vec<$crate::model::CodeRecord>> {
                let rows: Vec<$crate::store::sql::CodeRow> = sqlx::query_as(
                    "SELECT user_id, kind, code_hash, email, url_template, attempts, created_at, expires_at, used_at \
                     FROM codes WHERE user_id = $1",
                )
                .bind(user.0)
                .fetch_all(self.read_pool())
                .await?;
                Ok(rows.into_iter().filter_map(|row| row.into_record()).collect())
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

            async fn mails_with_plaintext_secrets(
                &self,
            ) -> $crate::error::Result<Vec<$crate::model::MailRecord>> {
                use $crate::store::sql::*;
                let rows: Vec<MailRow> = sqlx::query_as(&format!(
                    "SELECT {MAIL_COLUMNS} FROM mails WHERE sealed IS NULL AND code_kind IS NOT NULL \
                     AND (payload LIKE '%\"code\":%' OR payload LIKE '%\"link\":%')"
                ))
                .fetch_all(self.read_pool())
                .await?;
                Ok(rows.into_iter().filter_map(MailRow::into_record).collect())
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

            async fn session(
                &self,
                id_hash: &str,
            ) -> $crate::error::Result<Option<(String, $crate::clock::Timestamp)>> {
                let row: Option<(String, i64)> = sqlx::query_as(
                    "SELECT data, expires_at FROM console_sessions WHERE id_hash = $1",
                )
                .bind(id_hash)
                .fetch_optional(self.read_pool())
                .await?;
                Ok(row.map(|(data, expires_at)| (data, $crate::clock::Timestamp(expires_at))))
            }

            async fn login_window(
                &self,
                key: &str,
            ) -> $crate::error::Result<Option<($crate::clock::Timestamp, i64)>> {
                let row: Option<(i64, i64)> =
                    sqlx::query_as("SELECT window_start, attempts FROM login_limits WHERE key = $1")
                        .bind(key)
                        .fetch_optional(self.read_pool())
                        .await?;
                Ok(row.map(|(start, attempts)| ($crate::clock::Timestamp(start), attempts)))
            }

            async fn mail_counts(&self) -> $crate::error::Result<Vec<(String, i64)>> {
                Ok(sqlx::query_as("SELECT status, count(*) FROM mails GROUP BY status ORDER BY status")
                    .fetch_all(self.read_pool())
                    .await?)
            }

            async fn events(
                &self,
                query: &$crate::store::EventQuery,
            ) -> $crate::error::Result<Vec<$crate::model::Event>> {
                let mut sql = sqlx::QueryBuilder::<$db>::new(
                    "SELECT user_id, sequence, event_type, payload, creator, created_at FROM events WHERE user_id = ",
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
                sql.push(if query.newest_first { " ORDER BY sequence DESC" } else { " ORDER BY sequence" })
                    .push(" LIMIT ")
                    .push_bind(query.limit.clamp(1, 10_000) as i64);
                let rows: Vec<$crate::store::sql::EventRow> =
                    sql.build_query_as().fetch_all(self.read_pool()).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn close(&self) {
                self.close_pools().await;
            }

            async fn scrub_files(&self) -> $crate::error::Result<()> {
                <$store>::scrub_files(self).await
            }

            async fn announce_auth_change(&self) -> $crate::error::Result<()> {
                self.announce().await
            }

            async fn listen_auth_changes(
                &self,
                on_change: Box<dyn Fn() -> bool + Send + Sync>,
            ) -> $crate::error::Result<()> {
                self.listen(on_change).await
            }
        }
    };
}

/// What a statement of a write must have returned (its `RETURNING` marker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Nothing,
    /// The user row matched its expected sequence; else another write won: Aborted.
    Updated(i64),
    /// The instance key was free; else the whole write is void (`Ok(false)`).
    Claimed(i64),
}

/// `RETURNING <marker>`, typed alike on both backends.
pub(super) fn returning<DB: sqlx::Database>(q: &mut sqlx::QueryBuilder<'_, DB>, marker: i64) {
    q.push(" RETURNING CAST(").push(marker).push(" AS BIGINT)");
}

/// Checks the markers a write's statements returned. `Ok(false)`: a claimed key was
/// taken, so the write must be undone.
pub(super) fn check_markers(expected: &[Expect], returned: &[i64]) -> crate::error::Result<bool> {
    for expect in expected {
        match *expect {
            Expect::Nothing => {}
            Expect::Updated(marker) if !returned.contains(&marker) => {
                return Err(crate::error::Error::aborted());
            }
            Expect::Claimed(marker) if !returned.contains(&marker) => return Ok(false),
            _ => {}
        }
    }
    Ok(true)
}

/// A unique-key violation: on events, another write took the sequence (Aborted, so
/// the use case retries from a fresh read); on users and orgs, the name or id is
/// taken (a client error, not a 500).
pub(super) fn write_error(err: sqlx::Error) -> crate::error::Error {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            let what = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
            if what.contains("events") {
                crate::error::Error::aborted()
            } else if what.contains("users") || what.contains("orgs") {
                crate::error::Error::new(
                    crate::error::Code::AlreadyExists,
                    "MAILROOM-EXISTS",
                    "Already exists",
                )
            } else {
                err.into()
            }
        }
        _ => err.into(),
    }
}
