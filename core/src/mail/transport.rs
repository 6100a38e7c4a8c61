//! Where mails go: SMTP through lettre (plain, STARTTLS or TLS, pooled), or the
//! built-in dev mailbox, which keeps them in the outbox as `captured`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// A rendered mail ready to go out.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub from: String,
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// Handed to the SMTP server.
    Sent,
    /// Kept by the dev mailbox.
    Captured,
}

#[async_trait]
pub trait Transport: Send + Sync + 'static {
    /// A description for logs (never with a password).
    fn describe(&self) -> String;
    async fn send(&self, mail: &OutgoingMail) -> Result<Delivered, String>;
}

/// Builds the MIME message: multipart/alternative, plain text and HTML.
pub fn build_message(mail: &OutgoingMail) -> Result<Message, String> {
    let from = Mailbox::from_str(&mail.from)
        .map_err(|err| format!("invalid sender {:?}: {err}", mail.from))?;
    let address =
        Address::from_str(&mail.to_address).map_err(|err| format!("invalid recipient: {err}"))?;
    // A header never carries a line break, whatever the display name holds.
    let name: String = mail.to_name.chars().filter(|c| !c.is_control()).collect();
    let to = Mailbox::new((!name.trim().is_empty()).then_some(name), address);
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(mail.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(mail.html.clone()),
                ),
        )
        .map_err(|err| format!("cannot build the message: {err}"))
}

pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    description: String,
}

impl SmtpTransport {
    /// `smtp://host:port` (plain), `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://host:465` (TLS).
    pub fn from_url(url: &str, pool_size: u32) -> Result<Self, String> {
        let description = crate::store::redact_url(url);
        let inner = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|err| format!("invalid MAILROOM_SMTP_URL {description}: {err}"))?
            .timeout(Some(Duration::from_secs(20)))
            .pool_config(PoolConfig::new().max_size(pool_size.max(1)))
            .build();
        Ok(SmtpTransport { inner, description })
    }

    /// Connects and says hello, to check settings (`mailroom send-test-mail`).
    pub async fn test_connection(&self) -> Result<(), String> {
        match self.inner.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!(
                "{} did not accept the connection",
                self.description
            )),
            Err(err) => Err(explain(&self.description, &err)),
        }
    }
}

/// One line that says what went wrong, for the log and the outbox's `lastError`.
fn explain(description: &str, err: &lettre::transport::smtp::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    let hint = if err.is_permanent() {
        " (the server refused: check the sender, recipient and credentials)"
    } else if text.contains("Connection refused") {
        " (nothing listens there: check host and port)"
    } else if text.contains("certificate") || text.contains("tls") || text.contains("TLS") {
        " (TLS failed: check smtp:// + tls=required for STARTTLS or smtps:// for TLS)"
    } else {
        ""
    };
    format!("{description}: {}{hint}", text.replace(['\r', '\n'], " "))
}

#[async_trait]
impl Transport for SmtpTransport {
    fn describe(&self) -> String {
        self.description.clone()
    }

    async fn send(&self, mail: &OutgoingMail) -> Result<Delivered, String> {
        let message = build_message(mail)?;
        self.inner
            .send(message)
            .await
            .map(|_| Delivered::Sent)
            .map_err(|err| explain(&self.description, &err))
    }
}

/// With no SMTP configured: mails stay in the outbox as `captured`, visible at
/// `/mailbox`, and their links go to the log, so a fresh install works end to end.
pub struct DevMailbox;

#[async_trait]
impl Transport for DevMailbox {
    fn describe(&self) -> String {
        "dev mailbox (no MAILROOM_SMTP_URL)".into()
    }

    async fn send(&self, mail: &OutgoingMail) -> Result<Delivered, String> {
        build_message(mail)?;
        Ok(Delivered::Captured)
    }
}
