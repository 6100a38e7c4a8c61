use leptos::prelude::*;
use leptos_meta::Title;

use crate::session::Login;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || login.value().get().and_then(Result::err);
    view! {
        <Title text="Sign in · Mailroom"/>
        <main id="main" class="auth-page">
            <div class="card auth-card">
                <h1>"Sign in to Mailroom"</h1>
                <ActionForm action=login attr:class="stack">
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
                </ActionForm>
            </div>
        </main>
    }
}
