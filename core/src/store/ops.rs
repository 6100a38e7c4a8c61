//! The statements of a write (`Op`), written once for both databases: `$n`
//! placeholders that SQLite and Postgres both understand, integer times and ids, and
//! `RETURNING` markers for the guards (a user's sequence, a claimed key).

use crate::store::rows::*;
use crate::store::statement::Statement;
use crate::store::{Op, Write};

/// The statement builders, generic over the database. One `where` for the whole
/// block: what a write binds (SQLite and Postgres both encode all of it). Callers name
/// the backend: `Statements::<Sqlite>::push_write(…)`.
pub(crate) struct Statements<DB>(std::marker::PhantomData<DB>);

impl<DB: sqlx::Database> Statements<DB>
where
    for<'a> i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> Option<i64>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> Option<String>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> bool: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    for<'a> Option<&'a str>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    /// Appends all statements of a write to a script, `;`-separated; their markers start
    /// at `first_marker`.
    pub(crate) fn push_write(
        q: &mut Statement<DB>,
        write: Write,
        first_marker: i64,
    ) -> Vec<Expect> {
        let mut expected = Vec::with_capacity(write.ops.len());
        for (i, op) in write.ops.into_iter().enumerate() {
            if i > 0 {
                q.push("; ");
            }
            expected.push(Self::push_op(q, op, first_marker + i as i64));
        }
        expected
    }

    /// Appends the statement of one op to `q`. A statement whose effect must be checked
    /// ends in `RETURNING <marker>`; the result says what to expect.
    pub(crate) fn push_op(q: &mut Statement<DB>, op: Op, marker: i64) -> Expect {
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
                    .push("VALUES ")
                    .push_tuple(|row| {
                        let org = org;
                        row.bind(org.id.0)
                            .bind(org.name)
                            .bind(org.state.as_db())
                            .bind(org.created_at.0);
                    });
            }
            Op::InsertUser(user) => {
                let v = UserValues::from(&user);
                q.push(format!("INSERT INTO users ({USER_COLUMNS}) "))
                    .push("VALUES ")
                    .push_tuple(|row| {
                        let v = v;
                        row.bind(v.id)
                            .bind(v.org_id)
                            .bind(v.kind)
                            .bind(v.username)
                            .bind(v.state)
                            .bind(v.given_name)
                            .bind(v.family_name)
                            .bind(v.display_name)
                            .bind(v.nick_name)
                            .bind(v.preferred_language)
                            .bind(v.email)
                            .bind(v.email_verified)
                            .bind(v.password_hash)
                            .bind(v.machine_name)
                            .bind(v.machine_description)
                            .bind(v.created_at)
                            .bind(v.sequence)
                            .bind(v.change_sequence)
                            .bind(v.changed_at);
                    });
            }
            Op::UpdateUser {
                user,
                expected_sequence,
            } => {
                let v = UserValues::from(&user);
                q.push("UPDATE users SET org_id = ")
                    .push_bind(v.org_id)
                    .push(", username = ")
                    .push_bind(v.username)
                    .push(", state = ")
                    .push_bind(v.state)
                    .push(", given_name = ")
                    .push_bind(v.given_name)
                    .push(", family_name = ")
                    .push_bind(v.family_name)
                    .push(", display_name = ")
                    .push_bind(v.display_name)
                    .push(", nick_name = ")
                    .push_bind(v.nick_name)
                    .push(", preferred_language = ")
                    .push_bind(v.preferred_language)
                    .push(", email = ")
                    .push_bind(v.email)
                    .push(", email_verified = ")
                    .push_bind(v.email_verified)
                    .push(", password_hash = ")
                    .push_bind(v.password_hash)
                    .push(", machine_name = ")
                    .push_bind(v.machine_name)
                    .push(", machine_description = ")
                    .push_bind(v.machine_description)
                    .push(", sequence = ")
                    .push_bind(v.sequence)
                    .push(", change_sequence = ")
                    .push_bind(v.change_sequence)
                    .push(", changed_at = ")
                    .push_bind(v.changed_at)
                    .push(" WHERE id = ")
                    .push_bind(v.id)
                    // The optimistic guard: another write since our read wins.
                    .push(" AND sequence = ")
                    .push_bind(expected_sequence);
                returning(q, marker);
                return Expect::Updated(marker);
            }
            Op::AppendEvents(events) => {
                q.push("INSERT INTO events (user_id, sequence, event_type, payload, creator, created_at, transport) ")
                    .push("VALUES ");
                for (i, event) in events.into_iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    q.push_tuple(|row| {
                        row.bind(event.user_id.0)
                            .bind(event.sequence)
                            .bind(event.event_type)
                            .bind(event.payload.to_string())
                            .bind(event.creator.map(|c| c.0))
                            .bind(event.created_at.0)
                            .bind(event.via.map(|via| via.as_str()));
                    });
                }
            }
            Op::PutMembership(membership) => {
                match membership.org_id {
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
                }
            }
            Op::PutCode(code) => {
                q.push("INSERT INTO codes (user_id, kind, code_hash, email, url_template, application_name, returned, attempts, created_at, expires_at) ")
                    .push("VALUES ").push_tuple(|row| {
                        let code = code;
                        row.bind(code.user_id.0)
                            .bind(code.kind.as_db())
                            .bind(code.code_hash)
                            .bind(code.email)
                            .bind(code.url_template)
                            .bind(code.application_name)
                            .bind(code.returned)
                            .bind(code.attempts)
                            .bind(code.created_at.0)
                            .bind(code.expires_at.0);})
                    .push(
                        " ON CONFLICT (user_id, kind) DO UPDATE SET code_hash = excluded.code_hash, \
                         email = excluded.email, url_template = excluded.url_template, \
                         application_name = excluded.application_name, returned = excluded.returned, attempts = excluded.attempts, \
                         created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = NULL",
                    );
            }
            Op::InsertJob(job) => {
                let orgs: Vec<String> = job.orgs.iter().map(|o| o.to_string()).collect();
                q.push("INSERT INTO jobs (id, kind, created_by, created_at, orgs, total) VALUES ")
                    .push_tuple(|row| {
                        row.bind(job.id.0)
                            .bind(job.kind.as_db())
                            .bind(job.created_by.0)
                            .bind(job.created_at.0)
                            .bind(orgs.join(","))
                            .bind(job.total);
                    });
            }
            Op::InsertJobItems { job_id, users } => {
                q.push("INSERT INTO job_items (job_id, user_id) VALUES ");
                for (i, user) in users.into_iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    q.push_tuple(|row| {
                        row.bind(job_id.0).bind(user.0);
                    });
                }
            }
            Op::FinishJobItem {
                job_id,
                user_id,
                outcome,
                at,
            } => {
                q.push("UPDATE job_items SET outcome = ")
                    .push_bind(outcome)
                    .push(", done_at = ")
                    .push_bind(at.0)
                    .push(", lease_until = NULL, claimed_by = NULL WHERE job_id = ")
                    .push_bind(job_id.0)
                    .push(" AND user_id = ")
                    .push_bind(user_id.0);
            }
            Op::FinishJobIfDone { job_id, at } => {
                q.push("UPDATE jobs SET finished_at = ")
                    .push_bind(at.0)
                    .push(" WHERE id = ")
                    .push_bind(job_id.0)
                    .push(" AND finished_at IS NULL AND NOT EXISTS (SELECT 1 FROM job_items WHERE job_id = ")
                    .push_bind(job_id.0)
                    .push(" AND outcome IS NULL)");
            }
            Op::DismissJob { job_id, at } => {
                q.push("UPDATE jobs SET dismissed_at = ")
                    .push_bind(at.0)
                    .push(" WHERE id = ")
                    .push_bind(job_id.0)
                    .push(" AND dismissed_at IS NULL");
            }
            Op::DeleteMembership { user_id, org_id } => {
                q.push("DELETE FROM memberships WHERE user_id = ")
                    .push_bind(user_id.0)
                    .push(" AND org_id = ")
                    .push_bind(org_id.0);
            }
            Op::DeleteCode { user_id, kind } => {
                q.push("DELETE FROM codes WHERE user_id = ")
                    .push_bind(user_id.0)
                    .push(" AND kind = ")
                    .push_bind(kind.as_db());
            }
            Op::ConsumeCode { user_id, kind, at } => {
                q.push("UPDATE codes SET used_at = ")
                    .push_bind(at.0)
                    .push(" WHERE user_id = ")
                    .push_bind(user_id.0)
                    .push(" AND kind = ")
                    .push_bind(kind.as_db());
            }
            Op::ReserveLoginAttempt {
                key,
                limit,
                now,
                window_starts_after,
            } => {
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
            Op::PutSession {
                id_hash,
                user_id,
                data,
                expires_at,
                create_only,
            } => {
                q.push(
                    "INSERT INTO console_sessions (id_hash, user_id, data, expires_at) VALUES (",
                )
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
                q.push("DELETE FROM console_sessions WHERE id_hash = ")
                    .push_bind(id_hash);
            }
            Op::EndSessions { user_id } => {
                q.push("DELETE FROM console_sessions WHERE user_id = ")
                    .push_bind(user_id.0);
            }
            Op::RedactExpiredMails { now } => {
                q.push("UPDATE mails SET sealed = NULL WHERE sealed IS NOT NULL AND code_expires_at <= ")
                    .push_bind(now.0);
            }
            Op::DeleteExpiredSessions { now } => {
                q.push("DELETE FROM console_sessions WHERE expires_at <= ")
                    .push_bind(now.0);
            }
            Op::DeleteLoginWindows { before } => {
                q.push("DELETE FROM login_limits WHERE window_start <= ")
                    .push_bind(before.0);
            }
            Op::ClearLoginAttempts { key } => {
                q.push("DELETE FROM login_limits WHERE key = ")
                    .push_bind(key);
            }
            Op::ReturnLoginAttempt { key } => {
                q.push("UPDATE login_limits SET attempts = attempts - 1 WHERE key = ")
                    .push_bind(key)
                    .push(" AND attempts > 0");
            }
            Op::SetCodeAttempts {
                user_id,
                kind,
                attempts,
            } => {
                q.push("UPDATE codes SET attempts = ")
                    .push_bind(attempts)
                    .push(" WHERE user_id = ")
                    .push_bind(user_id.0)
                    .push(" AND kind = ")
                    .push_bind(kind.as_db());
            }
            Op::EnqueueMail(mail) => {
                q.push(
                    "INSERT INTO mails (id, user_id, org_id, kind, to_address, payload, status, \
                     created_at, next_attempt_at, code_kind, code_hash, code_expires_at, message_id, sealed) ",
                )
                .push("VALUES ").push_tuple(|row| {
                        let mail = mail;
                    row.bind(mail.id.0)
                        .bind(mail.user_id.0)
                        .bind(mail.org_id.0)
                        .bind(mail.kind.as_db())
                        .bind(mail.to_address)
                        .bind(mail.payload.to_string())
                        .bind(crate::model::MailStatus::Queued.as_db())
                        .bind(mail.created_at.0)
                        .bind(mail.created_at.0)
                        .bind(mail.code_kind.map(|k| k.as_db()))
                        .bind(mail.code_hash)
                        .bind(mail.code_expires_at.map(|t| t.0))
                        .bind(mail.message_id)
                        .bind(mail.sealed);});
            }
            Op::UpdateMail(update) => {
                q.push("UPDATE mails SET status = ")
                    .push_bind(update.status.as_db())
                    .push(", attempts = ")
                    .push_bind(update.attempts)
                    .push(", subject = ")
                    .push_bind(update.subject)
                    .push(", payload = ")
                    .push_bind(update.payload.to_string())
                    .push(", body_text = ")
                    .push_bind(update.body_text)
                    .push(", body_html = ")
                    .push_bind(update.body_html)
                    .push(", last_error = ")
                    .push_bind(update.last_error)
                    .push(", next_attempt_at = ")
                    .push_bind(update.next_attempt_at.0)
                    .push(", sent_at = ")
                    .push_bind(update.sent_at.map(|t| t.0))
                    .push(", sealed = ")
                    .push_bind(update.sealed)
                    .push(" WHERE id = ")
                    .push_bind(update.id.0);
            }
            Op::RevokeToken { id, at } => {
                q.push("UPDATE pats SET revoked_at = ")
                    .push_bind(at.0)
                    .push(" WHERE id = ")
                    .push_bind(id.0)
                    .push(" AND revoked_at IS NULL");
            }
            Op::InsertToken(token) => {
                q.push("INSERT INTO pats (id, user_id, token_hash, expires_at, created_at) ")
                    .push("VALUES ")
                    .push_tuple(|row| {
                        let token = token;
                        row.bind(token_id(&token).0)
                            .bind(token.user_id.0)
                            .bind(token.token_hash)
                            .bind(token.expires_at.map(|t| t.0))
                            .bind(token.created_at.0);
                    });
            }
        }
        Expect::Nothing
    }
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
pub(crate) fn returning<DB: sqlx::Database>(q: &mut Statement<DB>, marker: i64) {
    q.push(" RETURNING CAST(").push(marker).push(" AS BIGINT)");
}

/// Checks the markers a write's statements returned. `Ok(false)`: a claimed key was
/// taken, so the write must be undone.
pub(crate) fn check_markers(expected: &[Expect], returned: &[i64]) -> crate::error::Result<bool> {
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
pub(crate) fn write_error(err: sqlx::Error) -> crate::error::Error {
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
