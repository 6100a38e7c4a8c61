//! The one domain error type. Transports map `Code` to their wire form in one place
//! each (`mailroom-wire`).

use std::borrow::Cow;

/// gRPC status codes, as ZITADEL reports them (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    InvalidArgument = 3,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    Unauthenticated = 16,
}

impl Code {
    pub fn number(self) -> i32 {
        self as i32
    }
}

/// A failure with a message that is safe to show to the client.
///
/// `id` is ZITADEL's error id (e.g. `COMMAND-2b7fM`); errors without one (field
/// validation, auth header) carry their whole text in `message`. Internal errors keep
/// their cause in `internal` for the log and never show it to the client.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.client_message())]
pub struct Error {
    pub code: Code,
    pub id: Option<&'static str>,
    pub message: Cow<'static, str>,
    /// Seconds until a refused send may be retried (ResourceExhausted).
    pub retry_after_secs: Option<u64>,
    internal: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: Code, id: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            code,
            id: Some(id),
            message: message.into(),
            retry_after_secs: None,
            internal: None,
        }
    }

    /// An error without an id, e.g. a field-validation message.
    pub fn plain(code: Code, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            code,
            id: None,
            message: message.into(),
            retry_after_secs: None,
            internal: None,
        }
    }

    pub fn invalid_argument(id: &'static str, message: &'static str) -> Self {
        Error::new(Code::InvalidArgument, id, message)
    }

    pub fn failed_precondition(id: &'static str, message: &'static str) -> Self {
        Error::new(Code::FailedPrecondition, id, message)
    }

    pub fn not_found(id: &'static str, message: &'static str) -> Self {
        Error::new(Code::NotFound, id, message)
    }

    pub fn permission_denied(id: &'static str, message: &'static str) -> Self {
        Error::new(Code::PermissionDenied, id, message)
    }

    pub fn unauthenticated(id: &'static str, message: &'static str) -> Self {
        Error::new(Code::Unauthenticated, id, message)
    }

    /// A concurrent write to the same user won; the client may retry.
    pub fn aborted() -> Self {
        Error::new(
            Code::Aborted,
            "COMMAND-Aborted",
            "The user was changed concurrently, try again",
        )
    }

    /// Something failed inside the process. The cause goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error {
            code: Code::Internal,
            id: Some("MAILROOM-INTERNAL"),
            message: Cow::Borrowed("Internal error"),
            retry_after_secs: None,
            internal: Some(cause.to_string()),
        }
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        Error {
            code: Code::Unavailable,
            id: Some("MAILROOM-UNAVAILABLE"),
            message: Cow::Borrowed("Service unavailable, try again later"),
            retry_after_secs: None,
            internal: Some(cause.to_string()),
        }
    }

    /// `other()` where this error has `code`, else this error: a storage answer (a
    /// duplicate row) turned into the operation's own ("user already exists").
    pub fn instead_of(self, code: Code, other: impl FnOnce() -> Error) -> Error {
        if self.code == code {
            other()
        } else {
            self
        }
    }

    /// The cause of an internal error, for the log; `None` for client errors.
    pub fn internal_cause(&self) -> Option<&str> {
        self.internal.as_deref()
    }

    /// `Email not changed (COMMAND-2b7fM)`, as ZITADEL words it.
    pub fn client_message(&self) -> String {
        match self.id {
            Some(id) => format!("{} ({id})", self.message),
            None => self.message.to_string(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                Error::unavailable(err)
            }
            _ => Error::internal(err),
        }
    }
}
