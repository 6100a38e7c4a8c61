use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Mailroom"/>
        <main id="main" class="auth-page">
            <div class="card">
                <h1>"Page not found"</h1>
                <p><a href="/users">"Go to the users list"</a></p>
            </div>
        </main>
    }
}
