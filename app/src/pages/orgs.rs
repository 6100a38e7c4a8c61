//! `/orgs` and `/orgs/{id}` (SPEC §4, second stage): the orgs the caller may read;
//! an instance owner creates orgs; an org's members and their roles, added and
//! removed by callers with `org.member.write`. Server HTML with plain forms (no
//! island): each post reloads the page, with its error when it failed.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::island::UrlFormError;
use crate::components::{ConsoleLayout, ErrorNotice, Time};
use crate::dto::{OrgDetail, OrgsPage};
use crate::error::AppError;

/// The roles an org grants, as the member form offers them.
const ORG_ROLES: [(&str, &str); 3] = [
    ("ORG_OWNER", "Owner: users, the org and its members"),
    ("ORG_USER_MANAGER", "User manager: users"),
    ("ORG_OWNER_VIEWER", "Viewer: reads users and the org"),
];

#[server(prefix = "/api", endpoint = "list_orgs")]
pub async fn list_orgs() -> Result<OrgsPage, AppError> {
    use mailroom_core::permissions::Permission;
    let (mailroom, caller) = crate::ssr::caller().await?;
    let now = mailroom.clock().now();
    let orgs = mailroom.orgs_page(&caller).await?;
    Ok(OrgsPage {
        orgs: orgs
            .into_iter()
            .map(|org| {
                (
                    org.id.to_string(),
                    org.name,
                    crate::dto::convert::when(org.created_at, now),
                )
            })
            .collect(),
        can_create: caller.can_instance(Permission::IamWrite),
    })
}

/// A new org (needs the instance owner, as `AddOrganization`); goes to its page.
#[server(prefix = "/api", endpoint = "create_org")]
pub async fn create_org(name: String) -> Result<(), AppError> {
    let (mailroom, caller) = crate::ssr::caller().await?;
    let (id, _) = mailroom
        .add_organization(&caller, None, &name, Vec::new())
        .await?;
    leptos_axum::redirect(&format!("/orgs/{id}?done=org-created"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "get_org")]
pub async fn get_org(id: String) -> Result<OrgDetail, AppError> {
    use mailroom_core::ids::OrgId;
    let (mailroom, caller) = crate::ssr::caller().await?;
    let id = OrgId::parse(&id).unwrap_or(OrgId(0));
    let page = mailroom.org_page(&caller, id).await?;
    Ok(OrgDetail {
        id: page.org.id.to_string(),
        name: page.org.name,
        members: page
            .members
            .into_iter()
            .map(|(user, roles)| {
                (
                    user.id.to_string(),
                    user.display_name(),
                    user.username,
                    roles.iter().map(|r| r.name().to_owned()).collect(),
                )
            })
            .collect(),
        can_manage_members: page.can_manage_members,
    })
}

/// Adds `user` (a username or id) to org `id` with `roles` (each one of
/// `ORG_ROLES`), or changes its roles there.
#[server(prefix = "/api", endpoint = "add_org_member")]
pub async fn add_org_member(
    id: String,
    user: String,
    #[server(default)] roles: Vec<String>,
) -> Result<(), AppError> {
    use mailroom_core::ids::OrgId;
    let (mailroom, caller) = crate::ssr::caller().await?;
    let org = OrgId::parse(&id).unwrap_or(OrgId(0));
    mailroom
        .add_member_named(&caller, org, &user, &roles)
        .await?;
    leptos_axum::redirect(&format!("/orgs/{org}?done=member-added"));
    Ok(())
}

#[server(prefix = "/api", endpoint = "remove_org_member")]
pub async fn remove_org_member(id: String, user_id: String) -> Result<(), AppError> {
    use mailroom_core::ids::{OrgId, UserId};
    let (mailroom, caller) = crate::ssr::caller().await?;
    let org = OrgId::parse(&id).unwrap_or(OrgId(0));
    mailroom
        .remove_member(&caller, org, UserId::parse_or_nobody(&user_id))
        .await?;
    leptos_axum::redirect(&format!("/orgs/{org}?done=member-removed"));
    Ok(())
}

/// What an org form just did, from `?done=` (fixed sentences).
#[component]
fn OrgDone() -> impl IntoView {
    const DONE: [(&str, &str); 3] = [
        ("org-created", "The organization is created."),
        ("member-added", "The member is added."),
        ("member-removed", "The member is removed."),
    ];
    let query = leptos_router::hooks::use_query_map();
    let done = query.read_untracked().get("done").unwrap_or_default();
    DONE.iter().find(|(key, _)| *key == done).map(|(_, sentence)| {
        view! { <p class="notice notice-ok" role="status" data-testid="done-notice">{*sentence}</p> }
    })
}

fn form_error(error: Option<AppError>) -> impl IntoView {
    error.map(|e| view! { <p class="notice notice-error" role="alert" data-testid="form-error">{e.message}</p> })
}

#[component]
pub fn OrgsPage() -> impl IntoView {
    let orgs = Resource::new(|| (), |_| list_orgs());
    let create_error = UrlFormError::of::<CreateOrg>(&UrlFormError::from_url());
    view! {
        <Title text="Organizations · Mailroom"/>
        <ConsoleLayout>
            <h1>"Organizations"</h1>
            <OrgDone/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let create_error = create_error.clone();
                    Suspend::new(async move {
                        match orgs.await {
                            Ok(page) => Either::Left(view! {
                                <div class="table-wrap">
                                    <table class="table">
                                        <thead><tr><th scope="col">"Organization"</th><th scope="col">"ID"</th><th scope="col">"Created"</th></tr></thead>
                                        <tbody>
                                            {page.orgs.into_iter().map(|(id, name, created)| view! {
                                                <tr data-testid="org-row">
                                                    <td><a href=format!("/orgs/{id}")>{name}</a></td>
                                                    <td><code>{id.clone()}</code></td>
                                                    <td><Time at=created/></td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {page.can_create.then(|| view! {
                                    <section class="card section" aria-labelledby="new-org-heading">
                                        <h2 id="new-org-heading">"New organization"</h2>
                                        {form_error(create_error)}
                                        <form class="inline-form" method="post" action=CreateOrg::url()>
                                            <div class="field">
                                                <label for="org-name">"Name"</label>
                                                <input id="org-name" name="name" type="text" required maxlength="200"/>
                                            </div>
                                            <button type="submit" class="button">"Create organization"</button>
                                        </form>
                                    </section>
                                })}
                            }),
                            Err(error) => Either::Right(view! { <ErrorNotice error/> }),
                        }
                    })
                }}
            </Suspense>
        </ConsoleLayout>
    }
}

#[component]
pub fn OrgPage() -> impl IntoView {
    let params = use_params_map();
    let org = Resource::new(move || params.read().get("id").unwrap_or_default(), get_org);
    let url_error = UrlFormError::from_url();
    view! {
        <ConsoleLayout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let url_error = url_error.clone();
                    Suspend::new(async move {
                        match org.await {
                            Ok(org) => Either::Left(view! { <OrgView org url_error/> }),
                            Err(error) => Either::Right(view! {
                                <Title text="Organization · Mailroom"/>
                                <h1>"Organization"</h1>
                                <ErrorNotice error/>
                            }),
                        }
                    })
                }}
            </Suspense>
        </ConsoleLayout>
    }
}

#[component]
fn OrgView(org: OrgDetail, url_error: Option<UrlFormError>) -> impl IntoView {
    let OrgDetail {
        id,
        name,
        members,
        can_manage_members,
    } = org;
    let add_error = UrlFormError::of::<AddOrgMember>(&url_error);
    let remove_error = UrlFormError::of::<RemoveOrgMember>(&url_error);
    let member_rows = members
        .into_iter()
        .map(|(user_id, display_name, username, roles)| {
            let remove = can_manage_members.then(|| view! {
                <details>
                    <summary>"Remove"</summary>
                    <form method="post" action=RemoveOrgMember::url()>
                        <input type="hidden" name="id" value=id.clone()/>
                        <input type="hidden" name="user_id" value=user_id.clone()/>
                        <button type="submit" class="button button-danger">{format!("Confirm: remove {username}")}</button>
                    </form>
                </details>
            });
            view! {
                <tr data-testid="member-row">
                    <td><a href=format!("/users/{user_id}")>{display_name}</a><div class="muted small">{username.clone()}</div></td>
                    <td>{roles.join(", ")}</td>
                    <td>{remove}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=format!("{name} · Mailroom")/>
        <p class="breadcrumb"><a href="/orgs">"Organizations"</a>" / "{name.clone()}</p>
        <h1>{name.clone()}</h1>
        <OrgDone/>
        <p class="muted small">"ID "<code>{id.clone()}</code>" · "<a href=format!("/users?org={id}")>"its users"</a></p>
        <section class="card section" aria-labelledby="members-heading">
            <h2 id="members-heading">"Members"</h2>
            {form_error(remove_error)}
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th scope="col">"Member"</th><th scope="col">"Roles"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                    <tbody>{member_rows}</tbody>
                </table>
            </div>
            {can_manage_members.then(|| view! {
                <h3 class="subheading">"Add a member"</h3>
                {form_error(add_error)}
                <form class="stack" method="post" action=AddOrgMember::url()>
                    <input type="hidden" name="id" value=id.clone()/>
                    <label for="member-user">"Username or user ID"</label>
                    <input id="member-user" name="user" type="text" required/>
                    <fieldset>
                        <legend>"Roles"</legend>
                        {ORG_ROLES.into_iter().enumerate().map(|(i, (role, label))| view! {
                            <label class="choice"><input type="checkbox" name=format!("roles[{i}]") value=role/>" "{label}</label>
                        }).collect_view()}
                    </fieldset>
                    <button type="submit" class="button">"Add member"</button>
                </form>
            })}
        </section>
    }
}
