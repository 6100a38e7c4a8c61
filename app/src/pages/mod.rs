//! One module per page, each with the server functions it calls.

pub mod login;
pub mod not_found;
pub mod user;
pub mod users;
