//! The Mailroom server: configuration, first start, the router (console, end-user
//! pages, JSON API) and graceful shutdown. Domain logic lives in `mailroom-core`.

pub mod api;
pub mod config;
pub mod first_start;
pub mod metrics;
pub mod preview;
pub mod security;
pub mod sessions;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;
