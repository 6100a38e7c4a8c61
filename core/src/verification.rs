//! Issuing and checking codes for a user: the send limits, the code rows, the
//! outbox mails that carry them, and the failure bookkeeping (SPEC §1 "Codes",
//! "Send limits").

use serde_json::json;

use crate::change::{event, UserChange};
use crate::clock::Timestamp;
use crate::code::{code_hash, code_matches, CodeKind, PlainCode, MAX_ATTEMPTS};
use crate::error::{Code, Error, Result};
use crate::ids::{MailId, UserId};
use crate::model::{CodeRecord, MailKind, MailRecord, MailSecret, OutboxMail, User};
use crate::service::Mailroom;
use crate::store::Op;
use crate::url_template::UrlTemplate;

/// How a new code reaches its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeDelivery {
    /// By mail, with the default link or this template.
    Mail { url_template: Option<UrlTemplate> },
    /// In the API response; nothing is mailed (and no send limit applies).
    Return,
}

impl CodeDelivery {
    pub fn mails(&self) -> bool {
        matches!(self, CodeDelivery::Mail { .. })
    }
}

/// Result of checking a typed code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Valid,
    Invalid,
    /// The input is the code that was used already: only its holder learns this.
    AlreadyUsed,
}

/// A query value in a link: everything but RFC 3986's unreserved characters encoded.
fn url_encode(value: &str) -> String {
    const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// What a mail's sealed part is bound to: its row.
pub(crate) fn mail_context(id: i64) -> Vec<u8> {
    format!("mail:{id}").into_bytes()
}

/// The link template a code's delivery names, and the `code.added` payload both
/// code kinds write: when it expires, whether it was handed back, the template.
fn code_added_payload(
    expires_at: Timestamp,
    delivery: &CodeDelivery,
) -> (Option<UrlTemplate>, serde_json::Value) {
    let url_template = match delivery {
        CodeDelivery::Mail { url_template } => url_template.clone(),
        CodeDelivery::Return => None,
    };
    let mut payload =
        json!({"expiresAt": expires_at.to_rfc3339(), "codeReturned": !delivery.mails()});
    if let Some(template) = &url_template {
        payload["urlTemplate"] = json!(template.as_str());
    }
    (url_template, payload)
}

impl Mailroom {
    /// Refuses a code mail to `user` over the limits, with the seconds until the next
    /// one is allowed. Checked before anything is written.
    pub(crate) async fn check_send_limit(&self, user: UserId, now: Timestamp) -> Result<()> {
        let min_interval = self.settings.policy.code_mail_min_interval_secs;
        let per_hour = self.settings.policy.code_mail_per_hour;
        if min_interval == 0 && per_hour == 0 {
            return Ok(());
        }
        let hour_ago = now.plus_secs(-3600);
        let times = self.store.code_mail_times(user, hour_ago).await?;
        let mut wait_micros: i64 = 0;
        if let Some(last) = times.last() {
            if min_interval > 0 {
                let next = last.plus_secs(min_interval as i64);
                wait_micros = wait_micros.max(next.0 - now.0);
            }
        }
        if per_hour > 0 && times.len() as u64 >= per_hour {
            // The oldest mail inside the window has to leave it first.
            let leaves = times[times.len() - per_hour as usize].plus_secs(3600);
            wait_micros = wait_micros.max(leaves.0 - now.0);
        }
        if wait_micros > 0 {
            let mut err = Error::new(
                Code::ResourceExhausted,
                "MAILROOM-LIMIT",
                "Too many codes sent, try again later",
            );
            err.retry_after_secs = Some((wait_micros as u64).div_ceil(1_000_000).max(1));
            return Err(err);
        }
        Ok(())
    }

    /// The default link of a verification mail (SPEC §5).
    fn default_verification_link(&self, user: &User, code: &str) -> String {
        format!(
            "{}/ui/v2/login/verify?code={}&organization={}&userId={}",
            self.settings.public_url, code, user.org_id, user.id
        )
    }

    /// The link of an initialization mail (SPEC §5).
    fn initialization_link(&self, user: &User, code: &str) -> String {
        format!(
            "{}/ui/login/user/init?code={}&loginname={}&orgID={}&passwordset=false&userID={}",
            self.settings.public_url,
            code,
            url_encode(&user.username),
            user.org_id,
            user.id
        )
    }

    /// When a code of `kind` made now expires.
    fn code_expiry(&self, change: &UserChange, kind: CodeKind) -> Timestamp {
        let policy = &self.settings.policy;
        change.now().plus_secs(match kind {
            CodeKind::Email => policy.email_code_expiry_secs,
            CodeKind::Init => policy.init_code_expiry_secs,
        })
    }

    /// A new code of `kind` for the change's user, expiring at `expires_at` (from
    /// `code_expiry`, which the caller's event already names), stored (only its hash)
    /// in `change`.
    fn put_code(
        &self,
        change: &mut UserChange,
        kind: CodeKind,
        origin: CodeOrigin,
        expires_at: Timestamp,
    ) -> NewCode {
        let user = change.user().clone();
        let email = user
            .human()
            .map(|h| h.email.to_string())
            .unwrap_or_default();
        let now = change.now();
        let code = PlainCode::generate();
        let hash = code_hash(&self.settings.master_key, kind, user.id, code.as_str());
        change.op(Op::PutCode(CodeRecord {
            user_id: user.id,
            kind,
            code_hash: hash.clone(),
            email: email.clone(),
            url_template: origin.url_template,
            application_name: origin.application_name,
            returned: origin.returned,
            attempts: 0,
            created_at: now,
            expires_at,
            used_at: None,
        }));
        NewCode {
            kind,
            user,
            email,
            now,
            expires_at,
            code,
            hash,
        }
    }

    /// Adds a new email-verification code to `change` (replacing any live one), and
    /// either queues its mail or hands back the plaintext.
    pub(crate) fn issue_email_code(
        &self,
        change: &mut UserChange,
        delivery: &CodeDelivery,
    ) -> Option<PlainCode> {
        let expires_at = self.code_expiry(change, CodeKind::Email);
        let (url_template, payload) = code_added_payload(expires_at, delivery);
        change.event(event::EMAIL_CODE_ADDED, payload);
        let origin = CodeOrigin {
            url_template: url_template.as_ref().map(|t| t.as_str().to_owned()),
            application_name: None,
            returned: !delivery.mails(),
        };
        let new = self.put_code(change, CodeKind::Email, origin, expires_at);
        let (user, code) = (&new.user, &new.code);
        match delivery {
            CodeDelivery::Return => Some(new.code),
            CodeDelivery::Mail { url_template } => {
                let link = match url_template {
                    Some(template) => render_link(template, user, code),
                    None => self.default_verification_link(user, code.as_str()),
                };
                let payload = json!({"expiresAt": expires_at.to_rfc3339()});
                self.queue_code_mail(change, &new, MailKind::EmailVerification, payload, link);
                None
            }
        }
    }

    /// Adds a new initialization code to `change` and queues its mail.
    pub(crate) fn issue_init_code(&self, change: &mut UserChange) {
        let expires_at = self.code_expiry(change, CodeKind::Init);
        change.event(
            event::INIT_CODE_ADDED,
            json!({"expiresAt": expires_at.to_rfc3339()}),
        );
        let new = self.put_code(change, CodeKind::Init, CodeOrigin::default(), expires_at);
        let payload = json!({
            "loginName": new.user.username,
            "expiresAt": expires_at.to_rfc3339(),
        });
        let link = self.initialization_link(&new.user, new.code.as_str());
        self.queue_code_mail(change, &new, MailKind::Initialization, payload, link);
    }

    /// Adds a new invite code (an initialization code from User Service v2) to
    /// `change`, and either queues the invite mail — the initialization mail, naming
    /// `application_name` — or hands back the plaintext.
    pub(crate) fn issue_invite_code(
        &self,
        change: &mut UserChange,
        delivery: &CodeDelivery,
        application_name: Option<String>,
    ) -> Option<PlainCode> {
        let expires_at = self.code_expiry(change, CodeKind::Init);
        let (url_template, mut payload) = code_added_payload(expires_at, delivery);
        if let Some(name) = &application_name {
            payload["applicationName"] = json!(name);
        }
        change.event(event::INVITE_CODE_ADDED, payload);
        let origin = CodeOrigin {
            url_template: url_template.as_ref().map(|t| t.as_str().to_owned()),
            application_name: application_name.clone(),
            returned: !delivery.mails(),
        };
        let new = self.put_code(change, CodeKind::Init, origin, expires_at);
        if !delivery.mails() {
            return Some(new.code);
        }
        let link = match &url_template {
            Some(template) => render_link(template, &new.user, &new.code),
            None => self.initialization_link(&new.user, new.code.as_str()),
        };
        let mut payload = json!({
            "loginName": new.user.username,
            "expiresAt": expires_at.to_rfc3339(),
        });
        if let Some(name) = application_name {
            payload["applicationName"] = json!(name);
        }
        self.queue_code_mail(change, &new, MailKind::Invite, payload, link);
        None
    }

    /// Queues the mail that carries `new`'s code (sealed at rest, with its link).
    fn queue_code_mail(
        &self,
        change: &mut UserChange,
        new: &NewCode,
        kind: MailKind,
        payload: serde_json::Value,
        link: String,
    ) {
        let code = Some((new.kind, new.hash.clone(), new.expires_at));
        let mut mail = self.outbox_mail(&new.user, kind, &new.email, payload, code, new.now);
        self.seal_secret(&mut mail, new.code.as_str(), link);
        change.op(Op::EnqueueMail(mail));
    }

    /// Queues the "your email address was changed" notice to the old verified address.
    pub(crate) fn notify_old_address(
        &self,
        change: &mut UserChange,
        old_email: &str,
        new_email: &str,
    ) {
        if !self.settings.policy.notify_old_address {
            return;
        }
        let user = change.user().clone();
        let payload = json!({"oldEmail": old_email, "newEmail": new_email});
        let mail = self.outbox_mail(
            &user,
            MailKind::EmailChangedNotice,
            old_email,
            payload,
            None,
            change.now(),
        );
        change.op(Op::EnqueueMail(mail));
    }

    /// Puts the mail's code and link in its sealed part (never in the payload).
    fn seal_secret(&self, mail: &mut OutboxMail, code: &str, link: String) {
        let secret = MailSecret {
            code: code.to_owned(),
            link,
        };
        let plaintext = serde_json::to_vec(&secret).expect("a MailSecret serializes");
        mail.sealed = Some(self.sealer.seal(&plaintext, &mail_context(mail.id.0)));
    }

    /// The code and link of a mail: from its sealed part, or from the payload of a
    /// mail written before sealing (until `seal_plaintext_mails` has run). `None`
    /// once redacted.
    pub(crate) fn mail_secret(&self, mail: &MailRecord) -> Option<MailSecret> {
        if let Some(sealed) = &mail.sealed {
            let plaintext = self.sealer.open(sealed, &mail_context(mail.id.0)).ok()?;
            return serde_json::from_slice(&plaintext).ok();
        }
        let text = |key: &str| mail.payload.get(key)?.as_str().map(str::to_owned);
        Some(MailSecret {
            code: text("code")?,
            link: text("link").unwrap_or_default(),
        })
    }

    fn outbox_mail(
        &self,
        user: &User,
        kind: MailKind,
        to: &str,
        payload: serde_json::Value,
        code: Option<(CodeKind, String, Timestamp)>,
        now: Timestamp,
    ) -> OutboxMail {
        let id = MailId::generate();
        let host = self
            .settings
            .public_url
            .split("://")
            .nth(1)
            .unwrap_or("localhost")
            .split(['/', ':'])
            .next()
            .unwrap_or("localhost")
            .to_owned();
        let (code_kind, code_hash, code_expires_at) = match code {
            Some((kind, hash, expires)) => (Some(kind), Some(hash), Some(expires)),
            None => (None, None, None),
        };
        OutboxMail {
            id,
            user_id: user.id,
            org_id: user.org_id,
            kind,
            to_address: to.to_owned(),
            payload,
            created_at: now,
            code_kind,
            code_hash,
            code_expires_at,
            message_id: format!("<{id}.{}@{host}>", kind.as_db()),
            sealed: None,
        }
    }

    /// Checks `input` against the user's code of `kind`. A live code that does not
    /// match records a failure in `change` (an event, the attempt; the code is used up
    /// after the 5th failure). Wrong, expired, exhausted and missing codes are all just
    /// `Invalid`, and only a live code's failures are written: a stranger guessing at a
    /// user without a live code writes nothing (SPEC §7).
    pub(crate) async fn check_code(
        &self,
        change: &mut UserChange,
        kind: CodeKind,
        input: &str,
    ) -> Result<CodeCheck> {
        let failed_event = match kind {
            CodeKind::Email => event::EMAIL_VERIFICATION_FAILED,
            CodeKind::Init => event::INIT_CHECK_FAILED,
        };
        self.check_code_or_record(change, kind, input, failed_event)
            .await
    }

    /// `check_code`, recording a live code's failure as `failed_event` (VerifyInviteCode
    /// checks an initialization code and records `invite.check.failed`).
    pub(crate) async fn check_code_or_record(
        &self,
        change: &mut UserChange,
        kind: CodeKind,
        input: &str,
        failed_event: &'static str,
    ) -> Result<CodeCheck> {
        let user_id = change.user().id;
        let now = change.now();
        let Some(stored) = self.store.code(user_id, kind).await? else {
            return Ok(CodeCheck::Invalid);
        };
        let matches = code_matches(
            &self.settings.master_key,
            kind,
            user_id,
            input,
            &stored.code_hash,
        );
        if !stored.is_live(now) {
            let used = !stored.is_pending();
            return Ok(if used && matches {
                CodeCheck::AlreadyUsed
            } else {
                CodeCheck::Invalid
            });
        }
        if matches {
            change.op(Op::ConsumeCode {
                user_id,
                kind,
                at: now,
            });
            return Ok(CodeCheck::Valid);
        }
        change.event(failed_event, json!({}));
        let attempts = stored.attempts + 1;
        if attempts >= MAX_ATTEMPTS {
            change.op(Op::DeleteCode { user_id, kind });
        } else {
            change.op(Op::SetCodeAttempts {
                user_id,
                kind,
                attempts,
            });
        }
        Ok(CodeCheck::Invalid)
    }
}

/// A link from a caller's template: the three placeholders filled in (SPEC §3.2).
fn render_link(template: &UrlTemplate, user: &User, code: &PlainCode) -> String {
    template.render(
        &user.id.to_string(),
        &user.org_id.to_string(),
        code.as_str(),
    )
}

/// Where a new code came from, as its row remembers it.
#[derive(Default)]
struct CodeOrigin {
    url_template: Option<String>,
    application_name: Option<String>,
    returned: bool,
}

/// A code just made: what its mail needs.
struct NewCode {
    kind: CodeKind,
    user: User,
    email: String,
    now: Timestamp,
    expires_at: Timestamp,
    code: PlainCode,
    hash: String,
}
