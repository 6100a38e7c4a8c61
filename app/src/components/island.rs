//! What the islands (the only hydrated parts of the pages) share.
//!
//! A form inside an island is a plain HTML form until the island is hydrated, so it
//! also works without JavaScript: the post goes to the server function, which
//! redirects back to the page, with `?__err=…&__path=…` when it failed. The page
//! reads that error on the server and hands it to the island as a prop, so the
//! server's HTML and the browser's first render agree.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The error of a form post made without JavaScript, and the server function it
/// came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlFormError {
    path: String,
    error: AppError,
}

impl UrlFormError {
    /// The error in this page's URL, if any (server side: pages run only there).
    pub fn from_url() -> Option<Self> {
        let err = use_context::<leptos::server::ServerActionError>()?;
        let error = leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(err.err());
        Some(UrlFormError {
            path: err.path().to_owned(),
            error,
        })
    }

    /// The error, if it came from the server function `S`.
    pub fn of<S: ServerFn>(this: &Option<Self>) -> Option<AppError> {
        this.as_ref()
            .filter(|e| e.path == S::PATH)
            .map(|e| e.error.clone())
    }
}

/// `data-hydrated="true"` once the island runs in the browser (effects never run on
/// the server). Styles and the browser tests use it: before that, forms are plain
/// HTML posts.
pub fn hydrated_marker() -> impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static {
    let ready = RwSignal::new(false);
    Effect::new(move || ready.set(true));
    move || ready.get().then_some("true")
}

/// What `<ActionForm>` does, for a form written out in the island: read the form into
/// the server function's arguments and dispatch the action instead of posting. (The
/// children of `<ActionForm>` are type-erased views, and each costs the WASM bundle
/// several kilobytes.) Should the form not parse, the browser posts it as plain HTML.
pub fn dispatch_on_submit<S>(action: ServerAction<S>) -> impl Fn(leptos::ev::SubmitEvent) + Copy
where
    S: ServerFn + serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    use leptos::form::FromFormData;
    move |ev| {
        if let Ok(input) = S::from_event(&ev) {
            ev.prevent_default();
            action.dispatch(input);
        }
    }
}
