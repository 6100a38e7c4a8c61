//! The browser entry point. The pages are server-rendered; only their islands
//! (`#[island]` components in `mailroom-app`, exported from there) are hydrated.

// Links the islands' exported hydration functions into this module.
extern crate mailroom_app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Server functions that redirect (sign-in, sign-out) navigate the whole page: the
    // islands have no client-side router.
    _ = leptos::server_fn::redirect::set_redirect_hook(|location: &str| {
        _ = leptos::prelude::window().location().set_href(location);
    });
    leptos::mount::hydrate_islands();
}
