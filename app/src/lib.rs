//! The console (administrators) and the end-user pages, as Leptos components with
//! their server functions. Server functions are thin: who is calling → one call into
//! `mailroom-core` → a DTO.

pub mod components;
pub mod dto;
pub mod error;
pub mod pages;
pub mod session;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::pages::{login::LoginPage, not_found::NotFound, user::UserPage, users::UsersPage};

/// The HTML document around every page (rendered on the server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href="/pkg/mailroom.css"/>
                <link rel="icon" href="data:,"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
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
                <Route path=path!("/") view=UsersPage ssr=SsrMode::Async/>
                <Route path=path!("/users/:id") view=UserPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
