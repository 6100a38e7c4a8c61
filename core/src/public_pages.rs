//! What the end-user pages need (no session; the code in the link is the proof):
//! showing what is being verified, checking a code, sending a new one, initializing.
//! Nothing here tells a stranger more than the pages must.

use crate::code::CodeKind;
use crate::error::{Code, Result};
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewCodeOutcome {
    /// Said whether or not a mail went out, so the page reveals nothing.
    Requested,
    /// Send limit: seconds until the next code may be sent.
    Wait(u64),
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
    pub async fn verification_prompt(&self, user_id: &str) -> Result<VerificationPrompt> {
        let masked_email = match self.live_human(user_id).await? {
            Some(user) if self.store.code(user.id, CodeKind::Email).await?.is_some() => {
                user.human().map(|h| mask_email(&h.email))
            }
            _ => None,
        };
        Ok(VerificationPrompt { masked_email })
    }

    /// The POST of the verification page.
    pub async fn verify_from_link(&self, user_id: &str, code: &str) -> Result<VerifyOutcome> {
        let Some(user) = self.live_human(user_id).await? else {
            return Ok(VerifyOutcome::Invalid);
        };
        if user.state == UserState::Initial {
            return Ok(VerifyOutcome::Invalid);
        }
        let has_code = self.store.code(user.id, CodeKind::Email).await?.is_some();
        if !has_code && user.human().is_some_and(|h| h.email_verified) {
            return Ok(VerifyOutcome::AlreadyVerified);
        }
        let email = user.human().map(|h| h.email.clone()).unwrap_or_default();
        let result = self
            .retry_on_conflict(|| async {
                let user = self.live_human(user_id).await?.ok_or_else(|| {
                    crate::error::Error::new(
                        Code::InvalidArgument,
                        "COMMAND-eis9R",
                        "Code is invalid",
                    )
                })?;
                self.verify_email_code(user, None, code).await
            })
            .await;
        match result {
            Ok(_) => Ok(VerifyOutcome::Verified { email }),
            Err(err) if err.code == Code::InvalidArgument => Ok(VerifyOutcome::Invalid),
            Err(err) => Err(err),
        }
    }

    /// "Send me a new code": to the address on file, with the default link, within
    /// the send limits. Unknown users get the same answer as known ones.
    pub async fn new_code_from_link(&self, user_id: &str) -> Result<NewCodeOutcome> {
        let Some(user) = self.live_human(user_id).await? else {
            return Ok(NewCodeOutcome::Requested);
        };
        if user.state == UserState::Initial {
            return Ok(NewCodeOutcome::Requested);
        }
        let result = self
            .retry_on_conflict(|| async {
                let user = self
                    .live_human(user_id)
                    .await?
                    .ok_or_else(|| crate::error::Error::internal("user vanished"))?;
                let now = self.clock.now();
                self.check_send_limit(user.id, now).await?;
                let mut change = crate::change::UserChange::new(user, None, now);
                self.issue_email_code(&mut change, &CodeDelivery::Mail { url_template: None });
                self.commit_change(change).await
            })
            .await;
        match result {
            Ok(_) => Ok(NewCodeOutcome::Requested),
            Err(err) if err.code == Code::ResourceExhausted => {
                Ok(NewCodeOutcome::Wait(err.retry_after_secs.unwrap_or(30)))
            }
            Err(err) => Err(err),
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
