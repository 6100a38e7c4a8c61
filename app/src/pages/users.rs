use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{ConsoleLayout, EmailBadge, ErrorNotice};
use crate::dto::UsersPage as UsersPageDto;
use crate::error::AppError;

pub const PAGE_SIZE: u64 = 25;

/// A page of the users the caller may read.
#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users(
    query: String,
    org: String,
    state: String,
    email: String,
    page: u64,
) -> Result<UsersPageDto, AppError> {
    use mailroom_core::console::UserFilter;
    use mailroom_core::ids::OrgId;
    use mailroom_core::model::{EmailGroup, UserState};
    use mailroom_core::permissions::Permission;

    let (mailroom, caller) = crate::ssr::caller().await?;
    let offset = page.saturating_sub(1).saturating_mul(PAGE_SIZE);
    let filter = UserFilter {
        text: Some(query.trim().to_owned()).filter(|q| !q.is_empty()),
        org: OrgId::parse(&org),
        state: UserState::ALL.into_iter().find(|s| s.as_db() == state),
        email_group: EmailGroup::parse(&email),
        offset,
        limit: PAGE_SIZE,
    };
    // Every user's email state comes with the page (one query).
    let result = mailroom.users_page(&caller, &filter).await?;
    let orgs = crate::ssr::orgs(&mailroom).await?;
    Ok(UsersPageDto {
        users: result
            .users
            .iter()
            .map(|listed| crate::dto::convert::summary(&listed.user, &orgs, listed.email))
            .collect(),
        total: result.total,
        offset,
        limit: PAGE_SIZE,
        orgs: orgs
            .into_iter()
            .map(|o| (o.id.to_string(), o.name))
            .collect(),
        // Bulk sends need `user.write` somewhere (each user is checked again).
        can_write: caller
            .orgs_with(Permission::UserWrite)
            .is_none_or(|orgs| !orgs.is_empty()),
    })
}

const STATES: [(&str, &str); 5] = [
    ("active", "Active"),
    ("initial", "Initial"),
    ("inactive", "Inactive"),
    ("locked", "Locked"),
    ("deleted", "Deleted"),
];

/// The email filter: the dashboard's groups (`/users?email=` is where its counts link).
const EMAIL_GROUPS: [(&str, &str); 4] = [
    ("verified", "Verified"),
    ("unverified", "Unverified"),
    ("pending", "Code pending"),
    ("initial", "Initial"),
];

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let page_number = move || param("page").parse::<u64>().unwrap_or(1).max(1);
    let users = Resource::new(
        move || {
            (
                param("q"),
                param("org"),
                param("state"),
                param("email"),
                page_number(),
            )
        },
        |(q, org, state, email, page)| list_users(q, org, state, email, page),
    );
    view! {
        <Title text="Users · Mailroom"/>
        <ConsoleLayout>
            <div class="title-row">
                <h1>"Users"</h1>
                <a class="button" href="/users/new">"New user"</a>
            </div>
            <crate::pages::user::DoneNotice/>
            <form method="get" action="/users" class="filters" role="search">
                <div class="field">
                    <label for="q">"Search"</label>
                    <input id="q" name="q" type="search" placeholder="Name, email or username" value=move || param("q")/>
                </div>
                <div class="field">
                    <label for="state">"State"</label>
                    <select id="state" name="state">
                        <option value="" selected=move || param("state").is_empty()>"Any"</option>
                        {STATES
                            .into_iter()
                            .map(|(value, label)| {
                                view! { <option value=value selected=move || param("state") == value>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="email">"Email"</label>
                    <select id="email" name="email">
                        <option value="" selected=move || param("email").is_empty()>"Any"</option>
                        {EMAIL_GROUPS
                            .into_iter()
                            .map(|(value, label)| {
                                view! { <option value=value selected=move || param("email") == value>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        users.await.ok().map(|page| {
                            view! {
                                <div class="field">
                                    <label for="org">"Organization"</label>
                                    <select id="org" name="org">
                                        <option value="">"All"</option>
                                        {page.orgs.into_iter().map(|(id, name)| {
                                            let selected = param("org") == id;
                                            view! { <option value=id selected=selected>{name}</option> }
                                        }).collect_view()}
                                    </select>
                                </div>
                            }
                        })
                    })}
                </Transition>
                <button type="submit" class="button">"Search"</button>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(page) => view! { <UsersTable page=page current=page_number()/> }.into_any(),
                        Err(error) => view! { <ErrorNotice error=error/> }.into_any(),
                    }
                })}
            </Transition>
        </ConsoleLayout>
    }
}

#[component]
fn UsersTable(page: UsersPageDto, current: u64) -> impl IntoView {
    let query = use_query_map();
    let link_to = move |page_number: u64| {
        let q = query.read();
        let mut params: Vec<String> = ["q", "org", "state", "email"]
            .into_iter()
            .filter_map(|key| {
                q.get(key)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{key}={}", crate::url::encode(&v)))
            })
            .collect();
        params.push(format!("page={page_number}"));
        format!("/users?{}", params.join("&"))
    };
    let pages = page.total.div_ceil(page.limit).max(1);
    let first = page.offset + 1;
    let last = page.offset + page.users.len() as u64;
    if page.users.is_empty() {
        return view! { <p class="empty">"No users match."</p> }.into_any();
    }
    let can_write = page.can_write;
    let total = page.total;
    let start_job = <crate::pages::jobs::StartJob as leptos::server_fn::ServerFn>::url();
    let filter = query.with_untracked(|q| {
        ["q", "org", "state", "email"].map(|key| (key, q.get(key).unwrap_or_default()))
    });
    view! {
        <p class="muted" aria-live="polite">{format!("{first}–{last} of {}", page.total)}</p>
        // The bulk form holds the rows' boxes; it posts as plain HTML.
        <form method="post" action=start_job id="bulk">
        {can_write.then(|| view! {
            <fieldset class="bulk inline-form">
                <legend>"Send to many"</legend>
                {filter.clone().into_iter().map(|(key, value)| view! { <input type="hidden" name=key value=value/> }).collect_view()}
                <div class="field">
                    <label for="bulk-action">"Send"</label>
                    <select id="bulk-action" name="action">
                        <option value="send_code">"a verification code"</option>
                        <option value="resend_invite">"the invitation again"</option>
                    </select>
                </div>
                <div class="field">
                    <span class="choice"><label><input type="radio" name="scope" value="picked" checked/>" to the users ticked below"</label></span>
                    <span class="choice"><label><input type="radio" name="scope" value="matching"/>{format!(" to all {total} users matching this filter")}</label></span>
                </div>
                <button type="submit" class="button">"Start"</button>
            </fieldset>
        })}
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>
                        {can_write.then(|| view! { <th scope="col"><span class="sr-only">"Pick"</span></th> })}
                        <th scope="col">"User"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Organization"</th>
                        <th scope="col">"State"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.users.into_iter().enumerate().map(|(i, user)| {
                        let href = format!("/users/{}", user.id);
                        let pick = can_write.then(|| {
                            let label = format!("Pick {}", user.username);
                            view! { <td><input type="checkbox" name=format!("users[{i}]") value=user.id.clone() aria-label=label/></td> }
                        });
                        view! {
                            <tr data-testid="user-row">
                                {pick}
                                <td>
                                    <a href=href>{user.display_name.clone()}</a>
                                    <div class="muted small">{user.username.clone()}</div>
                                </td>
                                <td>
                                    <span class="email">{user.email.clone()}</span>" "
                                    <EmailBadge status=user.email_status/>
                                </td>
                                <td>{user.org_name.clone()}</td>
                                <td><span class="state">{user.state.clone()}</span></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        </form>
        <nav class="pagination" aria-label="Pages">
            {(current > 1).then(|| view! { <a href=link_to(current - 1) rel="prev">"Previous"</a> })}
            <span>{format!("Page {current} of {pages}")}</span>
            {(current < pages).then(|| view! { <a href=link_to(current + 1) rel="next">"Next"</a> })}
        </nav>
    }
    .into_any()
}
