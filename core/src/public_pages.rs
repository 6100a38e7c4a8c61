//! What the end-user pages need (no session; the code in the link is the proof):
//! showing what is being verified, checking a code, sending a new one, initializing.
//! Nothing here tells a stranger more than the pages must.

use crate::code::CodeKind;
use crate::email_codes::EmailCodeCheck;
use crate::error::{Code, Result};
use crate::ids::UserId;
use crate::model::UserState;
use crate::service::Mailroom;
use crate::verification::CodeDelivery;

/// What the verification page shows before anything is consumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationPrompt {
    /// The address, partly masked (`e•••@example.com`): the GET has no proof yet.
    pub masked_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyOutcome {
    Verified { email: String },
    AlreadyVerified,
    Invalid,
}

/// `eve@example.com` → `e••@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            let hidden = local.chars().count().saturating_sub(1).clamp(2, 6);
            format!("{first}{}@{domain}", "•".repeat(hidden))
        }
        None => "•••".into(),
    }
}

impl Mailroom {
    /// The GET of the verification page: never checks or consumes the code (mail
    /// scanners prefetch links, and a GET must not be a guessing oracle).
    pub async fn verification_prompt(&self, user_id: UserId) -> Result<VerificationPrompt> {
        let masked_email = match self.live_human(user_id).await? {
            Some(user)
                if self
                    .store
                    .code(user.id, CodeKind::Email)
                    .await?
                    .is_some_and(|code| code.is_pending()) =>
            {
                user.human().map(|h| mask_email(h.email.as_str()))
            }
            _ => None,
        };
        Ok(VerificationPrompt { masked_email })
    }

    /// The POST of the verification page. Every failure is the same `Invalid`, for
    /// unknown, initial, verified and code-less users alike (SPEC §7); "already
    /// verified" is told only to whoever holds the code that verified the address.
    pub async fn verify_from_link(&self, user_id: UserId, code: &str) -> Result<VerifyOutcome> {
        self.write_to_user(user_id, |mut turn| async move {
            let Some(user) = self.live_human(user_id).await? else {
                return Ok(VerifyOutcome::Invalid);
            };
            if user.state == UserState::Initial {
                return Ok(VerifyOutcome::Invalid);
            }
            let (email, verified) = user
                .human()
                .map(|h| (h.email.to_string(), h.email_verified))
                .unwrap_or_default();
            Ok(
                match self.verify_email_code(&mut turn, user, None, code).await? {
                    EmailCodeCheck::Verified(_) => VerifyOutcome::Verified { email },
                    EmailCodeCheck::AlreadyUsed if verified => VerifyOutcome::AlreadyVerified,
                    EmailCodeCheck::AlreadyUsed | EmailCodeCheck::Invalid => VerifyOutcome::Invalid,
                },
            )
        })
        .await
    }

    /// "Send me a new code": to the address on file, with the default link, within
    /// the send limits. The answer is the same whatever happened (SPEC §7): unknown,
    /// initial and verified users get no mail, and neither does a user over the limit.
    pub async fn new_code_from_link(&self, user_id: UserId) -> Result<()> {
        let result = self
            .write_to_user(user_id, |mut turn| async move {
                let Some(user) = self.live_human(user_id).await? else {
                    return Ok(());
                };
                let verified = user.human().is_some_and(|h| h.email_verified);
                if user.state == UserState::Initial || verified {
                    return Ok(());
                }
                let now = self.clock.now();
                self.check_send_limit(user.id, now).await?;
                let mut change = crate::change::UserChange::new(user, None, now);
                self.issue_email_code(&mut change, &CodeDelivery::Mail { url_template: None });
                turn.commit(change).await.map(|_| ())
            })
            .await;
        match result {
            Err(err) if err.code == Code::ResourceExhausted => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_local_part() {
        assert_eq!(mask_email("eve@example.com"), "e••@example.com");
        assert_eq!(mask_email("a@b.c"), "a••@b.c");
        assert_eq!(mask_email("verylongname@x.y"), "v••••••@x.y");
    }
}
