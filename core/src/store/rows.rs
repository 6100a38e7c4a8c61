//! The rows of the tables and their conversion to and from the model. Both backends
//! store ids and times as 64-bit integers, so one set of rows serves both.

use crate::clock::Timestamp;
use crate::ids::{OrgId, TokenId, UserId};
use crate::model::{
    Event, Human, Machine, Membership, Org, OrgState, PersonalAccessToken, User, UserKind,
    UserState,
};
use crate::permissions::Role;

pub(crate) const USER_COLUMNS: &str =
    "id, org_id, kind, username, state, given_name, family_name, \
     display_name, nick_name, preferred_language, email, email_verified, password_hash, \
     machine_name, machine_description, created_at, sequence, change_sequence, changed_at";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
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
                email: crate::email::EmailAddress::from_stored(row.email.unwrap_or_default()),
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

/// A user row of the users list, with whether a live email code is out.
#[derive(sqlx::FromRow)]
pub(crate) struct ListedUserRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub code_pending: bool,
}

/// The user row's columns as bind values, in `USER_COLUMNS` order.
pub(crate) struct UserValues {
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
        let mut values = UserValues {
            id: user.id.0,
            org_id: user.org_id.0,
            kind: "human",
            username: user.username.clone(),
            state: user.state.as_db(),
            given_name: String::new(),
            family_name: String::new(),
            display_name: String::new(),
            nick_name: String::new(),
            preferred_language: String::new(),
            email: None,
            email_verified: false,
            password_hash: None,
            machine_name: None,
            machine_description: None,
            created_at: user.created_at.0,
            sequence: user.sequence,
            change_sequence: user.change_sequence,
            changed_at: user.changed_at.0,
        };
        match &user.kind {
            UserKind::Human(h) => {
                values.given_name = h.given_name.clone();
                values.family_name = h.family_name.clone();
                values.display_name = h.display_name.clone();
                values.nick_name = h.nick_name.clone();
                values.preferred_language = h.preferred_language.clone();
                values.email = Some(h.email.to_string());
                values.email_verified = h.email_verified;
                values.password_hash = h.password_hash.clone();
            }
            UserKind::Machine(m) => {
                values.kind = "machine";
                values.machine_name = Some(m.name.clone());
                values.machine_description = Some(m.description.clone());
            }
        }
        values
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrgRow {
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
pub(crate) struct MembershipRow {
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

pub(crate) fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(",")
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    user_id: i64,
    sequence: i64,
    event_type: String,
    payload: String,
    creator: Option<i64>,
    created_at: i64,
    transport: Option<String>,
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
            via: row.transport.as_deref().and_then(crate::via::Via::parse),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenOwnerRow {
    pub user_id: i64,
    pub org_id: i64,
    pub state: String,
    pub expires_at: Option<i64>,
}

pub(crate) fn token_id(token: &PersonalAccessToken) -> TokenId {
    token.id
}

/// A token's expiry for comparisons: none means the end of time (9999-12-31).
pub(crate) const END_OF_TIME_EXPIRY: &str = "coalesce(p.expires_at, 253402300799000000)";

/// `>`, `>=`, `<`, `<=` or `=` for a `TokenQuery` condition.
pub(crate) fn comparison(ordering: std::cmp::Ordering, or_equal: bool) -> &'static str {
    match (ordering, or_equal) {
        (std::cmp::Ordering::Greater, false) => ">",
        (std::cmp::Ordering::Greater, true) => ">=",
        (std::cmp::Ordering::Less, false) => "<",
        (std::cmp::Ordering::Less, true) => "<=",
        (std::cmp::Ordering::Equal, _) => "=",
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: i64,
    user_id: i64,
    token_hash: String,
    expires_at: Option<i64>,
    created_at: i64,
    org_id: i64,
    sequence: i64,
}

impl TokenRow {
    pub(crate) fn into_parts(self) -> (PersonalAccessToken, OrgId, i64) {
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

pub(crate) const CODE_COLUMNS: &str =
    "user_id, kind, code_hash, email, url_template, application_name, \
     returned, attempts, created_at, expires_at, used_at";

#[derive(sqlx::FromRow)]
pub(crate) struct CodeRow {
    user_id: i64,
    kind: String,
    code_hash: String,
    email: String,
    url_template: Option<String>,
    application_name: Option<String>,
    returned: bool,
    attempts: i64,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl CodeRow {
    pub(crate) fn into_record(self) -> Option<crate::model::CodeRecord> {
        Some(crate::model::CodeRecord {
            user_id: UserId(self.user_id),
            kind: crate::code::CodeKind::from_db(&self.kind)?,
            code_hash: self.code_hash,
            email: self.email,
            url_template: self.url_template,
            application_name: self.application_name,
            returned: self.returned,
            attempts: self.attempts,
            created_at: Timestamp(self.created_at),
            expires_at: Timestamp(self.expires_at),
            used_at: self.used_at.map(Timestamp),
        })
    }
}

pub(crate) const MAIL_COLUMNS: &str = "id, user_id, org_id, kind, to_address, subject, payload, status, \
     attempts, last_error, created_at, next_attempt_at, sent_at, code_kind, code_hash, code_expires_at, message_id, \
     body_text, body_html, sealed";

#[derive(sqlx::FromRow)]
pub(crate) struct MailRow {
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
    pub(crate) fn into_record(self) -> Option<crate::model::MailRecord> {
        Some(crate::model::MailRecord {
            id: crate::ids::MailId(self.id),
            user_id: UserId(self.user_id),
            org_id: OrgId(self.org_id),
            kind: crate::model::MailKind::from_db(&self.kind)?,
            to_address: self.to_address,
            subject: self.subject,
            payload: serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null),
            status: crate::model::MailStatus::from_name(&self.status)?,
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
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    id: i64,
    kind: String,
    created_by: i64,
    created_at: i64,
    orgs: String,
    total: i64,
    finished_at: Option<i64>,
    dismissed_at: Option<i64>,
}

impl JobRow {
    /// `None` for a kind this build does not know (a newer process wrote it).
    pub(crate) fn into_job(self) -> Option<crate::jobs::Job> {
        Some(crate::jobs::Job {
            id: crate::ids::JobId(self.id),
            kind: crate::jobs::JobKind::parse(&self.kind)?,
            created_by: UserId(self.created_by),
            created_at: Timestamp(self.created_at),
            orgs: self.orgs.split(',').filter_map(OrgId::parse).collect(),
            total: self.total,
            finished_at: self.finished_at.map(Timestamp),
            dismissed_at: self.dismissed_at.map(Timestamp),
        })
    }
}
