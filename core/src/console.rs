//! What the console reads, each page in one call: the users list with every user's
//! email state (one query), a user's page (the user, its codes, mails and newest
//! events), the orgs the caller can read. The same permission rules as the API.

use crate::clock::Timestamp;
use crate::code::CodeKind;
use crate::error::Result;
use crate::ids::{OrgId, UserId};
use crate::model::{CodeRecord, Event, MailRecord, Org, User, UserState};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::{EventQuery, MailQuery, UserQuery};
use crate::users::MAX_PAGE_SIZE;

/// A user's email, as the console's badge shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailState {
    Verified,
    Unverified,
    /// A live verification code is out.
    Pending,
    /// Machine users have no email.
    None,
}

impl EmailState {
    fn of(user: &User, code_pending: bool) -> Self {
        match user.human() {
            None => EmailState::None,
            Some(h) if h.email_verified => EmailState::Verified,
            Some(_) if code_pending => EmailState::Pending,
            Some(_) => EmailState::Unverified,
        }
    }
}

/// One row of the users list.
#[derive(Debug, Clone)]
pub struct ListedUser {
    pub user: User,
    pub email: EmailState,
}

/// A page of the users list and the number of all matches.
#[derive(Debug, Clone)]
pub struct ListedUsers {
    pub users: Vec<ListedUser>,
    pub total: u64,
}

/// The users list's filter.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Substring of username, email or name, case-insensitive.
    pub text: Option<String>,
    pub org: Option<OrgId>,
    pub state: Option<UserState>,
    pub email_group: Option<crate::model::EmailGroup>,
    pub offset: u64,
    pub limit: u64,
}

/// Which page of a user's audit log to show.
#[derive(Debug, Clone, Default)]
pub struct LogPage {
    /// Only events of this type (one of `change::event::ALL`).
    pub event_type: Option<String>,
    /// Only events older than this sequence (the next page); `None`: the newest.
    pub before: Option<i64>,
}

/// A user's page: the email panel's codes, the mails to the user, the audit log.
#[derive(Debug, Clone)]
pub struct UserPageView {
    pub user: User,
    pub panel: EmailPanelView,
    pub mails: Vec<MailRecord>,
    /// One page of the audit log, newest first.
    pub events: Vec<Event>,
    /// Whether older events (of the filtered type) follow this page.
    pub older_events: bool,
    /// The display names of the users who made these events (deleted ones too).
    pub actors: Vec<(UserId, String)>,
    /// Whether the caller may change the user (its lifecycle, its tokens).
    pub may_change: bool,
    /// What the caller may do to the user's lifecycle now.
    pub lifecycle: Vec<crate::user_state::Lifecycle>,
}

/// The email panel: the user's pending codes (never a code itself) and whether the
/// caller may act.
#[derive(Debug, Clone)]
pub struct EmailPanelView {
    pub user: User,
    pub email_code: Option<CodeRecord>,
    pub init_code: Option<CodeRecord>,
    pub can_write: bool,
    pub now: Timestamp,
}

/// How much of a user's history one page of its audit log shows.
pub const PAGE_EVENTS: u64 = 50;
const PAGE_MAILS: u64 = 20;

impl Mailroom {
    /// The console's users list: only orgs where the caller may read users.
    pub async fn users_page(&self, caller: &Caller, filter: &UserFilter) -> Result<ListedUsers> {
        self.readable_users(caller, filter, MAX_PAGE_SIZE).await
    }

    /// The users list's matches, up to a bulk job's size (`jobs`).
    pub(crate) async fn users_page_unbounded(
        &self,
        caller: &Caller,
        filter: &UserFilter,
    ) -> Result<ListedUsers> {
        self.readable_users(caller, filter, crate::jobs::MAX_JOB_USERS as u64)
            .await
    }

    async fn readable_users(
        &self,
        caller: &Caller,
        filter: &UserFilter,
        most: u64,
    ) -> Result<ListedUsers> {
        let readable = caller.orgs_with(Permission::UserRead);
        let orgs = match (readable, filter.org) {
            (None, None) => None,
            (None, Some(org)) => Some(vec![org]),
            (Some(orgs), None) => Some(orgs),
            (Some(orgs), Some(org)) => Some(orgs.into_iter().filter(|o| *o == org).collect()),
        };
        let query = UserQuery {
            text: filter.text.clone(),
            orgs,
            include_deleted: filter.state == Some(UserState::Deleted),
            state: filter.state,
            email_group: filter.email_group,
            offset: filter.offset,
            limit: filter.limit.clamp(1, most),
            now: self.clock.now(),
        };
        let (users, total) = self.store.users(&query).await?;
        Ok(ListedUsers {
            users: users
                .into_iter()
                .map(|(user, pending)| ListedUser {
                    email: EmailState::of(&user, pending),
                    user,
                })
                .collect(),
            total,
        })
    }

    /// A user's page, for a caller who may read the user (others: unknown).
    pub async fn user_page(
        &self,
        caller: &Caller,
        id: UserId,
        log: &LogPage,
    ) -> Result<UserPageView> {
        let user = self.readable_user(caller, id).await?;
        let panel = self.panel_of(caller, user.clone()).await?;
        let mails = self
            .store
            .mails(&MailQuery {
                user: Some(user.id),
                limit: PAGE_MAILS,
                ..MailQuery::default()
            })
            .await?;
        // One more than a page: whether there are older ones.
        let mut events = self
            .store
            .events(&EventQuery {
                user: user.id,
                newest_first: true,
                before: log.before,
                types: log.event_type.clone().map(|t| vec![t]),
                limit: PAGE_EVENTS + 1,
                ..EventQuery::default()
            })
            .await?;
        let older_events = events.len() as u64 > PAGE_EVENTS;
        events.truncate(PAGE_EVENTS as usize);
        let mut actors = Vec::new();
        for creator in events.iter().filter_map(|e| e.creator) {
            if actors.iter().any(|(id, _)| *id == creator) {
                continue;
            }
            if let Some(actor) = self.store.user(creator).await? {
                actors.push((creator, actor.display_name()));
            }
        }
        let may_change = self.may_change(caller, &user).await?;
        let lifecycle = if may_change {
            Self::lifecycle_actions(&user)
        } else {
            Vec::new()
        };
        Ok(UserPageView {
            may_change,
            user,
            panel,
            mails,
            events,
            older_events,
            actors,
            lifecycle,
        })
    }

    /// The email panel alone (what it re-reads after each of its actions).
    pub async fn email_panel(&self, caller: &Caller, id: UserId) -> Result<EmailPanelView> {
        let user = self.readable_user(caller, id).await?;
        self.panel_of(caller, user).await
    }

    async fn panel_of(&self, caller: &Caller, user: User) -> Result<EmailPanelView> {
        let codes = self.store.codes(user.id).await?;
        // A used code is kept only as proof; the panel shows codes still out.
        let pending = |kind| {
            codes
                .iter()
                .find(|c| c.kind == kind && c.is_pending())
                .cloned()
        };
        Ok(EmailPanelView {
            email_code: pending(CodeKind::Email),
            init_code: pending(CodeKind::Init),
            can_write: caller.can(Permission::UserWrite, user.org_id),
            now: self.clock.now(),
            user,
        })
    }

    /// The orgs whose users the caller may read, by name.
    pub async fn readable_orgs(&self, caller: &Caller) -> Result<Vec<Org>> {
        let readable = caller.orgs_with(Permission::UserRead);
        let orgs = self.store.orgs().await?;
        Ok(orgs
            .into_iter()
            .filter(|o| readable.as_ref().is_none_or(|r| r.contains(&o.id)))
            .collect())
    }

    /// The database answers and every migration is applied (`/readyz`).
    pub async fn ready(&self) -> Result<()> {
        self.store.ready().await
    }

    /// Outbox rows per status (`/metrics`).
    pub async fn outbox_counts(&self) -> Result<Vec<(crate::model::MailStatus, i64)>> {
        self.store.mail_counts().await
    }
}
