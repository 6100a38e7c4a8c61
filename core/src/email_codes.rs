//! Verification codes for a user's address: v1 `_resend_verification`, v2
//! `SendEmailCode`, `ResendEmailCode` and `VerifyEmail`, and the console's "send code".
//! SPEC §3.1, §3.2.

use serde_json::json;

use crate::change::{event, UserChange};
use crate::change_email::CodeWrite;
use crate::code::CodeKind;
use crate::error::{Code, Error, Result};
use crate::ids::UserId;
use crate::model::{Details, User, UserState};
use crate::permissions::Caller;
use crate::service::Mailroom;
use crate::target::Api;
use crate::user_queue::Turn;
use crate::verification::{CodeCheck, CodeDelivery};

/// Which code request, with its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRequest {
    /// Always a new code, even for a verified address, which then counts as
    /// unverified until the code is used (v2 `SendEmailCode`).
    New(CodeDelivery),
    /// Only when a code was sent before; an expired one counts (v2
    /// `ResendEmailCode`; v1 `_resend_verification`, which also refuses a verified
    /// address and always mails the default link).
    Again(CodeDelivery),
}

/// The answers of `send_email_code` that differ between the APIs.
struct Rules {
    not_found: fn() -> Error,
    not_initialized: fn() -> Error,
}

const V1: Rules = Rules {
    not_found: || Error::not_found("COMMAND-0Pe4r", "Email not found"),
    not_initialized: || Error::failed_precondition("COMMAND-E3fbw", "User is not yet initialized"),
};

const V2: Rules = Rules {
    not_found: || Error::not_found("COMMAND-ieJ2e", "Email not found"),
    not_initialized: || Error::failed_precondition("COMMAND-uz0Uu", "User is not yet initialized"),
};

pub(crate) fn code_invalid() -> Error {
    Error::new(Code::InvalidArgument, "COMMAND-eis9R", "Code is invalid")
}

/// What checking an email code came to.
#[derive(Debug, Clone)]
pub(crate) enum EmailCodeCheck {
    Verified(Details),
    Invalid,
    /// The code that verified the address already.
    AlreadyUsed,
}

impl Mailroom {
    /// A new verification code for the user's address, mailed or returned.
    pub async fn send_email_code(
        &self,
        caller: &Caller,
        api: Api,
        user: UserId,
        request: &CodeRequest,
    ) -> Result<CodeWrite> {
        let (rules, v1) = match api {
            Api::V1(_) => (&V1, true),
            Api::V2 => (&V2, false),
        };
        let (delivery, needs_earlier_code) = match request {
            CodeRequest::New(delivery) => (delivery, false),
            CodeRequest::Again(delivery) => (delivery, !v1),
        };
        self.write_to_user(user, |mut turn| async move {
            let target = self
                .email_target(caller, api, user, delivery.mails(), rules.not_found)
                .await?;
            if target.state == UserState::Initial {
                return Err((rules.not_initialized)());
            }
            if v1 && target.human().is_some_and(|h| h.email_verified) {
                return Err(Error::failed_precondition(
                    "COMMAND-3M9ds",
                    "Email is already verified",
                ));
            }
            if needs_earlier_code && !self.email_code_was_sent(&target).await? {
                return Err(Error::failed_precondition(
                    "EMAIL-5w5ilin4yt",
                    "Code is empty",
                ));
            }
            let now = self.clock.now();
            if delivery.mails() {
                self.check_send_limit(target.id, now).await?;
            }
            let mut change = UserChange::new(target, Some(caller.user_id), now);
            if let Some(human) = change.user_mut().human_mut() {
                human.email_verified = false;
            }
            let code = self.issue_email_code(&mut change, delivery);
            let details = turn.commit(change).await?;
            Ok(CodeWrite { details, code })
        })
        .await
    }

    /// A code was issued before and not used since (an expired one counts).
    async fn email_code_was_sent(&self, user: &User) -> Result<bool> {
        let code = self.store.code(user.id, CodeKind::Email).await?;
        Ok(code.is_some_and(|code| code.is_pending()))
    }

    /// v2 `VerifyEmail`: any valid token may call it; the code is the proof.
    pub async fn verify_email(&self, caller: &Caller, user: UserId, code: &str) -> Result<Details> {
        self.write_to_user(user, |mut turn| async move {
            let target = self.live_human(user).await?.ok_or_else(V2.not_found)?;
            if target.state == UserState::Initial {
                return Err((V2.not_initialized)());
            }
            match self
                .verify_email_code(&mut turn, target, Some(caller.user_id), code)
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
        turn: &mut Turn<'_>,
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
                Ok(EmailCodeCheck::Verified(turn.commit(change).await?))
            }
            CodeCheck::Invalid => {
                // A live code's failure is recorded, then reported.
                if !change.is_empty() {
                    turn.commit(change).await?;
                }
                Ok(EmailCodeCheck::Invalid)
            }
            CodeCheck::AlreadyUsed => Ok(EmailCodeCheck::AlreadyUsed),
        }
    }
}
