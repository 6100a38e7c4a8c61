//! Pieces shared by the pages.

mod badge;
pub mod island;
mod layout;

pub use badge::EmailBadge;
pub use layout::{ConsoleLayout, ErrorNotice};
