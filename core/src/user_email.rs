//! Changing and verifying a user's email: Management API v1 (PUT email, resend
//! verification) and User Service v2 (SetEmail, SendEmailCode, ResendEmailCode,
//! VerifyEmail). SPEC §3.1, §3.2.

use serde_json::json;

use crate::change::{event, UserChange};
use crate::code::{CodeKind, PlainCode};
use crate::email::EmailAddress;
use crate::error::{Code, Error, Result};
use crate::ids::UserId;
use crate::model::{Details, User, UserState};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::verification::{CodeCheck, CodeDelivery};

/// What v2 SetEmail does after changing the address (the request's `oneof`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetEmailMode {
    Code(CodeDelivery),
    MarkVerified,
}

/// A write's details and, for `returnCode`, the code.
#[derive(Debug, Clone)]
pub struct CodeWrite {
    pub details: Details,
    pub code: Option<PlainCode>,
}

fn v2_not_found() -> Error {
    Error::not_found("COMMAND-ieJ2e", "Email not found")
}

fn v2_not_initialized() -> Error {
    Error::failed_precondition("COMMAND-uz0Uu", "User is not yet initialized")
}

impl Mailroom {
    /// v2: the target human, with the permission check in the documented order
    /// (unknown → 404, permission → 403, initial → 400). `self_allowed` lets a user
    /// act on itself without `user.write` (sending a code by mail).
    async fn v2_target(&self, caller: &Caller, user_id: &str, self_allowed: bool) -> Result<User> {
        let user = self.live_human(user_id).await?.ok_or_else(v2_not_found)?;
        if !(self_allowed && caller.user_id == user.id) {
            caller.require_v2(Permission::UserWrite, user.org_id)?;
        }
        self.require_target(caller, &user).await?;
        if user.state == UserState::Initial {
            return Err(v2_not_initialized());
        }
        Ok(user)
    }

    /// v1: a human of the org context after the org permission check, or `missing`.
    async fn v1_target(
        &self,
        caller: &Caller,
        org_header: Option<&str>,
        user_id: &str,
        permission: Permission,
        missing: fn() -> Error,
    ) -> Result<User> {
        let org = self.org_context(caller, org_header).await?;
        caller.require_v1(permission, org)?;
        let user = self
            .user_in_org(org, user_id)
            .await?
            .filter(|u| u.human().is_some())
            .ok_or_else(missing)?;
        if permission == Permission::UserWrite {
            self.require_target(caller, &user).await?;
        }
        Ok(user)
    }

    /// Sets a new address on `change`: `email.changed`, the old verified address
    /// notified, any live email code discarded.
    fn change_address(&self, change: &mut UserChange, email: &EmailAddress) {
        let (old_email, was_verified) = change
            .user()
            .human()
            .map(|h| (h.email.clone(), h.email_verified))
            .unwrap_or_default();
        if let Some(human) = change.user_mut().human_mut() {
            human.email = email.as_str().to_owned();
            human.email_verified = false;
        }
        change.event(event::EMAIL_CHANGED, json!({"email": email.as_str()}));
        let user_id = change.user().id;
        change.op(crate::store::Op::DeleteCode {
            user_id,
            kind: CodeKind::Email,
        });
        if was_verified && old_email != email.as_str() {
            self.notify_old_address(change, &old_email, email.as_str());
        }
    }

    fn mark_verified(change: &mut UserChange) {
        if let Some(human) = change.user_mut().human_mut() {
            human.email_verified = true;
        }
        change.event(event::EMAIL_VERIFIED, json!({}));
        let user_id = change.user().id;
        change.op(crate::store::Op::DeleteCode {
            user_id,
            kind: CodeKind::Email,
        });
    }

    /// `PUT /management/v1/users/{userId}/email`
    pub async fn set_email_v1(
        &self,
        caller: &Caller,
        org_header: Option<&str>,
        user_id: &str,
        email: &EmailAddress,
        is_verified: bool,
    ) -> Result<Details> {
        self.retry_on_conflict(|| async {
            let missing = || Error::failed_precondition("COMMAND-0Pe4r", "Email not found");
            let user = self
                .v1_target(caller, org_header, user_id, Permission::UserWrite, missing)
                .await?;
            if user.state == UserState::Initial {
                return Err(Error::failed_precondition(
                    "COMMAND-J8dsk",
                    "User is not yet initialized",
                ));
            }
            let human = user.human().cloned().unwrap_or_default();
            let now = self.clock.now();
            let mut change = UserChange::new(user, Some(caller.user_id), now);
            if human.email == email.as_str() {
                // Only "mark the current, unverified address verified" is a change.
                if is_verified && !human.email_verified {
                    Self::mark_verified(&mut change);
                    return self.commit_change(change).await;
                }
                return Err(Error::failed_precondition(
                    "COMMAND-2b7fM",
                    "Email not changed",
                ));
            }
            if !is_verified {
                self.check_send_limit(change.user().id, now).await?;
            }
            self.change_address(&mut change, email);
            if is_verified {
                Self::mark_verified(&mut change);
            } else {
                self.issue_email_code(&mut change, &CodeDelivery::Mail { url_template: None });
            }
            self.commit_change(change).await
        })
        .await
    }

    /// `POST /management/v1/users/{userId}/email/_resend_verification`
    pub async fn resend_email_verification_v1(
        &self,
        caller: &Caller,
        org_header: Option<&str>,
        user_id: &str,
    ) -> Result<Details> {
        self.retry_on_conflict(|| async {
            let missing = || Error::not_found("COMMAND-0Pe4r", "Email not found");
            let user = self
                .v1_target(caller, org_header, user_id, Permission::UserWrite, missing)
                .await?;
            if user.state == UserState::Initial {
                return Err(Error::failed_precondition(
                    "COMMAND-E3fbw",
                    "User is not yet initialized",
                ));
            }
            if user.human().is_some_and(|h| h.email_verified) {
                return Err(Error::failed_precondition(
                    "COMMAND-3M9ds",
                    "Email is already verified",
                ));
            }
            let now = self.clock.now();
            self.check_send_limit(user.id, now).await?;
            let mut change = UserChange::new(user, Some(caller.user_id), now);
            self.issue_email_code(&mut change, &CodeDelivery::Mail { url_template: None });
            self.commit_change(change).await
        })
        .await
    }

    /// v2 `SetEmail`
    pub async fn set_email_v2(
        &self,
        caller: &Caller,
        user_id: &str,
        email: &EmailAddress,
        mode: &SetEmailMode,
    ) -> Result<CodeWrite> {
        let self_allowed = matches!(mode, SetEmailMode::Code(CodeDelivery::Mail { .. }));
        self.retry_on_conflict(|| async {
            let user = self.v2_target(caller, user_id, self_allowed).await?;
            if user.human().is_some_and(|h| h.email == email.as_str()) {
                return Err(Error::failed_precondition(
                    "COMMAND-Uch5e",
                    "Email not changed",
                ));
            }
            let now = self.clock.now();
            if matches!(mode, SetEmailMode::Code(delivery) if delivery.mails()) {
                self.check_send_limit(user.id, now).await?;
            }
            let mut change = UserChange::new(user, Some(caller.user_id), now);
            self.change_address(&mut change, email);
            let code = match mode {
                SetEmailMode::MarkVerified => {
                    Self::mark_verified(&mut change);
                    None
                }
                SetEmailMode::Code(delivery) => self.issue_email_code(&mut change, delivery),
            };
            let details = self.commit_change(change).await?;
            Ok(CodeWrite { details, code })
        })
        .await
    }

    /// v2 `SendEmailCode`: always a new code, even for a verified address, which then
    /// counts as unverified until the code is used.
    pub async fn send_email_code_v2(
        &self,
        caller: &Caller,
        user_id: &str,
        delivery: &CodeDelivery,
    ) -> Result<CodeWrite> {
        self.new_email_code_v2(caller, user_id, delivery, false)
            .await
    }

    /// v2 `ResendEmailCode`: like SendEmailCode, but only when a code was issued
    /// before (an expired one counts).
    pub async fn resend_email_code_v2(
        &self,
        caller: &Caller,
        user_id: &str,
        delivery: &CodeDelivery,
    ) -> Result<CodeWrite> {
        self.new_email_code_v2(caller, user_id, delivery, true)
            .await
    }

    async fn new_email_code_v2(
        &self,
        caller: &Caller,
        user_id: &str,
        delivery: &CodeDelivery,
        needs_existing: bool,
    ) -> Result<CodeWrite> {
        self.retry_on_conflict(|| async {
            let user = self.v2_target(caller, user_id, delivery.mails()).await?;
            let sent_before = || async {
                let code = self.store.code(user.id, CodeKind::Email).await?;
                Ok::<_, Error>(code.is_some_and(|code| code.is_pending()))
            };
            if needs_existing && !sent_before().await? {
                return Err(Error::failed_precondition(
                    "EMAIL-5w5ilin4yt",
                    "Code is empty",
                ));
            }
            let now = self.clock.now();
            if delivery.mails() {
                self.check_send_limit(user.id, now).await?;
            }
            let mut change = UserChange::new(user, Some(caller.user_id), now);
            if let Some(human) = change.user_mut().human_mut() {
                human.email_verified = false;
            }
            let code = self.issue_email_code(&mut change, delivery);
            let details = self.commit_change(change).await?;
            Ok(CodeWrite { details, code })
        })
        .await
    }

    /// v2 `VerifyEmail`: any valid token may call it; the code is the proof.
    pub async fn verify_email_v2(
        &self,
        caller: &Caller,
        user_id: &str,
        code: &str,
    ) -> Result<Details> {
        self.retry_on_conflict(|| async {
            let user = self.live_human(user_id).await?.ok_or_else(v2_not_found)?;
            if user.state == UserState::Initial {
                return Err(v2_not_initialized());
            }
            match self
                .verify_email_code(user, Some(caller.user_id), code)
                .await?
            {
                EmailCodeCheck::Verified(details) => Ok(details),
                EmailCodeCheck::Invalid | EmailCodeCheck::AlreadyUsed => Err(code_invalid()),
            }
        })
        .await
    }

    /// Checks an email code for `user` and marks the address verified. Shared by the
    /// API and the end-user verification page.
    pub(crate) async fn verify_email_code(
        &self,
        user: User,
        creator: Option<UserId>,
        code: &str,
    ) -> Result<EmailCodeCheck> {
        let mut change = UserChange::new(user, creator, self.clock.now());
        match self.check_code(&mut change, CodeKind::Email, code).await? {
            CodeCheck::Valid => {
                // The code is consumed by `check_code` (kept as proof, never live again).
                if let Some(human) = change.user_mut().human_mut() {
                    human.email_verified = true;
                }
                change.event(event::EMAIL_VERIFIED, json!({}));
                Ok(EmailCodeCheck::Verified(self.commit_change(change).await?))
            }
            CodeCheck::Invalid => {
                // A live code's failure is recorded, then reported.
                if !change.is_empty() {
                    self.commit_change(change).await?;
                }
                Ok(EmailCodeCheck::Invalid)
            }
            CodeCheck::AlreadyUsed => Ok(EmailCodeCheck::AlreadyUsed),
        }
    }
}

/// What checking an email code came to.
#[derive(Debug, Clone)]
pub(crate) enum EmailCodeCheck {
    Verified(Details),
    Invalid,
    /// The code that verified the address already.
    AlreadyUsed,
}

pub(crate) fn code_invalid() -> Error {
    Error::new(Code::InvalidArgument, "COMMAND-eis9R", "Code is invalid")
}
