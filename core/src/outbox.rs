//! The outbox as the API and the console see it: listing mails and retrying them.

use crate::error::{Error, Result};
use crate::model::MailRecord;
use crate::permissions::{Caller, Permission};
use crate::service::Mailroom;
use crate::store::{MailQuery, MailUpdate, Op, Write};

pub const MAIL_STATUSES: [&str; 6] = ["queued", "sending", "sent", "failed", "skipped", "captured"];

/// A page of mails, newest first, and the cursor of the next page.
#[derive(Debug, Clone)]
pub struct MailPage {
    pub mails: Vec<MailRecord>,
    pub next_cursor: Option<String>,
}

impl Mailroom {
    /// `GET /mailroom/v1/mails`: mails of orgs where the caller may read users.
    pub async fn list_mails(
        &self,
        caller: &Caller,
        user_id: Option<&str>,
        status: Option<&str>,
        limit: u64,
        cursor: Option<&str>,
    ) -> Result<MailPage> {
        if let Some(status) = status {
            if !MAIL_STATUSES.contains(&status) {
                return Err(Error::invalid_argument(
                    "MAILROOM-STATUS",
                    "Unknown mail status",
                ));
            }
        }
        let before_id =
            match cursor.filter(|c| !c.is_empty()) {
                Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
                    Error::invalid_argument("MAILROOM-CURSOR", "Cursor is invalid")
                })?),
                None => None,
            };
        let user = match user_id.filter(|u| !u.is_empty()) {
            Some(id) => Some(self.readable_user(caller, id).await?.id),
            None => None,
        };
        let limit = if limit == 0 { 50 } else { limit.min(500) };
        let query = MailQuery {
            user,
            orgs: caller.orgs_with(Permission::UserRead),
            status: status.map(str::to_owned),
            before_id,
            // One more than asked tells whether there is a next page.
            limit: limit + 1,
        };
        let mut mails = self.store.mails(&query).await?;
        let next_cursor = if mails.len() as u64 > limit {
            mails.truncate(limit as usize);
            mails.last().map(|m| m.id.to_string())
        } else {
            None
        };
        Ok(MailPage { mails, next_cursor })
    }

    /// A mail the caller may read; others are reported as unknown.
    pub async fn readable_mail(&self, caller: &Caller, id: &str) -> Result<MailRecord> {
        let not_found = || Error::not_found("MAILROOM-MAIL404", "Mail not found");
        let id: i64 = id.parse().map_err(|_| not_found())?;
        let mail = self.store.mail(id).await?.ok_or_else(not_found)?;
        if !caller.can(Permission::UserRead, mail.org_id) {
            return Err(not_found());
        }
        Ok(mail)
    }

    /// `POST /mailroom/v1/mails/{id}/_retry`: a failed mail goes back to the queue
    /// with fresh attempts; a queued one is made due now. Sent, captured and skipped
    /// mails are final (their code is redacted, used or replaced).
    pub async fn retry_mail(&self, caller: &Caller, id: &str) -> Result<MailRecord> {
        let mail = self.readable_mail(caller, id).await?;
        caller.require_v2(Permission::UserWrite, mail.org_id)?;
        let attempts = match mail.status.as_str() {
            "failed" => 0,
            "queued" => mail.attempts,
            _ => {
                return Err(Error::failed_precondition(
                    "MAILROOM-RETRY",
                    "Only failed or queued mails can be retried",
                ))
            }
        };
        if mail.code_kind.is_some() && mail.payload.get("code").is_none() {
            return Err(Error::failed_precondition(
                "MAILROOM-RETRY",
                "The code of this mail was redacted; send a new code instead",
            ));
        }
        let mut write = Write::new();
        write.push(Op::UpdateMail(MailUpdate {
            status: "queued",
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

    /// The mails of a user the caller has already been allowed to read, newest first
    /// (the console's user page).
    pub async fn mails_of_readable_user(
        &self,
        user: &crate::model::User,
        limit: u64,
    ) -> Result<Vec<MailRecord>> {
        self.store
            .mails(&MailQuery {
                user: Some(user.id),
                limit,
                ..MailQuery::default()
            })
            .await
    }
}
