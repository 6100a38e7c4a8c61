//! The outbox as the API and the console see it: listing mails, showing one, and
//! retrying them; and keeping what is at rest free of live codes (SPEC §7).

use crate::error::{Error, Result};
use crate::ids::{MailId, UserId};
use crate::mail::compose::{Secret, MASKED_CODE};
use crate::mail::worker::redacted;
use crate::model::{MailRecord, MailSecret, MailStatus};
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::{MailQuery, MailUpdate, Op, Write};

/// A mail as the console shows it: rendered, with the code and link only for callers
/// who may write its user (SPEC §7), masked for everyone else.
#[derive(Debug, Clone)]
pub struct MailContent {
    pub mail: MailRecord,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Present when the code and link are shown whole.
    pub secret: Option<MailSecret>,
}

/// A page of mails, newest first, and the cursor of the next page.
#[derive(Debug, Clone)]
pub struct MailPage {
    pub mails: Vec<MailRecord>,
    pub next_cursor: Option<MailId>,
}

/// `status=` of the mails list: a status name, else 400 `MAILROOM-STATUS`.
pub fn parse_status(text: &str) -> Result<MailStatus> {
    MailStatus::from_name(text)
        .ok_or_else(|| Error::invalid_argument("MAILROOM-STATUS", "Unknown mail status"))
}

/// `cursor=` of the mails list: a mail id, else 400 `MAILROOM-CURSOR`.
pub fn parse_cursor(text: &str) -> Result<MailId> {
    MailId::parse(text)
        .ok_or_else(|| Error::invalid_argument("MAILROOM-CURSOR", "Cursor is invalid"))
}

impl Mailroom {
    /// `GET /mailroom/v1/mails`: mails of orgs where the caller may read users.
    pub async fn list_mails(
        &self,
        caller: &Caller,
        user: Option<UserId>,
        status: Option<MailStatus>,
        limit: u64,
        cursor: Option<MailId>,
    ) -> Result<MailPage> {
        let user = match user {
            Some(id) => Some(self.readable_user(caller, id).await?.id),
            None => None,
        };
        let limit = if limit == 0 { 50 } else { limit.min(500) };
        let query = MailQuery {
            user,
            orgs: caller.orgs_with(Permission::UserRead),
            status,
            before_id: cursor,
            // One more than asked tells whether there is a next page.
            limit: limit + 1,
        };
        let mut mails = self.store.mails(&query).await?;
        let next_cursor = if mails.len() as u64 > limit {
            mails.truncate(limit as usize);
            mails.last().map(|m| m.id)
        } else {
            None
        };
        Ok(MailPage { mails, next_cursor })
    }

    /// A mail the caller may read; others are reported as unknown.
    pub async fn readable_mail(&self, caller: &Caller, id: MailId) -> Result<MailRecord> {
        let not_found = || Error::not_found("MAILROOM-MAIL404", "Mail not found");
        let mail = self.store.mail(id).await?.ok_or_else(not_found)?;
        if !caller.can(Permission::UserRead, mail.org_id) {
            return Err(not_found());
        }
        Ok(mail)
    }

    /// `POST /mailroom/v1/mails/{id}/_retry`: a failed mail goes back to the queue
    /// with fresh attempts; a queued one is made due now. Sent, captured and skipped
    /// mails are final (their code is redacted, used or replaced).
    pub async fn retry_mail(&self, caller: &Caller, id: MailId) -> Result<MailRecord> {
        let mail = self.readable_mail(caller, id).await?;
        caller.require_v2(Permission::UserWrite, mail.org_id)?;
        if !mail.status.can_retry() {
            return Err(Error::failed_precondition(
                "MAILROOM-RETRY",
                "Only failed or queued mails can be retried",
            ));
        }
        // A failed mail starts over; a queued one keeps its count and is due now.
        let attempts = if mail.status == MailStatus::Failed {
            0
        } else {
            mail.attempts
        };
        if mail.code_kind.is_some() && self.mail_secret(&mail).is_none() {
            return Err(Error::failed_precondition(
                "MAILROOM-RETRY",
                "The code of this mail was redacted; send a new code instead",
            ));
        }
        let mut write = Write::new();
        write.push(Op::UpdateMail(MailUpdate {
            status: MailStatus::Queued,
            attempts,
            next_attempt_at: self.clock.now(),
            ..MailUpdate::unchanged(&mail)
        }));
        self.store.commit(write).await?;
        self.store
            .mail(mail.id)
            .await?
            .ok_or_else(|| Error::internal("retried mail vanished"))
    }

    /// `/mailbox/{id}/preview`: the mail rendered whole for a caller who may write
    /// its user (the target rule included: a live code is as good as a write) while
    /// the code is still sealed; masked otherwise.
    pub async fn mail_content(&self, caller: &Caller, id: MailId) -> Result<MailContent> {
        let mail = self.readable_mail(caller, id).await?;
        let user = self
            .store
            .user(mail.user_id)
            .await?
            .ok_or_else(|| Error::not_found("MAILROOM-MAIL404", "Mail not found"))?;
        let may_see_code = caller.can(Permission::UserWrite, mail.org_id)
            && self.require_target(caller, &user).await.is_ok();
        let whole = may_see_code && (mail.code_kind.is_none() || self.mail_secret(&mail).is_some());
        if !whole {
            if let (Some(text), Some(html)) = (&mail.body_text, &mail.body_html) {
                // Stored bodies are masked already (rendered so at delivery).
                return Ok(MailContent {
                    subject: mail.subject.clone(),
                    text: text.clone(),
                    html: html.clone(),
                    secret: None,
                    mail,
                });
            }
        }
        let shown = if whole { Secret::Whole } else { Secret::Masked };
        let (rendered, _) = self.compose(&mail, &user, shown).await?;
        let secret = if whole { self.mail_secret(&mail) } else { None };
        Ok(MailContent {
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            secret,
            mail,
        })
    }

    /// Run once at start, before the worker: the mails this process (`owner`, its
    /// instance id) had claimed when it last stopped are due again at once, instead of
    /// after their lease. No other process can hold a claim under this owner.
    pub async fn reclaim_own_mails(&self, owner: &str) -> Result<u64> {
        self.store.reclaim_mails(owner, self.clock.now()).await
    }

    /// Run once at start: mails written before sealing held their code and link in
    /// the payload (and captured ones in their bodies). Mails that can still be sent
    /// get them sealed; every other one is redacted.
    pub async fn seal_plaintext_mails(&self) -> Result<usize> {
        let mails = self.store.mails_with_plaintext_secrets().await?;
        let count = mails.len();
        for mail in mails {
            let Some(secret) = self.mail_secret(&mail) else {
                continue;
            };
            let sendable = mail.status.is_pending();
            let mut update = if sendable {
                let mut update = MailUpdate {
                    payload: strip_secret(&mail.payload),
                    ..MailUpdate::unchanged(&mail)
                };
                let plaintext = serde_json::to_vec(&secret).map_err(Error::internal)?;
                update.sealed = Some(
                    self.sealer
                        .seal(&plaintext, &crate::verification::mail_context(mail.id.0)),
                );
                update
            } else {
                redacted(&mail)
            };
            // Captured mails kept their bodies whole; the code in them goes too.
            let mask =
                |body: &Option<String>| body.as_ref().map(|b| b.replace(&secret.code, MASKED_CODE));
            update.body_text = mask(&mail.body_text);
            update.body_html = mask(&mail.body_html);
            let mut write = Write::new();
            write.push(Op::UpdateMail(update));
            self.store.commit(write).await?;
        }
        if count > 0 {
            self.store.scrub_files().await?;
            tracing::info!(
                mails = count,
                "sealed or redacted the codes of mails written before sealing"
            );
        }
        Ok(count)
    }

    /// Housekeeping, run every minute by the server: expired console sessions and
    /// sign-in windows go, and so do the sealed codes of mails whose code expired
    /// (captured mails keep theirs until then).
    pub async fn sweep(&self) -> Result<()> {
        let now = self.clock.now();
        let mut write = Write::new();
        write.push(Op::DeleteExpiredSessions { now });
        write.push(Op::DeleteLoginWindows {
            before: now.plus_secs(-self.settings.login_window_secs),
        });
        write.push(Op::RedactExpiredMails { now });
        self.store.commit(write).await.map(|_| ())
    }
}

/// The payload without a plaintext code and link (they move to the sealed part).
fn strip_secret(payload: &serde_json::Value) -> serde_json::Value {
    let mut payload = payload.clone();
    if let Some(map) = payload.as_object_mut() {
        map.remove("code");
        map.remove("link");
    }
    payload
}
