use leptos::prelude::*;

use crate::error::AppError;
use crate::session::{current_user, Logout};

/// The console's frame: header with the signed-in user and sign-out, then the page.
#[component]
pub fn ConsoleLayout(children: Children) -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    let logout = ServerAction::<Logout>::new();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">"Mailroom"</a>
            <nav aria-label="Main">
                <a href="/">"Dashboard"</a>
                <a href="/users">"Users"</a>
                <a href="/orgs">"Organizations"</a>
                <a href="/mailbox">"Mailbox"</a>
                <a href="/jobs">"Jobs"</a>
            </nav>
            <div class="whoami">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.map(|me| {
                            let switcher = (me.orgs.len() > 1).then(|| view! {
                                // The org switcher: the users list of one org.
                                <form method="get" action="/users" class="org-switcher">
                                    <label for="org-switch" class="sr-only">"Organization"</label>
                                    <select id="org-switch" name="org">
                                        <option value="">"All organizations"</option>
                                        {me.orgs.iter().map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> }).collect_view()}
                                    </select>
                                    <button type="submit" class="button button-quiet">"Switch"</button>
                                </form>
                            });
                            view! { {switcher}<span class="muted">{me.display_name}</span> }
                        }).ok()
                    })}
                </Suspense>
                <ActionForm action=logout>
                    <button type="submit" class="button button-quiet">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
        <main id="main" class="page">{children()}</main>
        <super::LocalTimes/>
    }
}

/// An error in words, announced to screen readers.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let signed_out = error.is_unauthenticated();
    view! {
        <div class="notice notice-error" role="alert">
            <p>{error.message}</p>
            {signed_out.then(|| view! { <p><a href="/login">"Sign in"</a></p> })}
        </div>
    }
}
