//! Mailroom's domain: types that validate on construction, the use cases that the
//! JSON API and the console share, permission checks, and storage. No HTTP here.

pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod email;
pub mod error;
pub mod ids;
pub mod model;
pub mod permissions;
pub mod secrets;
pub mod service;
pub mod store;
pub mod users;

pub use error::{Code, Error, Result};
pub use service::{Mailroom, Settings};
