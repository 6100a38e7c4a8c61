//! `/mailbox`: the outbox — every mail the caller may see, its status, attempts and
//! last error, a preview, and retry. With the dev transport this is where mails land.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{ConsoleLayout, ErrorNotice};
use crate::dto::MailboxPage;
use crate::error::AppError;
use crate::pages::user::{MailTable, RetryMail};

#[server(prefix = "/api", endpoint = "list_mailbox")]
pub async fn list_mailbox(status: String, cursor: String) -> Result<MailboxPage, AppError> {
    use mailroom_core::permissions::Permission;
    let (mailroom, caller) = crate::ssr::caller().await?;
    use mailroom_core::outbox::{parse_cursor, parse_status};
    let status = Some(status.as_str())
        .filter(|s| !s.is_empty())
        .map(parse_status)
        .transpose()?;
    let cursor = Some(cursor.as_str())
        .filter(|c| !c.is_empty())
        .map(parse_cursor)
        .transpose()?;
    let page = mailroom
        .list_mails(&caller, None, status, 50, cursor)
        .await?;
    let now = mailroom.clock().now();
    Ok(MailboxPage {
        mails: page
            .mails
            .iter()
            .map(|m| {
                let can_write = caller.can(Permission::UserWrite, m.org_id);
                crate::dto::convert::mail(m, can_write, now)
            })
            .collect(),
        next_cursor: page.next_cursor.map(|c| c.to_string()),
    })
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let retry = ServerAction::<RetryMail>::new();
    let mails = Resource::new(
        move || (param("status"), param("cursor"), retry.version().get()),
        |(status, cursor, _)| list_mailbox(status, cursor),
    );
    view! {
        <Title text="Mailbox · Mailroom"/>
        <ConsoleLayout>
            <h1>"Mailbox"</h1>
            <form method="get" action="/mailbox" class="filters">
                <div class="field">
                    <label for="status">"Status"</label>
                    <select id="status" name="status">
                        <option value="">"Any"</option>
                        {["queued", "sending", "sent", "captured", "failed", "skipped"].into_iter().map(|s| {
                            view! { <option value=s selected=move || param("status") == s>{s}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button">"Filter"</button>
            </form>
            {move || retry.value().get().map(|r| match r {
                Ok(done) => view! { <p class="notice notice-ok" role="status">{done.message}</p> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
            <Transition fallback=|| view! { <p class="muted">"Loading mails…"</p> }>
                {move || Suspend::new(async move {
                    match mails.await {
                        Ok(page) => {
                            let next = page.next_cursor.clone().map(|cursor| {
                                format!("/mailbox?status={}&cursor={cursor}", param("status"))
                            });
                            view! {
                                <MailTable mails=page.mails retry=retry/>
                                {next.map(|href| view! { <nav class="pagination" aria-label="Pages"><a href=href rel="next">"Older mails"</a></nav> })}
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice error=error/> }.into_any(),
                    }
                })}
            </Transition>
        </ConsoleLayout>
    }
}
