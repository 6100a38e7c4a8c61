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
    /// The lifecycle changes the caller may make now (`LIFECYCLE` keys).
    pub lifecycle: Vec<String>,
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

/// The dashboard (`/`): counts, and the two charts' data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Humans per email group: (filter value of `/users?email=`, label, count).
    pub email_groups: Vec<(String, String, i64)>,
    /// Mails per status: (status, count).
    pub mail_statuses: Vec<(String, i64)>,
    /// The chart's series, in stacking order: (class suffix, label).
    pub series: Vec<(String, String)>,
    /// 24 hours, oldest first.
    pub hours: Vec<HourBar>,
    pub funnel: Funnel,
    pub generated_at: String,
}

/// One hour of the mails chart: its start and the mails per series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourBar {
    pub start: String,
    /// `HH:00`, UTC.
    pub label: String,
    pub counts: Vec<i64>,
}

/// The verification funnel of the last 7 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funnel {
    pub sent: i64,
    pub within_hour: i64,
    pub within_day: i64,
    pub verified: i64,
}

/// From domain records to DTOs (server side only).
#[cfg(feature = "ssr")]
pub mod convert {
    use super::*;
    use mailroom_core::clock::Timestamp;
    use mailroom_core::console::{EmailPanelView, EmailState};
    use mailroom_core::model::{CodeRecord, Event, MailRecord, Org, User, UserKind};

    fn org_name(user: &User, orgs: &[Org]) -> String {
        orgs.iter()
            .find(|o| o.id == user.org_id)
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }

    fn status(state: EmailState) -> EmailStatus {
        match state {
            EmailState::Verified => EmailStatus::Verified,
            EmailState::Unverified => EmailStatus::Unverified,
            EmailState::Pending => EmailStatus::Pending,
            EmailState::None => EmailStatus::None,
        }
    }

    pub fn summary(user: &User, orgs: &[Org], email: EmailState) -> UserSummary {
        UserSummary {
            id: user.id.to_string(),
            display_name: user.display_name(),
            username: user.username.clone(),
            email: user
                .human()
                .map(|h| h.email.to_string())
                .unwrap_or_default(),
            email_status: status(email),
            state: user.state.as_db().to_owned(),
            org_id: user.org_id.to_string(),
            org_name: org_name(user, orgs),
            is_machine: matches!(user.kind, UserKind::Machine(_)),
        }
    }

    /// The badge of a panel's user: pending while a live code is out.
    pub fn panel_state(panel: &EmailPanelView) -> EmailState {
        match panel.user.human() {
            None => EmailState::None,
            Some(h) if h.email_verified => EmailState::Verified,
            Some(_)
                if panel
                    .email_code
                    .as_ref()
                    .is_some_and(|c| c.is_live(panel.now)) =>
            {
                EmailState::Pending
            }
            Some(_) => EmailState::Unverified,
        }
    }

    pub fn email_panel(panel: &EmailPanelView) -> EmailPanel {
        let summary = summary(&panel.user, &[], panel_state(panel));
        EmailPanel {
            user_id: summary.id,
            email: summary.email,
            status: summary.email_status,
            is_machine: summary.is_machine,
            is_initial: panel.user.state == mailroom_core::model::UserState::Initial,
            email_code: panel.email_code.as_ref().map(|c| live_code(c, panel.now)),
            init_code: panel.init_code.as_ref().map(|c| live_code(c, panel.now)),
            can_write: panel.can_write,
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
            status: mail.status.as_db().to_owned(),
            attempts: mail.attempts,
            last_error: mail.last_error.clone().unwrap_or_default(),
            created_at: mail.created_at.to_rfc3339(),
            sent_at: mail.sent_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            can_retry: can_write && mail.status.can_retry(),
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
