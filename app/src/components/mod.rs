//! Pieces shared by the pages.

mod badge;
mod layout;

pub use badge::EmailBadge;
pub use layout::{ConsoleLayout, ErrorNotice};
