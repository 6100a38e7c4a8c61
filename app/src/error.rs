//! The error every server function returns: a code and a message that is safe to show.

use std::fmt;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    /// The Connect name of the code (`unauthenticated`, `not_found`, …).
    pub code: String,
    pub message: String,
    /// For refused sends: seconds until the next one is allowed …
    pub retry_after_secs: Option<u64>,
    /// … and that moment as `HH:MM:SS UTC`.
    pub retry_at: Option<String>,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        AppError {
            code: code.to_owned(),
            message: message.into(),
            retry_after_secs: None,
            retry_at: None,
        }
    }

    pub fn is_unauthenticated(&self) -> bool {
        self.code == "unauthenticated"
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let message = match value {
            ServerFnErrorErr::Request(_) => {
                "The server could not be reached. Try again.".to_owned()
            }
            other => other.to_string(),
        };
        AppError::new("internal", message)
    }
}
