//! Users in state *initial*: re-sending the initialization mail (v1) and completing
//! initialization with the code and a new password (the end-user page, which also
//! serves invite codes, `invite_codes`). SPEC §3.1, §3.2, §4.

use serde_json::json;

use crate::change::{event, UserChange};
use crate::code::CodeKind;
use crate::email::EmailAddress;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::model::{Details, UserState};
use crate::permissions::Caller;
use crate::service::Mailroom;
use crate::target::Api;
use crate::verification::CodeCheck;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 200;

impl Mailroom {
    /// A new initialization code and mail for a user in state *initial* (v1
    /// `_resend_initialization`, the console); `email`, when given, replaces the
    /// address (unverified).
    pub async fn resend_initialization(
        &self,
        caller: &Caller,
        api: Api,
        user_id: UserId,
        email: Option<&EmailAddress>,
    ) -> Result<Details> {
        let not_found = || Error::not_found("COMMAND-2M9df", "User could not be found");
        self.write_to_user(user_id, |mut turn| async move {
            let user = self
                .email_target(caller, api, user_id, false, not_found)
                .await?;
            if user.state != UserState::Initial {
                return Err(Error::failed_precondition(
                    "COMMAND-2M9sd",
                    "User is already initialized",
                ));
            }
            let now = self.clock.now();
            self.check_send_limit(user.id, now).await?;
            let mut change = UserChange::new(user, Some(caller.user_id), now);
            if let Some(email) = email {
                let current = change
                    .user()
                    .human()
                    .map(|h| h.email.as_str().to_owned())
                    .unwrap_or_default();
                if current != email.as_str() {
                    if let Some(human) = change.user_mut().human_mut() {
                        human.email = email.clone();
                        human.email_verified = false;
                    }
                    change.event(event::EMAIL_CHANGED, json!({"email": email.as_str()}));
                }
            }
            self.issue_init_code(&mut change);
            turn.commit(change).await
        })
        .await
    }

    /// Completes initialization (the end-user page): checks the code, then sets the
    /// password, verifies the address the code was sent to, and activates the user.
    /// The password is hashed only once the code has proven itself (SPEC §7), and
    /// every failure is the same `Invalid`; "already done" is told only to whoever
    /// holds the code that did it.
    pub async fn initialize_user(
        &self,
        user_id: UserId,
        code: &str,
        password: &str,
    ) -> Result<InitOutcome> {
        let chars = password.chars().count();
        if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
            return Err(Error::invalid_argument(
                "MAILROOM-PWLEN",
                "The password must be between 8 and 200 characters",
            ));
        }
        // Hashed at most once, even when the write is retried after a lost race.
        let hash = &tokio::sync::OnceCell::new();
        self.write_to_user(user_id, |mut turn| async move {
            let Some(user) = self.live_human(user_id).await? else {
                return Ok(InitOutcome::Invalid);
            };
            // An initial user (v1), or one invited through User Service v2 (active,
            // but without a password until this page sets one).
            let initial = user.state == UserState::Initial;
            let set_up = !initial && user.human().is_some_and(|h| h.password_hash.is_some());
            let mut change = UserChange::new(user, None, self.clock.now());
            match self.check_code(&mut change, CodeKind::Init, code).await? {
                CodeCheck::Valid if !set_up => {
                    let hash = hash
                        .get_or_try_init(|| self.password_work.hash(password.to_owned()))
                        .await?
                        .clone();
                    change.event(event::INIT_CHECK_SUCCEEDED, json!({}));
                    let user = change.user_mut();
                    if initial {
                        user.state = UserState::Active;
                    }
                    if let Some(human) = user.human_mut() {
                        human.email_verified = true;
                        human.password_hash = Some(hash);
                    }
                    change.event(event::EMAIL_VERIFIED, json!({}));
                    change.event(event::PASSWORD_CHANGED, json!({}));
                    let user_id = change.user().id;
                    change.op(crate::store::Op::DeleteCode {
                        user_id,
                        kind: CodeKind::Email,
                    });
                    turn.commit(change).await?;
                    Ok(InitOutcome::Done)
                }
                CodeCheck::AlreadyUsed if set_up => Ok(InitOutcome::AlreadyDone),
                CodeCheck::Invalid if !set_up => {
                    if !change.is_empty() {
                        turn.commit(change).await?;
                    }
                    Ok(InitOutcome::Invalid)
                }
                _ => Ok(InitOutcome::Invalid),
            }
        })
        .await
    }
}

/// What the initialization page tells the visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    Done,
    /// The code that initialized the account already.
    AlreadyDone,
    /// Wrong, expired or used-up code, unknown user: all alike.
    Invalid,
}
