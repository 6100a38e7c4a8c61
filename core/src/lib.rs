//! Mailroom's domain: types that validate on construction, the use cases that the
//! JSON API and the console share, permission checks, and storage. No HTTP here.

pub mod add_user;
pub mod auth;
pub mod bootstrap;
pub mod change;
pub mod change_email;
pub mod clock;
pub mod code;
pub mod console;
pub mod console_sessions;
pub mod dashboard;
pub mod email;
pub mod email_codes;
pub mod error;
pub mod ids;
pub mod initialization;
pub mod invite_codes;
pub mod jobs;
pub mod mail;
pub mod model;
pub mod orgs;
pub mod outbox;
pub mod passwords;
pub mod permissions;
pub mod private_files;
pub mod public_pages;
pub mod sealing;
pub mod secrets;
pub mod service;
pub mod store;
pub mod target;
pub mod text;
pub mod tokens;
pub mod url_template;
mod user_queue;
pub mod user_state;
pub mod users;
pub mod verification;
pub mod via;

pub use error::{Code, Error, Result};
pub use service::{Mailroom, Policy, Settings};
