//! `/ui/login/user/init?userID=&code=&orgID=&loginname=&passwordset=`: a user in
//! state *initial* sets a password; the code proves the mail reached them.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;

#[server(prefix = "/api", endpoint = "initialize_account")]
pub async fn initialize_account(
    user_id: String,
    code: String,
    password: String,
    password_again: String,
) -> Result<(), AppError> {
    use mailroom_core::{Code, Error};
    if password != password_again {
        return Err(Error::plain(Code::InvalidArgument, "The two passwords differ.").into());
    }
    use mailroom_core::initialization::InitOutcome;
    let mailroom = crate::ssr::mailroom()?;
    // Password rules (and failures of the system) are shown on the form.
    let result = match mailroom
        .initialize_user(
            mailroom_core::ids::UserId::parse_or_nobody(&user_id),
            &code,
            &password,
        )
        .await?
    {
        InitOutcome::Done => "done",
        InitOutcome::Invalid => "invalid",
        InitOutcome::AlreadyDone => "already",
    };
    leptos_axum::redirect(&format!("/ui/login/user/init?result={result}"));
    Ok(())
}

#[component]
pub fn InitPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let action = ServerAction::<InitializeAccount>::new();
    let error = move || action.value().get().and_then(Result::err);
    // The outcome is in the URL (the action redirects), so the body follows it.
    let body = move || {
        match param("result").as_str() {
        "done" => view! {
            <h1>"Your account is ready"</h1>
            <p class="notice notice-ok" role="status" data-testid="init-result">"Your password is set and your email address is verified. You can sign in now."</p>
        }
        .into_any(),
        "already" => view! {
            <h1>"Account already set up"</h1>
            <p class="notice notice-ok" role="status" data-testid="init-result">"This account was already set up. Sign in with your password."</p>
        }
        .into_any(),
        result => {
            let invalid = result == "invalid";
            let login = param("loginname");
            view! {
                <h1>"Finish setting up your account"</h1>
                {invalid.then(|| view! { <p class="notice notice-error" role="alert" data-testid="init-result">"The code is wrong or has expired. Ask your administrator for a new initialization mail."</p> })}
                {(!login.is_empty()).then(|| view! { <p>"Login name: " <strong>{login.clone()}</strong></p> })}
                <ActionForm action=action attr:class="stack">
                    <input type="hidden" name="user_id" value=param("userID")/>
                    <label for="code">"Code from the mail"</label>
                    <input id="code" name="code" type="text" required maxlength="20" autocomplete="one-time-code" value=param("code")/>
                    <label for="password">"New password (at least 8 characters)"</label>
                    <input id="password" name="password" type="password" required minlength="8" autocomplete="new-password"/>
                    <label for="password-again">"New password again"</label>
                    <input id="password-again" name="password_again" type="password" required minlength="8" autocomplete="new-password"/>
                    {move || error().map(|e| view! { <p class="notice notice-error" role="alert" data-testid="init-error">{e.message}</p> })}
                    <button type="submit" class="button">"Set password"</button>
                </ActionForm>
            }
            .into_any()
        }
    }
    };
    view! {
        <Title text="Finish setting up your account · Mailroom"/>
        <main id="main" class="auth-page">
            <div class="card auth-card">{body}</div>
        </main>
    }
}
