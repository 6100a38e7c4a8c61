//! Changing a user's address: Management API v1 `PUT …/email`, User Service v2
//! `SetEmail`, and the console's "change email". SPEC §3.1, §3.2.

use serde_json::json;

use crate::change::{event, UserChange};
use crate::code::{CodeKind, PlainCode};
use crate::email::EmailAddress;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::model::{Details, UserState};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::Op;
use crate::target::Api;
use crate::verification::CodeDelivery;

/// What becomes of a new address (v2's `oneof`; v1's `isEmailVerified` is
/// `Verified` or `Send` with the default link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// A code, by mail (with the default link or a template) or in the response.
    Code(CodeDelivery),
    /// Marked verified at once.
    Verified,
}

/// A write's details and, for `returnCode`, the code.
#[derive(Debug, Clone)]
pub struct CodeWrite {
    pub details: Details,
    pub code: Option<PlainCode>,
}

/// The answers of `change_email` that differ between the APIs (ZITADEL's ids).
struct Rules {
    /// Unknown, deleted, machine or (v1) other-org user.
    not_found: fn() -> Error,
    not_initialized: fn() -> Error,
    unchanged: fn() -> Error,
    /// v1 only: the same, unverified address with "verified" just marks it verified.
    same_address_marks_verified: bool,
}

const V1: Rules = Rules {
    not_found: || Error::failed_precondition("COMMAND-0Pe4r", "Email not found"),
    not_initialized: || Error::failed_precondition("COMMAND-J8dsk", "User is not yet initialized"),
    unchanged: || Error::failed_precondition("COMMAND-2b7fM", "Email not changed"),
    same_address_marks_verified: true,
};

const V2: Rules = Rules {
    not_found: || Error::not_found("COMMAND-ieJ2e", "Email not found"),
    not_initialized: || Error::failed_precondition("COMMAND-uz0Uu", "User is not yet initialized"),
    unchanged: || Error::failed_precondition("COMMAND-Uch5e", "Email not changed"),
    same_address_marks_verified: false,
};

impl Mailroom {
    /// Sets `address` on the user: `email.changed` (the old verified address is
    /// notified, a live email code discarded), then `email.verified` or a new code.
    pub async fn change_email(
        &self,
        caller: &Caller,
        api: Api,
        user: UserId,
        address: &EmailAddress,
        verification: &Verification,
    ) -> Result<CodeWrite> {
        let rules = match api {
            Api::V1(_) => &V1,
            Api::V2 => &V2,
        };
        // A user may send itself a code by mail; everything else needs `user.write`.
        let self_allowed = matches!(verification, Verification::Code(CodeDelivery::Mail { .. }));
        self.write_to_user(user, |mut turn| async move {
            let target = self
                .email_target(caller, api, user, self_allowed, rules.not_found)
                .await?;
            if target.state == UserState::Initial {
                return Err((rules.not_initialized)());
            }
            let (current, verified) = target
                .human()
                .map(|h| (h.email.as_str().to_owned(), h.email_verified))
                .unwrap_or_default();
            let now = self.clock.now();
            let mut change = UserChange::new(target, Some(caller.user_id), now);
            if current == address.as_str() {
                if rules.same_address_marks_verified
                    && *verification == Verification::Verified
                    && !verified
                {
                    Self::mark_verified(&mut change);
                    let details = turn.commit(change).await?;
                    return Ok(CodeWrite {
                        details,
                        code: None,
                    });
                }
                return Err((rules.unchanged)());
            }
            if matches!(verification, Verification::Code(delivery) if delivery.mails()) {
                self.check_send_limit(user, now).await?;
            }
            self.change_address(&mut change, address);
            let code = match verification {
                Verification::Verified => {
                    Self::mark_verified(&mut change);
                    None
                }
                Verification::Code(delivery) => self.issue_email_code(&mut change, delivery),
            };
            let details = turn.commit(change).await?;
            Ok(CodeWrite { details, code })
        })
        .await
    }

    /// The console's "mark verified": the current address, verified without a code
    /// (any live email code is discarded).
    pub async fn mark_email_verified(&self, caller: &Caller, user: UserId) -> Result<Details> {
        self.write_to_user(user, |mut turn| async move {
            let target = self
                .email_target(caller, Api::V2, user, false, V2.not_found)
                .await?;
            if target.state == UserState::Initial {
                return Err((V2.not_initialized)());
            }
            if target.human().is_some_and(|h| h.email_verified) {
                return Err(Error::failed_precondition(
                    "COMMAND-3M9ds",
                    "Email is already verified",
                ));
            }
            let mut change = UserChange::new(target, Some(caller.user_id), self.clock.now());
            Self::mark_verified(&mut change);
            turn.commit(change).await
        })
        .await
    }

    /// The human an email write is about, after the permission checks in the
    /// documented order: v1 org context and membership, then the user; v2 the user
    /// (unknown → 404), then the permission on its org; then the target rule.
    pub(crate) async fn email_target(
        &self,
        caller: &Caller,
        api: Api,
        user: UserId,
        self_allowed: bool,
        not_found: fn() -> Error,
    ) -> Result<crate::model::User> {
        let target = match api {
            Api::V1(context) => {
                let org = self.org_in_context(caller, context).await?;
                caller.require_v1(Permission::UserWrite, org)?;
                self.user_in_org(org, user)
                    .await?
                    .filter(|u| u.human().is_some())
                    .ok_or_else(not_found)?
            }
            Api::V2 => {
                let target = self.live_human(user).await?.ok_or_else(not_found)?;
                if !(self_allowed && caller.user_id == target.id) {
                    caller.require_v2(Permission::UserWrite, target.org_id)?;
                }
                target
            }
        };
        self.require_target(caller, &target).await?;
        Ok(target)
    }

    /// Sets a new address on `change`: `email.changed`, the old verified address
    /// notified, any live email code discarded.
    pub(crate) fn change_address(&self, change: &mut UserChange, email: &EmailAddress) {
        let (old_email, was_verified) = change
            .user()
            .human()
            .map(|h| (h.email.as_str().to_owned(), h.email_verified))
            .unwrap_or_default();
        if let Some(human) = change.user_mut().human_mut() {
            human.email = email.clone();
            human.email_verified = false;
        }
        change.event(event::EMAIL_CHANGED, json!({"email": email.as_str()}));
        let user_id = change.user().id;
        change.op(Op::DeleteCode {
            user_id,
            kind: CodeKind::Email,
        });
        if was_verified && old_email != email.as_str() {
            self.notify_old_address(change, &old_email, email.as_str());
        }
    }

    /// The address is verified without a code: any live email code is discarded.
    pub(crate) fn mark_verified(change: &mut UserChange) {
        if let Some(human) = change.user_mut().human_mut() {
            human.email_verified = true;
        }
        change.event(event::EMAIL_VERIFIED, json!({}));
        let user_id = change.user().id;
        change.op(Op::DeleteCode {
            user_id,
            kind: CodeKind::Email,
        });
    }
}
