//! The outbox worker: claims due mails (safe with several processes), skips mails
//! whose code was replaced or expired, renders and sends them, records the result
//! with `…code.sent`, retries with backoff, and redacts what was delivered.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::compose::{Secret, MASKED_CODE, MASKED_LINK};
use super::metrics::{bump, COUNTERS};
use super::templates::{render, MailContext};
use super::transport::{Delivered, OutgoingMail, Transport};
use crate::change::{event, UserChange};
use crate::code::CodeKind;
use crate::error::Result;
use crate::model::{MailKind, MailRecord, MailStatus, User};
use crate::service::Mailroom;
use crate::store::{Claim, MailUpdate, Op};

/// Waits after the 1st, 2nd, … failed attempt; after the last one the mail is `failed`.
pub const BACKOFF_SECS: [i64; 5] = [10, 60, 300, 1800, 7200];

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// `From:` of every mail.
    pub from: String,
    /// Mails claimed per round.
    pub batch: u64,
    /// Mails in flight at once.
    pub concurrency: usize,
    /// Sleep between rounds when the outbox is empty.
    pub poll_interval: Duration,
    /// A claimed mail not finished within this time is claimed again (crash recovery).
    pub lease_secs: i64,
    /// Who claims (this process's instance id): its claims are handed back when it
    /// starts again (`Mailroom::reclaim_own_mails`).
    pub owner: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            from: "Mailroom <mailroom@localhost>".into(),
            batch: 50,
            concurrency: 8,
            poll_interval: Duration::from_millis(500),
            lease_secs: 120,
            owner: String::new(),
        }
    }
}

#[derive(Clone)]
pub struct Worker {
    mailroom: Mailroom,
    transport: Arc<dyn Transport>,
    config: Arc<WorkerConfig>,
}

/// What became of one mail.
enum Outcome {
    Delivered(Delivered, Box<(OutgoingMail, MailContext)>),
    Skipped(&'static str),
    Failed(String),
}

impl Worker {
    pub fn new(mailroom: Mailroom, transport: Arc<dyn Transport>, config: WorkerConfig) -> Self {
        Worker {
            mailroom,
            transport,
            config: Arc::new(config),
        }
    }

    /// Runs until `shutdown` turns true; stops between mails.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(transport = %self.transport.describe(), "mail worker started");
        while !*shutdown.borrow() {
            let handled = match self.run_once(&shutdown).await {
                Ok(count) => count,
                Err(err) => {
                    tracing::warn!(error = %err, cause = err.internal_cause().unwrap_or_default(), "mail worker round failed");
                    0
                }
            };
            if handled == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(self.config.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!("mail worker stopped");
    }

    /// One round: claim due mails and deliver them. Returns how many were claimed.
    pub async fn run_once(&self, shutdown: &watch::Receiver<bool>) -> Result<usize> {
        let now = self.mailroom.clock.now();
        let mails = self
            .mailroom
            .store
            .claim_mails(&Claim {
                now,
                lease_until: now.plus_secs(self.config.lease_secs),
                limit: self.config.batch,
                owner: &self.config.owner,
            })
            .await?;
        let count = mails.len();
        futures_util::stream::iter(mails)
            .for_each_concurrent(self.config.concurrency, |mail| async move {
                if *shutdown.borrow() {
                    // Not started: hand it back instead of waiting for the lease.
                    self.release(&mail).await;
                } else if let Err(err) = self.deliver(mail).await {
                    tracing::error!(error = %err, cause = err.internal_cause().unwrap_or_default(), "could not record a delivery");
                }
            })
            .await;
        Ok(count)
    }

    async fn release(&self, mail: &MailRecord) {
        let update = MailUpdate {
            id: mail.id,
            status: MailStatus::Queued,
            attempts: (mail.attempts - 1).max(0),
            next_attempt_at: self.mailroom.clock.now(),
            ..MailUpdate::unchanged(mail)
        };
        let mut write = crate::store::Write::new();
        write.push(Op::UpdateMail(update));
        let _ = self.mailroom.store.commit(write).await;
    }

    async fn deliver(&self, mail: MailRecord) -> Result<()> {
        let outcome = self.attempt(&mail).await?;
        let now = self.mailroom.clock.now();
        match outcome {
            Outcome::Skipped(reason) => {
                bump(&COUNTERS.skipped);
                tracing::info!(mail = mail.id.0, reason, "mail skipped");
                self.finish(
                    &mail,
                    MailUpdate {
                        status: MailStatus::Skipped,
                        last_error: Some(reason.to_owned()),
                        ..redacted(&mail)
                    },
                    false,
                )
                .await
            }
            Outcome::Delivered(how, composed) => {
                let (out, context) = *composed;
                // The stored copy is the same mail rendered without code and link.
                let masked = render(
                    mail.kind,
                    &MailContext {
                        code: MASKED_CODE.into(),
                        link: MASKED_LINK.into(),
                        ..context
                    },
                )?;
                let stored = MailUpdate {
                    subject: out.subject.clone(),
                    body_text: Some(masked.text),
                    body_html: Some(masked.html),
                    sent_at: Some(now),
                    last_error: None,
                    ..redacted(&mail)
                };
                let update = match how {
                    Delivered::Sent => {
                        bump(&COUNTERS.sent);
                        MailUpdate {
                            status: MailStatus::Sent,
                            ..stored
                        }
                    }
                    Delivered::Captured => {
                        // The dev mailbox is where an admin reads the mail: its code
                        // and link stay sealed (shown whole only to callers who may
                        // write the user) until the code is gone (`sweep`).
                        bump(&COUNTERS.captured);
                        tracing::info!(mail = mail.id.0, user = %mail.user_id, "dev mailbox: captured a mail; read it at /mailbox");
                        tracing::debug!(mail = mail.id.0, to = %mail.to_address, link = %context_link(&self.mailroom, &mail), "dev mailbox: the captured mail's link");
                        MailUpdate {
                            status: MailStatus::Captured,
                            payload: mail.payload.clone(),
                            sealed: mail.sealed.clone(),
                            ..stored
                        }
                    }
                };
                self.finish(&mail, update, true).await
            }
            Outcome::Failed(error) => {
                let tried = mail.attempts.max(1) as usize;
                let update = if tried > BACKOFF_SECS.len() {
                    bump(&COUNTERS.failed);
                    tracing::warn!(mail = mail.id.0, attempts = tried, %error, "mail failed for good");
                    // Failed for good: its code and link go (SPEC §7). A retry of a
                    // code mail is refused; a new code is the way on.
                    MailUpdate {
                        status: MailStatus::Failed,
                        last_error: Some(error),
                        ..redacted(&mail)
                    }
                } else {
                    bump(&COUNTERS.retried);
                    let wait = BACKOFF_SECS[tried - 1];
                    tracing::info!(mail = mail.id.0, attempts = tried, retry_in_secs = wait, %error, "mail will be retried");
                    MailUpdate {
                        status: MailStatus::Queued,
                        last_error: Some(error),
                        next_attempt_at: now.plus_secs(wait),
                        ..MailUpdate::unchanged(&mail)
                    }
                };
                self.finish(&mail, update, false).await
            }
        }
    }

    /// Decides and, when the mail is still wanted, sends it.
    async fn attempt(&self, mail: &MailRecord) -> Result<Outcome> {
        let store = &self.mailroom.store;
        let now = self.mailroom.clock.now();
        let Some(user) = store.user(mail.user_id).await?.filter(|u| !u.is_deleted()) else {
            return Ok(Outcome::Skipped("the user was deleted"));
        };
        if let (Some(kind), Some(hash)) = (mail.code_kind, mail.code_hash.as_deref()) {
            let live = store.code(user.id, kind).await?;
            match live {
                Some(code) if code.code_hash == hash && !code.is_pending() => {
                    return Ok(Outcome::Skipped("the code was used or discarded"))
                }
                Some(code) if code.code_hash == hash && code.expires_at > now => {}
                Some(code) if code.code_hash == hash => {
                    return Ok(Outcome::Skipped("the code expired before it was sent"))
                }
                Some(_) => return Ok(Outcome::Skipped("a newer code replaced this one")),
                None => return Ok(Outcome::Skipped("the code was used or discarded")),
            }
        }
        let (out, context) = match self.compose(mail, &user).await {
            Ok(composed) => composed,
            Err(err) => {
                return Ok(Outcome::Failed(
                    err.internal_cause().unwrap_or("render failed").to_owned(),
                ))
            }
        };
        Ok(match self.transport.send(&out).await {
            Ok(how) => Outcome::Delivered(how, Box::new((out, context))),
            Err(error) => Outcome::Failed(error),
        })
    }

    async fn compose(&self, mail: &MailRecord, user: &User) -> Result<(OutgoingMail, MailContext)> {
        let (rendered, context) = self.mailroom.compose(mail, user, Secret::Whole).await?;
        let out = OutgoingMail {
            from: self.config.from.clone(),
            to_name: context.display_name.clone(),
            to_address: mail.to_address.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            message_id: mail.message_id.clone(),
        };
        Ok((out, context))
    }

    /// Records the result; a delivered code mail also appends `…code.sent` to the
    /// user's stream in the same transaction.
    async fn finish(&self, mail: &MailRecord, update: MailUpdate, delivered: bool) -> Result<()> {
        let sent_event = match (delivered, mail.kind, mail.code_kind) {
            (true, MailKind::EmailVerification, Some(CodeKind::Email)) => {
                Some(event::EMAIL_CODE_SENT)
            }
            (true, MailKind::Initialization, Some(CodeKind::Init)) => Some(event::INIT_CODE_SENT),
            (true, MailKind::Invite, Some(CodeKind::Init)) => Some(event::INVITE_CODE_SENT),
            _ => None,
        };
        let (mailroom, update) = (&self.mailroom, &update);
        mailroom
            .write_to_user(mail.user_id, |mut turn| async move {
                match (sent_event, mailroom.store.user(mail.user_id).await?) {
                    (Some(event_type), Some(user)) => {
                        let mut change = UserChange::new(user, None, mailroom.clock.now());
                        change.event(event_type, json!({"mailId": mail.id.to_string()}));
                        change.op(Op::UpdateMail(update.clone()));
                        turn.commit(change).await.map(|_| ())
                    }
                    _ => {
                        let mut write = crate::store::Write::new();
                        write.push(Op::UpdateMail(update.clone()));
                        turn.commit_write(write).await.map(|_| ())
                    }
                }
            })
            .await
    }
}

/// The row without its code and link, for good: the sealed part goes, and so does a
/// plaintext payload of a mail written before sealing.
pub(crate) fn redacted(mail: &MailRecord) -> MailUpdate {
    let payload = if mail.code_kind.is_some() {
        redact(&mail.payload)
    } else {
        mail.payload.clone()
    };
    MailUpdate {
        payload,
        sealed: None,
        ..MailUpdate::unchanged(mail)
    }
}

/// The link of a captured mail, for the debug log only.
fn context_link(mailroom: &Mailroom, mail: &MailRecord) -> String {
    mailroom
        .mail_secret(mail)
        .map(|secret| secret.link)
        .unwrap_or_default()
}

/// The payload without a (pre-sealing) plaintext code and link, marked redacted.
pub(crate) fn redact(payload: &Value) -> Value {
    let mut payload = payload.clone();
    if let Some(map) = payload.as_object_mut() {
        map.remove("code");
        map.remove("link");
        map.insert("redacted".into(), Value::Bool(true));
    }
    payload
}

/// Now-or-never helper for tests and the CLI: deliver everything that is due.
pub async fn drain(worker: &Worker) -> Result<usize> {
    let (_tx, rx) = watch::channel(false);
    let mut total = 0;
    loop {
        let n = worker.run_once(&rx).await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_removes_code_and_link() {
        let payload =
            json!({"code": "AB12CD", "link": "https://x/?c=AB12CD&u=1", "expiresAt": "t"});
        assert_eq!(
            redact(&payload),
            json!({"expiresAt": "t", "redacted": true})
        );
        assert_eq!(
            redact(&json!({"expiresAt": "t"})),
            json!({"expiresAt": "t", "redacted": true})
        );
    }
}
