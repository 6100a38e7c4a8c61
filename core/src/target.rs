//! How a request names the user it acts on, and whose rules apply: the Management
//! API v1 looks users up in an org context (`x-zitadel-orgid`, or the caller's own
//! org); the User Service v2 looks them up in any org and checks the permission on
//! the user's org. Use cases take an `Api` and keep their per-version error ids in a
//! table beside them.

use crate::error::{Error, Result};
use crate::ids::{OrgId, UserId};
use crate::model::{OrgState, User};
use crate::permissions::Caller;
use crate::service::Mailroom;

/// The org a v1 request acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgContext {
    /// No `x-zitadel-orgid`: the caller's own org.
    CallersOrg,
    Org(OrgId),
    /// A header that names no org (malformed, not ASCII): answered like an unknown org.
    NoSuchOrg,
}

impl OrgContext {
    /// From the header's value as the transport read it (`None`: no header).
    pub fn from_header(value: Option<&[u8]>) -> Self {
        match value {
            None => OrgContext::CallersOrg,
            Some(bytes) => std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| OrgId::parse(text.trim()))
                .map_or(OrgContext::NoSuchOrg, OrgContext::Org),
        }
    }
}

/// Which API's rules a use case follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    V1(OrgContext),
    V2,
}

impl Mailroom {
    /// The org a v1 request acts in; an org that does not exist (or was removed) →
    /// 403 `AUTH-Bs7Ds`.
    pub(crate) async fn org_in_context(
        &self,
        caller: &Caller,
        context: OrgContext,
    ) -> Result<OrgId> {
        let missing = || Error::permission_denied("AUTH-Bs7Ds", "Organisation doesn't exist");
        let id = match context {
            OrgContext::CallersOrg => return Ok(caller.org_id),
            OrgContext::Org(id) => id,
            OrgContext::NoSuchOrg => return Err(missing()),
        };
        match self.store.org(id).await? {
            Some(org) if org.state != OrgState::Removed => Ok(org.id),
            _ => Err(missing()),
        }
    }

    /// The user, unless unknown or deleted. Each use case reports `None` with its own
    /// error (`UserId::NOBODY`, a malformed id, is never found).
    pub(crate) async fn live_user(&self, id: UserId) -> Result<Option<User>> {
        if id == UserId::NOBODY {
            return Ok(None);
        }
        Ok(self.store.user(id).await?.filter(|u| !u.is_deleted()))
    }

    /// A live human (email operations; machine users have no email).
    pub(crate) async fn live_human(&self, id: UserId) -> Result<Option<User>> {
        Ok(self.live_user(id).await?.filter(|u| u.human().is_some()))
    }

    /// A live user of `org`; a user of another org is reported exactly like an
    /// unknown one.
    pub(crate) async fn user_in_org(&self, org: OrgId, id: UserId) -> Result<Option<User>> {
        Ok(self.live_user(id).await?.filter(|user| user.org_id == org))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_headers() {
        assert_eq!(OrgContext::from_header(None), OrgContext::CallersOrg);
        assert_eq!(
            OrgContext::from_header(Some(b" 42 ")),
            OrgContext::Org(OrgId(42))
        );
        for bad in [&b"0"[..], b"abc", b"\xff\xfe", b""] {
            assert_eq!(OrgContext::from_header(Some(bad)), OrgContext::NoSuchOrg);
        }
    }
}
