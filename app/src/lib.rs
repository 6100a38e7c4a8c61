//! The console (administrators) and the end-user pages, as Leptos components with
//! their server functions. Server functions are thin: who is calling → one call into
//! `mailroom-core` → a DTO.
// The user page's view type is deep; the default limit is too small for it.
#![recursion_limit = "256"]

pub mod components;
pub mod dto;
pub mod error;
pub mod pages;
pub mod session;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod url;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::pages::{
    dashboard::DashboardPage,
    init::InitPage,
    jobs::{JobPage, JobsPage},
    login::LoginPage,
    mailbox::MailboxPage,
    new_user::NewUserPage,
    not_found::NotFound,
    orgs::{OrgPage, OrgsPage},
    user::UserPage,
    users::UsersPage,
    verify::VerifyPage,
};

/// The HTML document around every page (rendered on the server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // The build names the stylesheet like the script and module (see
                // server/src/assets.rs).
                <link rel="stylesheet" href=format!("/pkg/{}.css", options.output_name)/>
                <link rel="icon" href="data:,"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Scripts run only with this response's nonce (Leptos' hydration script carries it)
/// or from our origin; the WASM module needs `wasm-unsafe-eval`, nothing needs
/// `unsafe-inline`.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce()
        .map(|n| format!(" 'nonce-{n}'"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
         form-action 'self'; object-src 'none'"
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=NotFound>
                // Async: the whole page is rendered before it is sent, so it is
                // complete without JavaScript (out-of-order streaming needs a script).
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/") view=DashboardPage ssr=SsrMode::Async/>
                <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async/>
                <Route path=path!("/users/new") view=NewUserPage ssr=SsrMode::Async/>
                <Route path=path!("/users/:id") view=UserPage ssr=SsrMode::Async/>
                <Route path=path!("/mailbox") view=MailboxPage ssr=SsrMode::Async/>
                <Route path=path!("/orgs") view=OrgsPage ssr=SsrMode::Async/>
                <Route path=path!("/jobs") view=JobsPage ssr=SsrMode::Async/>
                <Route path=path!("/jobs/:id") view=JobPage ssr=SsrMode::Async/>
                <Route path=path!("/orgs/:id") view=OrgPage ssr=SsrMode::Async/>
                <Route path=path!("/ui/v2/login/verify") view=VerifyPage ssr=SsrMode::Async/>
                <Route path=path!("/ui/login/user/init") view=InitPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
