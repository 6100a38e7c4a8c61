//! The Mailroom server: configuration, first start, the router (console, end-user
//! pages, JSON API) and graceful shutdown. Domain logic lives in `mailroom-core`.

// The islands' view types are deep; the default limit is too small for their layout.
#![recursion_limit = "256"]

pub mod api;
pub mod assets;
pub mod client_addr;
pub mod config;
pub mod first_start;
pub mod grpc;
pub mod memory;
pub mod metrics;
pub mod preview;
pub mod security;
pub mod sessions;
pub mod shutdown;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;
