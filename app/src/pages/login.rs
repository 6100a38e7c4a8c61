use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::components::island::{dispatch_on_submit, hydrated_marker, UrlFormError};
use crate::error::AppError;
use crate::session::Login;

#[component]
pub fn LoginPage() -> impl IntoView {
    let url_error = UrlFormError::of::<Login>(&UrlFormError::from_url());
    view! {
        <Title text="Sign in · Mailroom"/>
        <main id="main" class="auth-page">
            <div class="card auth-card">
                <h1>"Sign in to Mailroom"</h1>
                <LoginForm url_error/>
            </div>
        </main>
    }
}

/// Signs in without leaving the page when it can (the error appears in place, the
/// button is disabled while the request runs); a plain form post otherwise.
#[island]
fn LoginForm(url_error: Option<AppError>) -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || {
        login
            .value()
            .get()
            .map_or_else(|| url_error.clone(), Result::err)
    };
    view! {
        <div data-hydrated=hydrated_marker()>
            <form
                class="stack"
                method="post"
                action=Login::url()
                on:submit=dispatch_on_submit(login)
            >
                <label for="username">"Username"</label>
                <input id="username" name="username" type="text" autocomplete="username" required/>
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                />
                {move || {
                    error()
                        .map(|error| {
                            view! {
                                <p class="notice notice-error" role="alert" data-testid="login-error">
                                    {error.message}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="button" disabled=move || login.pending().get()>
                    "Sign in"
                </button>
            </form>
        </div>
    }
}
