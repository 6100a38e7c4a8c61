//! A machine user's personal access tokens on its page (SPEC §4, second stage): the
//! list (id, created, expires; never a token), a new one shown once with a copy
//! button, and removal, which stops the token at once. The same use cases as the
//! User Service's `AddPersonalAccessToken` and `RemovePersonalAccessToken`.
//!
//! Plain forms: a new token waits for the page that shows it in the session, sealed
//! (`Mailroom::seal_new_token`), and is taken from there once. Only the copy button
//! runs in the browser (a small island), so the section costs the WASM bundle little.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::components::island::{hydrated_marker, UrlFormError};
use crate::components::Time;
use crate::dto::{ActionDone, MachineTokens};
use crate::error::AppError;

/// Where a token made by a plain form post waits for the page that shows it:
/// (owner's id, the token sealed under the master key).
#[cfg(feature = "ssr")]
const NEW_TOKEN_KEY: &str = "new_token";

/// The tokens of `owner` for its page, and a token just made for it by a plain
/// form post (taken from the session: it is shown once).
#[cfg(feature = "ssr")]
pub async fn machine_tokens(
    mailroom: &mailroom_core::Mailroom,
    caller: &mailroom_core::permissions::Caller,
    owner: mailroom_core::ids::UserId,
    can_manage: bool,
) -> Result<MachineTokens, AppError> {
    let new_token = match crate::ssr::session()
        .await?
        .remove::<(i64, String)>(NEW_TOKEN_KEY)
        .await
    {
        Ok(Some((id, sealed))) if id == owner.0 => mailroom.open_new_token(owner, &sealed),
        _ => None,
    };
    Ok(MachineTokens {
        user_id: owner.to_string(),
        tokens: token_rows(mailroom, caller, owner).await?,
        can_manage,
        new_token,
    })
}

#[cfg(feature = "ssr")]
async fn token_rows(
    mailroom: &mailroom_core::Mailroom,
    caller: &mailroom_core::permissions::Caller,
    owner: mailroom_core::ids::UserId,
) -> Result<Vec<crate::dto::TokenRow>, AppError> {
    use crate::dto::convert::when;
    use crate::dto::TokenRow;
    use mailroom_core::tokens::{TokenListing, MAX_TOKEN_PAGE};
    let listing = TokenListing {
        user: Some(owner),
        limit: MAX_TOKEN_PAGE,
        ..TokenListing::default()
    };
    let (tokens, _) = mailroom
        .list_tokens(caller, mailroom_core::target::Api::V2, &listing)
        .await?;
    let now = mailroom.clock().now();
    Ok(tokens
        .into_iter()
        .map(|view| TokenRow {
            id: view.token.id.to_string(),
            created: when(view.token.created_at, now),
            expires: view.token.expires_at.map(|at| when(at, now)),
        })
        .collect())
}

/// A new token for machine user `id`, expiring at the start of `expires` (a date,
/// `YYYY-MM-DD`, UTC) or never. The form's post goes back to the page, which shows
/// the token once; any other client gets it in the answer.
#[server(prefix = "/api", endpoint = "create_token")]
pub async fn create_token(id: String, expires: String) -> Result<ActionDone, AppError> {
    use mailroom_core::clock::Timestamp;
    use mailroom_core::ids::UserId;

    let (mailroom, caller) = crate::ssr::caller().await?;
    let expires_at = match expires.trim() {
        "" => None,
        date => {
            let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|_| crate::ssr::invalid("The expiry must be a date (YYYY-MM-DD)"))?;
            Some(Timestamp::from_datetime(
                day.and_time(chrono::NaiveTime::MIN).and_utc(),
            ))
        }
    };
    let owner = UserId::parse_or_nobody(&id);
    let (_, token, _) = mailroom
        .add_token(&caller, mailroom_core::target::Api::V2, owner, expires_at)
        .await?;
    if crate::ssr::is_form_post() {
        let sealed = mailroom.seal_new_token(owner, &token);
        crate::ssr::session()
            .await?
            .insert(NEW_TOKEN_KEY, (owner.0, sealed))
            .await
            .map_err(|_| AppError::new("internal", "Could not keep the new token"))?;
        leptos_axum::redirect(&format!("/users/{owner}#tokens"));
        return Ok(ActionDone {
            message: String::new(),
            code: None,
        });
    }
    Ok(ActionDone {
        message: "Copy the new token now: it is shown only once.".into(),
        code: Some(token),
    })
}

/// Removes token `token_id` of machine user `id`: it stops working at once.
#[server(prefix = "/api", endpoint = "remove_token")]
pub async fn remove_token(id: String, token_id: String) -> Result<ActionDone, AppError> {
    use mailroom_core::ids::{TokenId, UserId};
    let (mailroom, caller) = crate::ssr::caller().await?;
    let owner = UserId::parse_or_nobody(&id);
    mailroom
        .remove_token(
            &caller,
            mailroom_core::target::Api::V2,
            owner,
            TokenId::parse_or_nobody(&token_id),
        )
        .await?;
    leptos_axum::redirect(&format!("/users/{owner}?done=token-removed#tokens"));
    Ok(ActionDone {
        message: "The token is removed; it no longer works.".into(),
        code: None,
    })
}

/// The tokens section (server HTML): the list, each token behind a confirmed remove,
/// a token just made, and the form for a new one.
#[component]
pub fn TokensSection(tokens: MachineTokens, url_error: Option<UrlFormError>) -> impl IntoView {
    let MachineTokens {
        user_id,
        tokens,
        can_manage,
        new_token,
    } = tokens;
    let error = UrlFormError::of::<CreateToken>(&url_error)
        .or_else(|| UrlFormError::of::<RemoveToken>(&url_error));
    let rows = if tokens.is_empty() {
        Either::Left(view! { <p class="muted">"No tokens."</p> })
    } else {
        let rows = tokens
            .into_iter()
            .map(|row| {
                let remove = can_manage.then(|| view! {
                    <details>
                        <summary>{format!("Remove token {}", row.id)}</summary>
                        <form method="post" action=RemoveToken::url()>
                            <input type="hidden" name="id" value=user_id.clone()/>
                            <input type="hidden" name="token_id" value=row.id.clone()/>
                            <button type="submit" class="button button-danger">"Confirm: remove"</button>
                        </form>
                    </details>
                });
                let expires = match row.expires {
                    Some(at) => Either::Left(view! { <Time at/> }),
                    None => Either::Right(view! { <span class="muted">"never"</span> }),
                };
                view! {
                    <tr data-testid="token-row">
                        <td><code>{row.id}</code></td>
                        <td><Time at=row.created/></td>
                        <td>{expires}</td>
                        <td>{remove}</td>
                    </tr>
                }
            })
            .collect_view();
        Either::Right(view! {
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <th scope="col">"Token ID"</th><th scope="col">"Created"</th><th scope="col">"Expires"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    };
    view! {
        {new_token.map(|token| view! {
            <div class="notice notice-ok" role="status" data-testid="new-token">
                <p>"The new token. Copy it now: it is shown only once."</p>
                <div class="inline-form">
                    <label for="new-token-value" class="sr-only">"New token"</label>
                    <input id="new-token-value" class="code" type="text" readonly value=token size="48"/>
                    <CopyButton target="new-token-value".to_owned()/>
                </div>
            </div>
        })}
        {error.map(|e| view! { <p class="notice notice-error" role="alert" data-testid="token-error">{e.message}</p> })}
        {rows}
        {can_manage.then(|| view! {
            <form class="inline-form" method="post" action=CreateToken::url()>
                <input type="hidden" name="id" value=user_id.clone()/>
                <div class="field">
                    <label for="token-expires">"Expires (optional, UTC)"</label>
                    <input id="token-expires" name="expires" type="date"/>
                </div>
                <button type="submit" class="button">"Create token"</button>
            </form>
        })}
    }
}

/// Copies the value of the input `target` to the clipboard; shown only where the
/// page runs JavaScript.
#[island]
fn CopyButton(target: String) -> impl IntoView {
    let ready = RwSignal::new(false);
    Effect::new(move || ready.set(true));
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let value = document()
                .get_element_by_id(&target)
                .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
                .map(|input| input.value());
            if let Some(value) = value {
                let _ = window().navigator().clipboard().write_text(&value);
                copied.set(true);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &target;
    };
    view! {
        <span data-hydrated=hydrated_marker()>
            {move || ready.get().then(|| view! {
                <button type="button" class="button" on:click=copy.clone()>"Copy"</button>
            })}
            {move || copied.get().then(|| view! { <span data-testid="copied">" Copied."</span> })}
        </span>
    }
}
