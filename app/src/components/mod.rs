//! Pieces shared by the pages.

mod badge;
pub mod island;
mod layout;
mod time;

pub use badge::EmailBadge;
pub use layout::{ConsoleLayout, ErrorNotice};
pub use time::{LocalTimes, Time};
