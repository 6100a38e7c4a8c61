//! Signing in and out of the console, and who is signed in.

use leptos::prelude::*;

use crate::dto::SessionUser;
use crate::error::AppError;

/// Signs in with a username and password and goes to the users list.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use crate::ssr::{mailroom, session, SESSION_USER_KEY};
    let mailroom = mailroom()?;
    let session = session().await?;
    let caller = mailroom
        .login(&username, &password, crate::ssr::client_addr())
        .await?;
    // A new session id on every sign-in, so a planted cookie never becomes a session.
    session
        .cycle_id()
        .await
        .map_err(|_| AppError::new("internal", "Could not start a session"))?;
    session
        .insert(SESSION_USER_KEY, caller.user_id.0)
        .await
        .map_err(|_| AppError::new("internal", "Could not start a session"))?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = crate::ssr::session().await?;
    session
        .flush()
        .await
        .map_err(|_| AppError::new("internal", "Could not end the session"))?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, for the header.
#[server(prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<SessionUser, AppError> {
    let (mailroom, _, user) = crate::ssr::caller_and_user().await?;
    let display_name = user.display_name();
    let orgs = crate::ssr::orgs(&mailroom)
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect();
    Ok(SessionUser {
        user_id: user.id.to_string(),
        username: user.username,
        display_name,
        orgs,
    })
}
