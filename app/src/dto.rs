//! What the server functions send to the pages. Plain data, shared by SSR and WASM.

use serde::{Deserialize, Serialize};

/// The signed-in administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    /// Orgs the user may read users of: (id, name). More than one shows the switcher.
    pub orgs: Vec<(String, String)>,
}

/// The email badge of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmailStatus {
    Verified,
    Unverified,
    /// A verification code is out and not yet used.
    Pending,
    /// Machine users have no email.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub email_status: EmailStatus,
    pub state: String,
    pub org_id: String,
    pub org_name: String,
    pub is_machine: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPage {
    pub users: Vec<UserSummary>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
    /// Orgs the caller may filter by: (id, name).
    pub orgs: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub summary: UserSummary,
    pub email: EmailPanel,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub created_at: String,
    pub changed_at: String,
    pub sequence: String,
    pub mails: Vec<MailSummary>,
    pub events: Vec<EventEntry>,
}

/// What the user page's email panel (an island) shows and re-reads after an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPanel {
    pub user_id: String,
    pub email: String,
    pub status: EmailStatus,
    pub is_machine: bool,
    /// State *initial*: only "resend initialization" applies.
    pub is_initial: bool,
    /// The live email code (never the code itself).
    pub email_code: Option<LiveCode>,
    /// The live initialization code.
    pub init_code: Option<LiveCode>,
    /// Whether the signed-in user may change this user.
    pub can_write: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveCode {
    pub sent_at: String,
    pub expires_at: String,
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSummary {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: String,
    pub sent_at: String,
    pub can_retry: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventEntry {
    pub sequence: String,
    pub event_type: String,
    pub created_at: String,
    pub creator: String,
    pub payload: String,
}

/// The answer of a console action, shown inline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionDone {
    pub message: String,
    /// A code shown once (change email with "show the code").
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxPage {
    pub mails: Vec<MailSummary>,
    pub next_cursor: Option<String>,
}

/// From domain records to DTOs (server side only).
#[cfg(feature = "ssr")]
pub mod convert {
    use super::*;
    use mailroom_core::clock::Timestamp;
    use mailroom_core::model::{CodeRecord, Event, MailRecord, Org, User, UserKind};

    fn org_name(user: &User, orgs: &[Org]) -> String {
        orgs.iter()
            .find(|o| o.id == user.org_id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }

    /// `code_pending`: a live email code is out (the "pending" badge).
    pub fn summary(user: &User, orgs: &[Org], code_pending: bool) -> UserSummary {
        let (display_name, email, email_status) = match &user.kind {
            UserKind::Human(h) => {
                let name = if h.display_name.is_empty() {
                    format!("{} {}", h.given_name, h.family_name)
                        .trim()
                        .to_owned()
                } else {
                    h.display_name.clone()
                };
                let status = if h.email_verified {
                    EmailStatus::Verified
                } else if code_pending {
                    EmailStatus::Pending
                } else {
                    EmailStatus::Unverified
                };
                (name, h.email.clone(), status)
            }
            UserKind::Machine(m) => (m.name.clone(), String::new(), EmailStatus::None),
        };
        UserSummary {
            id: user.id.to_string(),
            display_name: if display_name.is_empty() {
                user.username.clone()
            } else {
                display_name
            },
            username: user.username.clone(),
            email,
            email_status,
            state: user.state.as_db().to_owned(),
            org_id: user.org_id.to_string(),
            org_name: org_name(user, orgs),
            is_machine: matches!(user.kind, UserKind::Machine(_)),
        }
    }

    /// `email_code`/`init_code`: the user's current codes of each kind, if any.
    pub fn email_panel(
        user: &User,
        email_code: Option<&CodeRecord>,
        init_code: Option<&CodeRecord>,
        can_write: bool,
        now: Timestamp,
    ) -> EmailPanel {
        let pending = email_code.is_some_and(|c| c.expires_at > now);
        let summary = summary(user, &[], pending);
        EmailPanel {
            user_id: summary.id,
            email: summary.email,
            status: summary.email_status,
            is_machine: summary.is_machine,
            is_initial: user.state == mailroom_core::model::UserState::Initial,
            email_code: email_code.map(|c| live_code(c, now)),
            init_code: init_code.map(|c| live_code(c, now)),
            can_write,
        }
    }

    pub fn live_code(code: &CodeRecord, now: Timestamp) -> LiveCode {
        LiveCode {
            sent_at: code.created_at.to_rfc3339(),
            expires_at: code.expires_at.to_rfc3339(),
            expired: code.expires_at <= now,
        }
    }

    pub fn mail(mail: &MailRecord, can_write: bool) -> MailSummary {
        MailSummary {
            id: mail.id.to_string(),
            user_id: mail.user_id.to_string(),
            kind: mail.kind.as_db().to_owned(),
            to: mail.to_address.clone(),
            subject: mail.subject.clone(),
            status: mail.status.clone(),
            attempts: mail.attempts,
            last_error: mail.last_error.clone().unwrap_or_default(),
            created_at: mail.created_at.to_rfc3339(),
            sent_at: mail.sent_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            can_retry: can_write && matches!(mail.status.as_str(), "failed" | "queued"),
        }
    }

    pub fn event(event: &Event) -> EventEntry {
        EventEntry {
            sequence: event.sequence.to_string(),
            event_type: event.event_type.clone(),
            created_at: event.created_at.to_rfc3339(),
            creator: event
                .creator
                .map(|c| c.to_string())
                .unwrap_or_else(|| "system".into()),
            payload: if event.payload.as_object().is_some_and(|m| m.is_empty()) {
                String::new()
            } else {
                event.payload.to_string()
            },
        }
    }
}
