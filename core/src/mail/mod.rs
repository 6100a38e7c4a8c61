//! Mail delivery (SPEC §5): templates, transports, and the outbox worker.

pub mod compose;
pub mod metrics;
pub mod templates;
pub mod transport;
pub mod worker;

pub use templates::{render, RenderedMail};
pub use transport::{DevMailbox, OutgoingMail, SmtpTransport, Transport};
pub use worker::{Worker, WorkerConfig};
