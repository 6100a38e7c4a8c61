//! What the server functions send to the pages. Plain data, shared by SSR and WASM.

use serde::{Deserialize, Serialize};

/// A moment as the console shows it (`components::Time`): exact and in UTC, marked as
/// such, in the server's HTML; the browser rewrites it into its own time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct When {
    /// RFC 3339, for `<time datetime>` and the browser.
    pub iso: String,
    /// `3 Dec 2026, 08:17 UTC`
    pub utc: String,
    /// `5 minutes ago`, `in 2 hours`: relative to when the page was made.
    pub ago: String,
}

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
    /// Whether the caller may write users somewhere (bulk sends).
    pub can_write: bool,
}

/// A bulk job and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub id: String,
    /// What it sends, in words.
    pub what: String,
    pub creator: String,
    pub created: When,
    pub total: i64,
    pub sent: i64,
    pub limited: i64,
    pub already_done: i64,
    pub not_allowed: i64,
    pub failed: i64,
    /// Users not handled yet.
    pub pending: i64,
    pub finished: bool,
    pub can_dismiss: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub summary: UserSummary,
    pub email: EmailPanel,
    pub given_name: String,
    pub family_name: String,
    pub preferred_language: String,
    pub created_at: When,
    pub changed_at: When,
    pub sequence: String,
    pub mails: Vec<MailSummary>,
    /// One page of the audit log, newest first.
    pub events: Vec<AuditEntry>,
    /// The sequence to ask for the next (older) page with, when there is one.
    pub older_than: Option<String>,
    /// Every event type, for the log's filter.
    pub event_types: Vec<String>,
    /// The lifecycle changes the caller may make now (`LIFECYCLE` keys).
    pub lifecycle: Vec<String>,
    /// A machine user's tokens.
    pub tokens: Option<MachineTokens>,
}

/// `/orgs`: the orgs the caller may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgsPage {
    /// (id, name, created)
    pub orgs: Vec<(String, String, When)>,
    /// Whether the caller may create orgs (an instance owner).
    pub can_create: bool,
}

/// `/orgs/{id}`: an org and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDetail {
    pub id: String,
    pub name: String,
    /// (user id, display name, username, roles)
    pub members: Vec<(String, String, String, Vec<String>)>,
    pub can_manage_members: bool,
}

/// A machine user's personal access tokens, as its page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineTokens {
    pub user_id: String,
    pub tokens: Vec<TokenRow>,
    /// Whether the caller may create and remove them.
    pub can_manage: bool,
    /// A token a plain form post just made, shown this once.
    pub new_token: Option<String>,
}

/// A token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub created: When,
    pub expires: Option<When>,
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
    pub sent_at: When,
    pub expires_at: When,
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
    pub created_at: When,
    pub can_retry: bool,
}

/// One line of the readable audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub sequence: String,
    pub event_type: String,
    /// Who: a user's display name, "the user" or "a link in a mail", or "Mailroom".
    pub actor: String,
    /// The actor's page, when the actor is another user.
    pub actor_href: Option<String>,
    /// What, as a sentence after the actor: "changed the email to x@example.com".
    pub what: String,
    /// A moment the sentence names ("expires …"), if any.
    pub expires: Option<When>,
    pub at: When,
    /// The door: "REST", "gRPC", "console", …; empty for events older than that.
    pub transport: String,
    /// The event as JSON, one click away.
    pub raw: String,
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
    pub generated_at: When,
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
    use mailroom_core::change::event;
    use mailroom_core::clock::Timestamp;
    use mailroom_core::console::{EmailPanelView, EmailState};
    use mailroom_core::ids::UserId;
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
            sent_at: when(code.created_at, now),
            expires_at: when(code.expires_at, now),
            expired: code.expires_at <= now,
        }
    }

    /// A moment for the console, seen from `now`.
    pub fn when(at: Timestamp, now: Timestamp) -> When {
        When {
            iso: at.to_rfc3339(),
            utc: at.to_datetime().format("%-d %b %Y, %H:%M UTC").to_string(),
            ago: ago(now.0 - at.0),
        }
    }

    /// `micros` before now, in words: "just now", "5 minutes ago", "in 2 hours".
    fn ago(micros: i64) -> String {
        let secs = micros.unsigned_abs() / 1_000_000;
        let (n, unit) = match secs {
            0..60 => return "just now".into(),
            60..3_600 => (secs / 60, "minute"),
            3_600..86_400 => (secs / 3_600, "hour"),
            _ => (secs / 86_400, "day"),
        };
        let plural = if n == 1 { "" } else { "s" };
        if micros < 0 {
            format!("in {n} {unit}{plural}")
        } else {
            format!("{n} {unit}{plural} ago")
        }
    }

    pub fn mail(mail: &MailRecord, can_write: bool, now: Timestamp) -> MailSummary {
        MailSummary {
            id: mail.id.to_string(),
            user_id: mail.user_id.to_string(),
            kind: mail.kind.as_db().to_owned(),
            to: mail.to_address.clone(),
            subject: mail.subject.clone(),
            status: mail.status.as_db().to_owned(),
            attempts: mail.attempts,
            last_error: mail.last_error.clone().unwrap_or_default(),
            created_at: when(mail.created_at, now),
            can_retry: can_write && mail.status.can_retry(),
        }
    }

    /// An event of `user`'s log as a sentence: who, what, when, through which door.
    /// `actors` names the users who made the page's events.
    pub fn audit_entry(
        event: &Event,
        user: &User,
        actors: &[(UserId, String)],
        now: Timestamp,
    ) -> AuditEntry {
        use mailroom_core::via::Via;
        let (actor, actor_href) = match (event.creator, event.via) {
            (Some(creator), _) if creator == user.id => ("the user".to_owned(), None),
            (Some(creator), _) => (
                actors
                    .iter()
                    .find(|(id, _)| *id == creator)
                    .map(|(_, name)| name.clone())
                    .unwrap_or_else(|| format!("user {creator}")),
                Some(format!("/users/{creator}")),
            ),
            (None, Some(Via::Page)) => ("a link in a mail".to_owned(), None),
            (None, _) => ("Mailroom".to_owned(), None),
        };
        let text = |key: &str| event.payload[key].as_str().unwrap_or_default().to_owned();
        let expires = event.payload["expiresAt"]
            .as_str()
            .and_then(Timestamp::parse_rfc3339)
            .map(|at| when(at, now));
        let returned = event.payload["codeReturned"].as_bool() == Some(true);
        let what = match event.event_type.as_str() {
            event::HUMAN_ADDED => "created the user".to_owned(),
            event::MACHINE_ADDED => "created the machine user".to_owned(),
            event::EMAIL_CHANGED => format!("changed the email to {}", text("email")),
            event::EMAIL_CODE_ADDED if returned => {
                "created a verification code and handed it back".to_owned()
            }
            event::EMAIL_CODE_ADDED => "sent a verification code".to_owned(),
            event::EMAIL_CODE_SENT => "delivered the verification mail".to_owned(),
            event::EMAIL_VERIFIED => "verified the email address".to_owned(),
            event::EMAIL_VERIFICATION_FAILED => "tried a wrong verification code".to_owned(),
            event::INIT_CODE_ADDED => "sent an initialization code".to_owned(),
            event::INIT_CODE_SENT => "delivered the initialization mail".to_owned(),
            event::INIT_CHECK_SUCCEEDED => "finished setting up the account".to_owned(),
            event::INIT_CHECK_FAILED => "tried a wrong initialization code".to_owned(),
            event::INVITE_CODE_ADDED if returned => {
                "created an invite code and handed it back".to_owned()
            }
            event::INVITE_CODE_ADDED => match text("applicationName") {
                name if name.is_empty() => "sent an invitation".to_owned(),
                name => format!("sent an invitation to {name}"),
            },
            event::INVITE_CODE_SENT => "delivered the invitation mail".to_owned(),
            event::INVITE_CHECK_SUCCEEDED => "accepted the invitation".to_owned(),
            event::INVITE_CHECK_FAILED => "tried a wrong invite code".to_owned(),
            event::PASSWORD_CHANGED => "set the password".to_owned(),
            event::DEACTIVATED => "deactivated the user".to_owned(),
            event::REACTIVATED => "reactivated the user".to_owned(),
            event::LOCKED => "locked the user".to_owned(),
            event::UNLOCKED => "unlocked the user".to_owned(),
            event::REMOVED => "deleted the user".to_owned(),
            other => format!("recorded {other}"),
        };
        let raw = serde_json::json!({
            "sequence": event.sequence.to_string(),
            "type": event.event_type,
            "createdAt": event.created_at.to_rfc3339(),
            "creator": event.creator.map(|c| c.to_string()),
            "transport": event.via.map(|via| via.as_str()),
            "payload": event.payload,
        });
        AuditEntry {
            sequence: event.sequence.to_string(),
            event_type: event.event_type.clone(),
            actor,
            actor_href,
            what,
            expires,
            at: when(event.created_at, now),
            // Mailroom's own events name it as their actor already.
            transport: event
                .via
                .filter(|via| *via != Via::System)
                .map(transport_label)
                .unwrap_or_default()
                .to_owned(),
            raw: serde_json::to_string_pretty(&raw).unwrap_or_default(),
        }
    }

    /// How the console names a door.
    pub fn transport_label(via: mailroom_core::via::Via) -> &'static str {
        use mailroom_core::via::Via;
        match via {
            Via::Rest => "REST API",
            Via::Connect => "Connect API",
            Via::Grpc => "gRPC",
            Via::GrpcWeb => "gRPC-web",
            Via::Console => "console",
            Via::Page => "end-user page",
            Via::System => "Mailroom",
        }
    }
}
