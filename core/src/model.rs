//! The records the use cases read and write: orgs, users, memberships, tokens, events.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::code::CodeKind;
use crate::email::EmailAddress;
use crate::ids::{MailId, OrgId, TokenId, UserId};
use crate::permissions::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OrgState {
    Active,
    Inactive,
    Removed,
}

impl OrgState {
    pub fn as_db(self) -> &'static str {
        match self {
            OrgState::Active => "active",
            OrgState::Inactive => "inactive",
            OrgState::Removed => "removed",
        }
    }

    pub fn from_db(text: &str) -> Self {
        match text {
            "inactive" => OrgState::Inactive,
            "removed" => OrgState::Removed,
            _ => OrgState::Active,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub state: OrgState,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UserState {
    Active,
    Inactive,
    Locked,
    Initial,
    Deleted,
}

impl UserState {
    pub const ALL: [UserState; 5] = [
        UserState::Active,
        UserState::Inactive,
        UserState::Locked,
        UserState::Initial,
        UserState::Deleted,
    ];

    pub fn as_db(self) -> &'static str {
        match self {
            UserState::Active => "active",
            UserState::Inactive => "inactive",
            UserState::Locked => "locked",
            UserState::Initial => "initial",
            UserState::Deleted => "deleted",
        }
    }

    pub fn from_db(text: &str) -> Self {
        UserState::ALL
            .into_iter()
            .find(|state| state.as_db() == text)
            .unwrap_or(UserState::Inactive)
    }

    /// The API's name: `USER_STATE_ACTIVE`, …
    pub fn api_name(self) -> &'static str {
        match self {
            UserState::Active => "USER_STATE_ACTIVE",
            UserState::Inactive => "USER_STATE_INACTIVE",
            UserState::Locked => "USER_STATE_LOCKED",
            UserState::Initial => "USER_STATE_INITIAL",
            UserState::Deleted => "USER_STATE_DELETED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKind {
    Human(Human),
    Machine(Machine),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Human {
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub nick_name: String,
    pub preferred_language: String,
    pub email: EmailAddress,
    pub email_verified: bool,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Machine {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    pub username: String,
    pub state: UserState,
    pub kind: UserKind,
    pub created_at: Timestamp,
    /// Sequence of the user's last event of any kind (the write guard).
    pub sequence: i64,
    /// Sequence and time of the last event that changed the user's data; reads report these.
    pub change_sequence: i64,
    pub changed_at: Timestamp,
}

impl User {
    /// A new active user whose last event is `sequence` (0 before its first).
    pub fn new(
        id: UserId,
        org_id: OrgId,
        username: String,
        kind: UserKind,
        now: Timestamp,
        sequence: i64,
    ) -> User {
        User {
            id,
            org_id,
            username,
            state: UserState::Active,
            kind,
            created_at: now,
            sequence,
            change_sequence: sequence,
            changed_at: now,
        }
    }

    pub fn human(&self) -> Option<&Human> {
        match &self.kind {
            UserKind::Human(human) => Some(human),
            UserKind::Machine(_) => None,
        }
    }

    pub fn human_mut(&mut self) -> Option<&mut Human> {
        match &mut self.kind {
            UserKind::Human(human) => Some(human),
            UserKind::Machine(_) => None,
        }
    }

    pub fn is_deleted(&self) -> bool {
        self.state == UserState::Deleted
    }

    /// The name to show: a human's display name, else given and family name; a
    /// machine's name; else the username.
    pub fn display_name(&self) -> String {
        let name = match &self.kind {
            UserKind::Human(h) if !h.display_name.is_empty() => h.display_name.clone(),
            UserKind::Human(h) => format!("{} {}", h.given_name, h.family_name)
                .trim()
                .to_owned(),
            UserKind::Machine(m) => m.name.clone(),
        };
        if name.is_empty() {
            self.username.clone()
        } else {
            name
        }
    }
}

/// Roles a user holds on one org, or on the whole instance (`org_id` = `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub user_id: UserId,
    pub org_id: Option<OrgId>,
    pub roles: Vec<Role>,
}

/// The stored side of a personal access token: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalAccessToken {
    pub id: TokenId,
    pub user_id: UserId,
    pub token_hash: String,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// One entry of a user's event stream (the audit log).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub user_id: UserId,
    pub sequence: i64,
    pub event_type: String,
    pub payload: serde_json::Value,
    /// The user who caused it; `None` for the system (bootstrap, the worker).
    pub creator: Option<UserId>,
    pub created_at: Timestamp,
    /// The door it came through; `None` for events written before doors were kept.
    pub via: Option<crate::via::Via>,
}

/// `details` of an API response (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub sequence: i64,
    pub change_date: Timestamp,
    pub resource_owner: OrgId,
    /// Only on reads.
    pub creation_date: Option<Timestamp>,
}

impl Details {
    /// Details of a read of `user`'s data.
    pub fn of_read(user: &User) -> Self {
        Details {
            sequence: user.change_sequence,
            change_date: user.changed_at,
            resource_owner: user.org_id,
            creation_date: Some(user.created_at),
        }
    }
}

/// The live code of one kind for one user (only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    pub user_id: UserId,
    pub kind: CodeKind,
    pub code_hash: String,
    /// The address the code was issued for.
    pub email: String,
    pub url_template: Option<String>,
    /// The application an invite mail names (CreateInviteCode); kept for a resend.
    pub application_name: Option<String>,
    /// Handed back in the API response rather than mailed.
    pub returned: bool,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// When the code was used. A used code is kept (hashed) until the next one
    /// replaces it, as proof for "already verified"; it is never live again.
    pub used_at: Option<Timestamp>,
}

impl CodeRecord {
    /// Not used yet (it may have expired or run out of attempts). Only such a code
    /// counts as "a code was sent" (ResendEmailCode, the console's panel).
    pub fn is_pending(&self) -> bool {
        self.used_at.is_none()
    }

    /// The code can still verify: not used, not expired, attempts left.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.is_pending() && self.expires_at > now && self.attempts < crate::code::MAX_ATTEMPTS
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MailKind {
    /// "Verify your email address", with code and link.
    EmailVerification,
    /// "Finish setting up your account", with code, link and login name.
    Initialization,
    /// "Your email address was changed", to the old verified address.
    EmailChangedNotice,
    /// The initialization mail sent by CreateInviteCode / ResendInviteCode: the same
    /// text and page, naming the application when one was given.
    Invite,
}

impl MailKind {
    pub fn as_db(self) -> &'static str {
        match self {
            MailKind::EmailVerification => "email_verification",
            MailKind::Initialization => "initialization",
            MailKind::EmailChangedNotice => "email_changed_notice",
            MailKind::Invite => "invite",
        }
    }

    pub const ALL: [MailKind; 4] = [
        MailKind::EmailVerification,
        MailKind::Initialization,
        MailKind::EmailChangedNotice,
        MailKind::Invite,
    ];

    pub fn from_db(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_db() == text)
    }

    /// Mails that carry a code count against the send limits.
    pub fn carries_code(self) -> bool {
        !matches!(self, MailKind::EmailChangedNotice)
    }
}

/// The secret part of a code mail: its code and link. Sealed at rest (`sealing`),
/// opened only to send the mail or to show it to someone who may write the user.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSecret {
    pub code: String,
    pub link: String,
}

impl std::fmt::Debug for MailSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailSecret(<redacted>)")
    }
}

/// The groups of humans by their email, as the dashboard counts them and the users
/// list filters them: still *initial* (never signed in), else verified, else pending
/// (a live code is out) or unverified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailGroup {
    Verified,
    Unverified,
    Pending,
    Initial,
}

impl EmailGroup {
    pub const ALL: [EmailGroup; 4] = [
        EmailGroup::Verified,
        EmailGroup::Unverified,
        EmailGroup::Pending,
        EmailGroup::Initial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailGroup::Verified => "verified",
            EmailGroup::Unverified => "unverified",
            EmailGroup::Pending => "pending",
            EmailGroup::Initial => "initial",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == text)
    }
}

/// Where an outbox row is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum MailStatus {
    Queued,
    /// Claimed by a worker until its lease ends.
    Sending,
    Sent,
    /// Every attempt failed; its code was redacted.
    Failed,
    /// Not sent: its code expired or was replaced, or the user was deleted.
    Skipped,
    /// Delivered to the dev mailbox.
    Captured,
}

impl MailStatus {
    pub const ALL: [MailStatus; 6] = [
        MailStatus::Queued,
        MailStatus::Sending,
        MailStatus::Sent,
        MailStatus::Failed,
        MailStatus::Skipped,
        MailStatus::Captured,
    ];

    pub fn as_db(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Skipped => "skipped",
            MailStatus::Captured => "captured",
        }
    }

    /// The status of this name (`queued`, …), if any.
    pub fn from_name(text: &str) -> Option<Self> {
        MailStatus::ALL.into_iter().find(|s| s.as_db() == text)
    }

    /// Whether "retry" applies: a failed mail goes back to the queue (if it still has
    /// its code), a queued one is made due now. Sent, captured and skipped are final.
    pub fn can_retry(self) -> bool {
        matches!(self, MailStatus::Failed | MailStatus::Queued)
    }

    /// Still on its way: the worker will (re)try it.
    pub fn is_pending(self) -> bool {
        matches!(self, MailStatus::Queued | MailStatus::Sending)
    }
}

/// A row of the outbox, as written by the use case that causes the mail.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMail {
    pub id: MailId,
    pub user_id: UserId,
    pub org_id: OrgId,
    pub kind: MailKind,
    pub to_address: String,
    pub payload: serde_json::Value,
    pub created_at: Timestamp,
    pub code_kind: Option<CodeKind>,
    pub code_hash: Option<String>,
    pub code_expires_at: Option<Timestamp>,
    pub message_id: String,
    /// The sealed `MailSecret` of a code mail.
    pub sealed: Option<String>,
}

/// An outbox row as read back (console, API, worker).
#[derive(Debug, Clone, PartialEq)]
pub struct MailRecord {
    pub id: MailId,
    pub user_id: UserId,
    pub org_id: OrgId,
    pub kind: MailKind,
    pub to_address: String,
    pub subject: String,
    pub payload: serde_json::Value,
    pub status: MailStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub next_attempt_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub code_kind: Option<CodeKind>,
    pub code_hash: Option<String>,
    pub code_expires_at: Option<Timestamp>,
    pub message_id: String,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    /// The sealed `MailSecret`, while the mail can still be sent or shown whole.
    pub sealed: Option<String>,
}
