//! Invite codes: User Service v2 `CreateInviteCode`, `ResendInviteCode` and
//! `VerifyInviteCode` (SPEC §3.2), v2's successor of the initialization mail. An
//! invite code *is* the user's initialization code: the same row, page, expiry and
//! send limits; what is its own is the optional link template and application name,
//! which a resend keeps, and ZITADEL's `user.human.invite.*` events.

use serde_json::json;

use crate::change::{event, UserChange};
use crate::change_email::CodeWrite;
use crate::code::CodeKind;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::model::{CodeRecord, Details, User, UserState};
use crate::permissions::Caller;
use crate::service::Mailroom;
use crate::target::Api;
use crate::url_template::UrlTemplate;
use crate::user_queue::Turn;
use crate::verification::{CodeCheck, CodeDelivery};

/// CreateInviteCode's request: how the code travels, and the application the mail
/// names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub delivery: CodeDelivery,
    pub application_name: Option<String>,
}

/// ZITADEL answers an unknown user of these methods with a failed precondition;
/// each method has its own id.
fn user_not_found(id: &'static str) -> Error {
    Error::failed_precondition(id, "User could not be found")
}

fn invite_code_invalid() -> Error {
    Error::invalid_argument("COMMAND-Wgn4q", "Code is invalid")
}

/// Only a user who cannot sign in yet can be invited: one with a password has been
/// set up already.
fn refuse_if_set_up(user: &User, id: &'static str) -> Result<()> {
    if user.human().is_some_and(|h| h.password_hash.is_some()) {
        return Err(Error::failed_precondition(
            id,
            "User is already initialized",
        ));
    }
    Ok(())
}

/// The template a stored code was made with (it was checked when it was stored).
fn stored_template(code: Option<&CodeRecord>) -> Option<UrlTemplate> {
    UrlTemplate::parse(code?.url_template.as_deref()?).ok()
}

impl Mailroom {
    /// A new invite code for a human who has no password yet, mailed (with the
    /// caller's link template, else the previous code's, else the initialization
    /// page) or returned.
    pub async fn create_invite_code(
        &self,
        caller: &Caller,
        user: UserId,
        invite: &Invite,
    ) -> Result<CodeWrite> {
        if let Some(name) = &invite.application_name {
            crate::text::printable_names(&[name])?;
        }
        self.write_to_user(user, |mut turn| async move {
            let not_found = || user_not_found("COMMAND-Wgvn4");
            let target = self
                .email_target(caller, Api::V2, user, false, not_found)
                .await?;
            refuse_if_set_up(&target, "COMMAND-EF34g")?;
            let delivery = match &invite.delivery {
                CodeDelivery::Mail { url_template: None } => {
                    let previous = self.store.code(target.id, CodeKind::Init).await?;
                    CodeDelivery::Mail {
                        url_template: stored_template(previous.as_ref()),
                    }
                }
                other => other.clone(),
            };
            let name = invite.application_name.clone();
            self.commit_invite_code(&mut turn, caller, target, &delivery, name)
                .await
        })
        .await
    }

    /// The invite mail again, with a new code and the previous one's template and
    /// application name. Needs a mailed invite code that was not used (an expired one
    /// counts); a returned code was never the mail's to resend.
    pub async fn resend_invite_code(&self, caller: &Caller, user: UserId) -> Result<Details> {
        self.write_to_user(user, |mut turn| async move {
            let not_found = || user_not_found("COMMAND-H3b2a");
            let target = self
                .email_target(caller, Api::V2, user, false, not_found)
                .await?;
            refuse_if_set_up(&target, "COMMAND-Gg42s")?;
            let previous = self
                .store
                .code(target.id, CodeKind::Init)
                .await?
                .filter(|code| code.is_pending() && !code.returned)
                .ok_or_else(|| Error::failed_precondition("COMMAND-Wr3gq", "Code not found"))?;
            let delivery = CodeDelivery::Mail {
                url_template: stored_template(Some(&previous)),
            };
            let name = previous.application_name;
            let write = self
                .commit_invite_code(&mut turn, caller, target, &delivery, name)
                .await?;
            Ok(write.details)
        })
        .await
    }

    async fn commit_invite_code(
        &self,
        turn: &mut Turn<'_>,
        caller: &Caller,
        target: User,
        delivery: &CodeDelivery,
        application_name: Option<String>,
    ) -> Result<CodeWrite> {
        let now = self.clock.now();
        if delivery.mails() {
            self.check_send_limit(target.id, now).await?;
        }
        let mut change = UserChange::new(target, Some(caller.user_id), now);
        let code = self.issue_invite_code(&mut change, delivery, application_name);
        let details = turn.commit(change).await?;
        Ok(CodeWrite { details, code })
    }

    /// Checks an invite code and marks the address verified; a user in state
    /// *initial* becomes active (its address is verified now). Like `VerifyEmail`,
    /// any valid token may call it: the code is the proof.
    pub async fn verify_invite_code(
        &self,
        caller: &Caller,
        user: UserId,
        code: &str,
    ) -> Result<Details> {
        self.write_to_user(user, |mut turn| async move {
            let target = self
                .live_human(user)
                .await?
                .ok_or_else(|| user_not_found("COMMAND-F5g2h"))?;
            let mut change = UserChange::new(target, Some(caller.user_id), self.clock.now());
            let check = self
                .check_code_or_record(
                    &mut change,
                    CodeKind::Init,
                    code,
                    event::INVITE_CHECK_FAILED,
                )
                .await?;
            match check {
                CodeCheck::Valid => {
                    change.event(event::INVITE_CHECK_SUCCEEDED, json!({}));
                    let user = change.user_mut();
                    if user.state == UserState::Initial {
                        user.state = UserState::Active;
                    }
                    // The invite proves the address, as a verification code does.
                    Self::mark_verified(&mut change);
                    turn.commit(change).await
                }
                CodeCheck::Invalid | CodeCheck::AlreadyUsed => {
                    // A live code's failure is recorded, then reported.
                    if !change.is_empty() {
                        turn.commit(change).await?;
                    }
                    Err(invite_code_invalid())
                }
            }
        })
        .await
    }
}
