//! One module per page, each with the server functions it calls.

pub mod dashboard;
pub mod init;
pub mod jobs;
pub mod login;
pub mod mailbox;
pub mod new_user;
pub mod not_found;
pub mod orgs;
pub mod tokens;
pub mod user;
pub mod users;
pub mod verify;
