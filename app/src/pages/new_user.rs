//! `/users/new`: a human (profile, email, then an invitation, an initial password or
//! the address marked verified) or a machine user, through the same use cases as the
//! Management API's `users/human` and `users/machine`, in an org the caller may
//! write users of.

// A server function takes a form's fields as its arguments, one each.
#![allow(clippy::too_many_arguments)]

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::components::island::{dispatch_on_submit, hydrated_marker, UrlFormError};
use crate::components::{ConsoleLayout, ErrorNotice};
use crate::error::AppError;

/// The orgs the caller may create users in: (id, name).
#[server(prefix = "/api", endpoint = "new_user_orgs")]
pub async fn new_user_orgs() -> Result<Vec<(String, String)>, AppError> {
    use mailroom_core::permissions::Permission;
    let (mailroom, caller) = crate::ssr::caller().await?;
    let orgs = crate::ssr::orgs(&mailroom).await?;
    Ok(orgs
        .into_iter()
        .filter(|org| caller.can(Permission::UserWrite, org.id))
        .map(|org| (org.id.to_string(), org.name))
        .collect())
}

/// Creates the user and goes to its page. `kind` is `human` or `machine`; a human's
/// `mode` is `invite` (the initialization mail: the user sets a password from its
/// link), `password` (this initial password; the address gets a verification
/// mail) or `verified` (the address marked verified).
#[server(prefix = "/api", endpoint = "create_user")]
pub async fn create_user(
    kind: String,
    org: String,
    username: String,
    given_name: String,
    family_name: String,
    email: String,
    mode: String,
    password: String,
    name: String,
    description: String,
) -> Result<(), AppError> {
    use mailroom_core::add_user::NewHuman;
    use mailroom_core::change_email::Verification;
    use mailroom_core::email::EmailAddress;
    use mailroom_core::ids::OrgId;
    use mailroom_core::target::{Api, OrgContext};
    use mailroom_core::verification::CodeDelivery;

    let (mailroom, caller) = crate::ssr::caller().await?;
    // An org that is no id names none (answered as an unknown org).
    let context = OrgId::parse(&org).map_or(OrgContext::NoSuchOrg, OrgContext::Org);
    let required = |value: &str, what: &str| {
        if value.trim().is_empty() {
            Err(crate::ssr::invalid(format!("{what} is required")))
        } else {
            Ok(value.trim().to_owned())
        }
    };
    let (created, done) = if kind == "machine" {
        let username = required(&username, "A username")?;
        let name = required(&name, "A name")?;
        let created = mailroom
            .add_machine(&caller, context, &username, &name, description.trim())
            .await?;
        (created, "created")
    } else {
        let email = EmailAddress::parse(email.trim())?;
        let given_name = required(&given_name, "A given name")?;
        let family_name = required(&family_name, "A family name")?;
        let (password, verification, done) = match mode.as_str() {
            "password" => (
                Some(password),
                Verification::Code(CodeDelivery::Mail { url_template: None }),
                "created",
            ),
            "verified" => (None, Verification::Verified, "created"),
            _ => (
                None,
                Verification::Code(CodeDelivery::Mail { url_template: None }),
                "invited",
            ),
        };
        let username = match username.trim() {
            "" => email.as_str().to_owned(),
            chosen => chosen.to_owned(),
        };
        let human = NewHuman {
            user_id: None,
            org: None,
            username,
            given_name,
            family_name,
            nick_name: String::new(),
            display_name: String::new(),
            preferred_language: String::new(),
            email,
            password,
        };
        let created = mailroom
            .add_human(&caller, Api::V1(context), human, verification)
            .await?;
        (created, done)
    };
    leptos_axum::redirect(&format!("/users/{}?done={done}", created.user_id));
    Ok(())
}

#[component]
pub fn NewUserPage() -> impl IntoView {
    let orgs = Resource::new(|| (), |_| new_user_orgs());
    let url_error = UrlFormError::of::<CreateUser>(&UrlFormError::from_url());
    view! {
        <Title text="New user · Mailroom"/>
        <ConsoleLayout>
            <p class="breadcrumb"><a href="/users">"Users"</a>" / new"</p>
            <h1>"New user"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    let url_error = url_error.clone();
                    Suspend::new(async move {
                        match orgs.await {
                            Ok(orgs) if orgs.is_empty() => Either::Left(view! {
                                <p class="notice notice-error" role="alert">"You may not create users in any organization."</p>
                            }),
                            Ok(orgs) => Either::Right(Either::Left(view! {
                                <NewUserForm url_error>
                                    <NewUserFields orgs/>
                                </NewUserForm>
                            })),
                            Err(error) => Either::Right(Either::Right(view! { <ErrorNotice error/> })),
                        }
                    })
                }}
            </Suspense>
        </ConsoleLayout>
    }
}

/// The form: posted in place with JavaScript (an error keeps what was typed), a plain
/// form post without. Its fields are server HTML passed in (`children`): they cost
/// the WASM bundle nothing.
#[island]
fn NewUserForm(url_error: Option<AppError>, children: Children) -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let error = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| url_error.clone())
    };
    view! {
        <div data-hydrated=hydrated_marker()>
            <form class="stack card" method="post" action=CreateUser::url() on:submit=dispatch_on_submit(create)>
                {children()}
                {move || error().map(|error| view! {
                    <p class="notice notice-error" role="alert" data-testid="new-user-error">{error.message}</p>
                })}
                <button type="submit" class="button" disabled=move || create.pending().get()>"Create user"</button>
            </form>
        </div>
    }
}

#[component]
fn NewUserFields(orgs: Vec<(String, String)>) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"Kind"</legend>
            <label class="choice"><input type="radio" name="kind" value="human" checked/>" a person (human)"</label>
            <label class="choice"><input type="radio" name="kind" value="machine"/>" a machine user (an API client with tokens)"</label>
        </fieldset>
        <label for="new-org">"Organization"</label>
        <select id="new-org" name="org">
            {orgs.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
        </select>
        <label for="new-username">"Username"</label>
        <input id="new-username" name="username" type="text" autocomplete="off" aria-describedby="new-username-hint"/>
        <p class="small muted" id="new-username-hint">"A person's defaults to the email address."</p>
        <fieldset>
            <legend>"A person"</legend>
            <div class="stack">
                <label for="new-given">"Given name"</label>
                <input id="new-given" name="given_name" type="text" autocomplete="off"/>
                <label for="new-family">"Family name"</label>
                <input id="new-family" name="family_name" type="text" autocomplete="off"/>
                <label for="new-email">"Email"</label>
                <input id="new-email" name="email" type="email" autocomplete="off"/>
                <fieldset>
                    <legend>"Then"</legend>
                    <label class="choice"><input type="radio" name="mode" value="invite" checked/>" send an invitation (the user sets a password from the mail's link)"</label>
                    <label class="choice"><input type="radio" name="mode" value="password"/>" set this initial password, and mail a verification code:"</label>
                    <label for="new-password" class="sr-only">"Initial password"</label>
                    <input id="new-password" name="password" type="password" autocomplete="new-password" minlength="8" placeholder="Initial password (at least 8 characters)"/>
                    <label class="choice"><input type="radio" name="mode" value="verified"/>" mark the address verified"</label>
                </fieldset>
            </div>
        </fieldset>
        <fieldset>
            <legend>"A machine user"</legend>
            <div class="stack">
                <label for="new-name">"Name"</label>
                <input id="new-name" name="name" type="text" autocomplete="off"/>
                <label for="new-description">"Description"</label>
                <input id="new-description" name="description" type="text" autocomplete="off"/>
            </div>
        </fieldset>
    }
}
