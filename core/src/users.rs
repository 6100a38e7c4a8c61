//! Reading users and their email: the v1 org context, the console's list and detail.

use crate::error::{Code, Error, Result};
use crate::ids::{OrgId, UserId};
use crate::model::{Details, User, UserState};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::UserQuery;
use crate::target::OrgContext;

/// A user's address and whether it is verified, with read `details`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailView {
    pub details: Details,
    pub email: String,
    pub is_verified: bool,
}

/// One page of the users list.
#[derive(Debug, Clone)]
pub struct UserPage {
    pub users: Vec<User>,
    pub total: u64,
}

pub const MAX_PAGE_SIZE: u64 = 1000;
/// Most candidates a text query of ListUsers looks at.
const TEXT_QUERY_SCAN_LIMIT: u64 = 10_000;

impl Mailroom {
    /// A user's address and whether it is verified (v1 `GET …/email`, in the org context).
    pub async fn email_of(
        &self,
        caller: &Caller,
        context: OrgContext,
        user_id: UserId,
    ) -> Result<EmailView> {
        let org = self.org_in_context(caller, context).await?;
        caller.require_v1(Permission::UserRead, org)?;
        let user = self
            .user_in_org(org, user_id)
            .await?
            .ok_or_else(|| Error::not_found("QUERY-Hms2s", "User could not be found"))?;
        let human = user.human().ok_or_else(|| {
            Error::new(
                Code::FailedPrecondition,
                "QUERY-pt7HY",
                "The User must be personal",
            )
        })?;
        Ok(EmailView {
            details: Details::of_read(&user),
            email: human.email.to_string(),
            is_verified: human.email_verified,
        })
    }

    /// A user the caller may read, in any org (the console's user page). A user the
    /// caller may not read is reported as unknown, so ids cannot be probed.
    pub async fn readable_user(&self, caller: &Caller, user_id: UserId) -> Result<User> {
        let not_found = || Error::not_found("QUERY-Hms2s", "User could not be found");
        let user = self.live_user(user_id).await?.ok_or_else(not_found)?;
        if !caller.can(Permission::UserRead, user.org_id) {
            return Err(not_found());
        }
        Ok(user)
    }
}

/// A text condition of the v2 users list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// The v2 ListUsers query (a subset of ZITADEL's: email, username, org, state).
#[derive(Debug, Clone, Default)]
pub struct ListUsersV2 {
    pub email: Option<(String, TextMatch, bool)>,
    pub username: Option<(String, TextMatch, bool)>,
    pub org: Option<OrgId>,
    pub state: Option<UserState>,
    pub offset: u64,
    pub limit: u64,
}

fn text_matches(value: &str, (pattern, how, ignore_case): &(String, TextMatch, bool)) -> bool {
    let (value, pattern) = if *ignore_case {
        (value.to_lowercase(), pattern.to_lowercase())
    } else {
        (value.to_owned(), pattern.clone())
    };
    match how {
        TextMatch::Equals => value == pattern,
        TextMatch::Contains => value.contains(&pattern),
        TextMatch::StartsWith => value.starts_with(&pattern),
        TextMatch::EndsWith => value.ends_with(&pattern),
    }
}

impl Mailroom {
    /// v2 `GetUserByID`: the caller needs `user.read` on the user's org, or is the user.
    pub async fn user_by_id(&self, caller: &Caller, user_id: UserId) -> Result<User> {
        let not_found = || Error::not_found("QUERY-Dfbg2", "User could not be found");
        let user = self.live_user(user_id).await?.ok_or_else(not_found)?;
        if caller.user_id != user.id {
            caller
                .require_v2(Permission::UserRead, user.org_id)
                .map_err(|_| not_found())?;
        }
        Ok(user)
    }

    /// v2 `ListUsers`: only users of orgs the caller may read.
    pub async fn list_users(&self, caller: &Caller, query: &ListUsersV2) -> Result<UserPage> {
        let readable = caller.orgs_with(Permission::UserRead);
        let orgs = match (readable, query.org) {
            (None, org) => org.map(|o| vec![o]),
            (Some(orgs), None) => Some(orgs),
            (Some(orgs), Some(org)) => Some(orgs.into_iter().filter(|o| *o == org).collect()),
        };
        let limit = if query.limit == 0 {
            100
        } else {
            query.limit.min(MAX_PAGE_SIZE)
        };
        let mut store_query = UserQuery {
            text: None,
            orgs,
            state: query.state,
            email_group: None,
            include_deleted: false,
            offset: query.offset,
            limit,
            now: self.clock.now(),
        };
        if query.email.is_none() && query.username.is_none() {
            let (users, total) = self.store.users(&store_query).await?;
            let users = users.into_iter().map(|(user, _)| user).collect();
            return Ok(UserPage { users, total });
        }
        // Text conditions: the store's case-insensitive substring search narrows the
        // set, then each condition is applied with its exact semantics.
        store_query.text = query
            .email
            .as_ref()
            .or(query.username.as_ref())
            .map(|(text, _, _)| text.clone());
        store_query.offset = 0;
        store_query.limit = TEXT_QUERY_SCAN_LIMIT;
        let (users, _) = self.store.users(&store_query).await?;
        let matching: Vec<User> = users
            .into_iter()
            .map(|(user, _)| user)
            .filter(|u| {
                let email = u.human().map(|h| h.email.as_str()).unwrap_or_default();
                query.email.as_ref().is_none_or(|m| text_matches(email, m))
                    && query
                        .username
                        .as_ref()
                        .is_none_or(|m| text_matches(&u.username, m))
            })
            .collect();
        let total = matching.len() as u64;
        let users = matching
            .into_iter()
            .skip(query.offset as usize)
            .take(limit as usize)
            .collect();
        Ok(UserPage { users, total })
    }

    /// `GET /mailroom/v1/users/{userId}/events`: the audit log, oldest first, a page
    /// at a time (`after` = the last sequence of the previous page). Returns the page
    /// and the cursor of the next one.
    pub async fn user_events(
        &self,
        caller: &Caller,
        user_id: UserId,
        after: Option<i64>,
        limit: u64,
    ) -> Result<(Vec<crate::model::Event>, Option<i64>)> {
        // Unlike the email operations, the audit log of a deleted user stays readable.
        let not_found = || Error::not_found("QUERY-Hms2s", "User could not be found");
        let user = self.store.user(user_id).await?.ok_or_else(not_found)?;
        if !caller.can(Permission::UserRead, user.org_id) {
            return Err(not_found());
        }
        let limit = if limit == 0 {
            DEFAULT_EVENT_PAGE
        } else {
            limit.min(MAX_EVENT_PAGE)
        };
        let mut events = self
            .store
            .events(&crate::store::EventQuery {
                user: user.id,
                after,
                // One more than asked tells whether there is a next page.
                limit: limit + 1,
                ..Default::default()
            })
            .await?;
        let next = if events.len() as u64 > limit {
            events.truncate(limit as usize);
            events.last().map(|e| e.sequence)
        } else {
            None
        };
        Ok((events, next))
    }
}

/// Events per page of the audit log (SPEC §7: events are paginated).
pub const DEFAULT_EVENT_PAGE: u64 = 100;
pub const MAX_EVENT_PAGE: u64 = 1000;
