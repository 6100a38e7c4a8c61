use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::{ConsoleLayout, EmailBadge, ErrorNotice};
use crate::dto::UserDetail;
use crate::error::AppError;

/// One user the caller may read.
#[server(prefix = "/api", endpoint = "get_user_detail")]
pub async fn get_user_detail(id: String) -> Result<UserDetail, AppError> {
    let (mailroom, caller) = crate::ssr::caller().await?;
    let user = mailroom.readable_user(&caller, &id).await?;
    let orgs = mailroom.store().orgs().await?;
    Ok(crate::dto::convert::detail(&user, &orgs))
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let user = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        get_user_detail,
    );
    view! {
        <ConsoleLayout>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(user) => view! { <UserView user=user/> }.into_any(),
                        Err(error) => view! {
                            <Title text="User · Mailroom"/>
                            <h1>"User"</h1>
                            <ErrorNotice error=error/>
                        }.into_any(),
                    }
                })}
            </Transition>
        </ConsoleLayout>
    }
}

#[component]
fn UserView(user: UserDetail) -> impl IntoView {
    let summary = user.summary;
    let title = format!("{} · Mailroom", summary.display_name);
    view! {
        <Title text=title/>
        <p class="breadcrumb"><a href="/">"Users"</a>" / "{summary.username.clone()}</p>
        <h1>{summary.display_name.clone()}</h1>
        <div class="grid">
            <section class="card" aria-labelledby="email-heading">
                <h2 id="email-heading">"Email"</h2>
                {if summary.is_machine {
                    view! { <p class="muted">"Machine users have no email address."</p> }.into_any()
                } else {
                    view! {
                        <p class="email-line">
                            <span class="email" data-testid="user-email">{summary.email.clone()}</span>" "
                            <EmailBadge status=summary.email_status/>
                        </p>
                    }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="profile-heading">
                <h2 id="profile-heading">"Profile"</h2>
                <dl class="facts">
                    <dt>"Username"</dt><dd>{summary.username.clone()}</dd>
                    <dt>"User ID"</dt><dd><code>{summary.id.clone()}</code></dd>
                    <dt>"Organization"</dt><dd>{summary.org_name.clone()}</dd>
                    <dt>"State"</dt><dd>{summary.state.clone()}</dd>
                    <dt>"Language"</dt><dd>{user.preferred_language}</dd>
                    <dt>"Created"</dt><dd><time>{user.created_at}</time></dd>
                    <dt>"Changed"</dt><dd><time>{user.changed_at}</time>" (sequence "{user.sequence}")"</dd>
                </dl>
            </section>
        </div>
    }
}
