//! Reading users and their email: the v1 org context, the console's list and detail.

use crate::error::{Code, Error, Result};
use crate::ids::{OrgId, UserId};
use crate::model::{Details, User, UserState};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::UserQuery;

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

impl Mailroom {
    /// The org a v1 request acts in: the `x-zitadel-orgid` header, or the caller's own.
    pub async fn org_context(&self, caller: &Caller, header: Option<&str>) -> Result<OrgId> {
        let Some(header) = header else {
            return Ok(caller.org_id);
        };
        let missing = || Error::permission_denied("AUTH-Bs7Ds", "Organisation doesn't exist");
        let org_id = OrgId::parse(header.trim()).ok_or_else(missing)?;
        match self.store.org(org_id).await? {
            Some(org) if org.state != crate::model::OrgState::Removed => Ok(org.id),
            _ => Err(missing()),
        }
    }

    /// A user of `org` who is not deleted; `None` for anything else, which callers report
    /// exactly like an unknown user.
    pub async fn user_in_org(&self, org: OrgId, user_id: &str) -> Result<Option<User>> {
        let Some(id) = UserId::parse(user_id) else {
            return Ok(None);
        };
        Ok(self
            .store
            .user(id)
            .await?
            .filter(|user| user.org_id == org && !user.is_deleted()))
    }

    /// `GET /management/v1/users/{userId}/email`.
    pub async fn get_email_v1(
        &self,
        caller: &Caller,
        org_header: Option<&str>,
        user_id: &str,
    ) -> Result<EmailView> {
        let org = self.org_context(caller, org_header).await?;
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
            email: human.email.clone(),
            is_verified: human.email_verified,
        })
    }

    /// The console's users list: only orgs where the caller may read users.
    pub async fn list_users(
        &self,
        caller: &Caller,
        text: Option<String>,
        org: Option<OrgId>,
        state: Option<UserState>,
        offset: u64,
        limit: u64,
    ) -> Result<UserPage> {
        let readable = caller.orgs_with(Permission::UserRead);
        let orgs = match (readable, org) {
            (None, None) => None,
            (None, Some(org)) => Some(vec![org]),
            (Some(orgs), None) => Some(orgs),
            (Some(orgs), Some(org)) => Some(orgs.into_iter().filter(|o| *o == org).collect()),
        };
        let query = UserQuery {
            text,
            orgs,
            include_deleted: state == Some(UserState::Deleted),
            state,
            offset,
            limit: limit.clamp(1, MAX_PAGE_SIZE),
        };
        let (users, total) = self.store.users(&query).await?;
        Ok(UserPage { users, total })
    }

    /// A user the caller may read, in any org (the console's user page). A user the
    /// caller may not read is reported as unknown, so ids cannot be probed.
    pub async fn readable_user(&self, caller: &Caller, user_id: &str) -> Result<User> {
        let not_found = || Error::not_found("QUERY-Hms2s", "User could not be found");
        let id = UserId::parse(user_id).ok_or_else(not_found)?;
        let user = self.store.user(id).await?.ok_or_else(not_found)?;
        if user.is_deleted() || !caller.can(Permission::UserRead, user.org_id) {
            return Err(not_found());
        }
        Ok(user)
    }
}
