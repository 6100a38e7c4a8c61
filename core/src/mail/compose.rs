//! Rendering one outbox row into a mail: what the worker sends and what the console's
//! preview shows. The code and link come from the mail's sealed part, or are masked.

use super::templates::{expires_in, language_for, render, MailContext, RenderedMail};
use crate::error::{Error, Result};
use crate::model::{MailRecord, MailSecret, User};
use crate::service::Mailroom;

/// What stored and masked mails show instead of the code and the link.
pub const MASKED_CODE: &str = "••••••";
pub const MASKED_LINK: &str = "[link removed]";

/// Whether the code and link are rendered, or masked.
pub(crate) enum Secret {
    Whole,
    Masked,
}

impl Mailroom {
    /// Renders `mail` to `user`. `Secret::Whole` needs the sealed part (an error for a
    /// code mail whose code was redacted).
    pub(crate) async fn compose(
        &self,
        mail: &MailRecord,
        user: &User,
        secret: Secret,
    ) -> Result<(RenderedMail, MailContext)> {
        let org_name = self
            .store
            .org(user.org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let lang = language_for(user.human().map_or("", |h| h.preferred_language.as_str()));
        let display_name = user.display_name();
        let text = |key: &str| mail.payload[key].as_str().unwrap_or_default().to_owned();
        let secret = match secret {
            Secret::Masked => MailSecret {
                code: MASKED_CODE.into(),
                link: MASKED_LINK.into(),
            },
            Secret::Whole if mail.code_kind.is_none() => MailSecret {
                code: String::new(),
                link: String::new(),
            },
            Secret::Whole => self.mail_secret(mail).ok_or_else(|| {
                Error::internal("the mail's code is redacted or cannot be opened")
            })?,
        };
        let validity = mail
            .code_expires_at
            .map(|expires| (expires.0 - mail.created_at.0) / 1_000_000)
            .unwrap_or_default();
        let context = MailContext {
            lang: lang.to_owned(),
            org_name,
            display_name,
            email: mail.to_address.clone(),
            login_name: text("loginName"),
            code: secret.code,
            link: secret.link,
            expires_in: expires_in(lang, validity),
            old_email: text("oldEmail"),
            new_email: text("newEmail"),
            application_name: text("applicationName"),
        };
        Ok((render(mail.kind, &context)?, context))
    }
}
