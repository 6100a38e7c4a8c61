//! `/users/{id}`: the email panel with every action of SPEC §4, the mails sent to
//! the user, and the audit log.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::island::{dispatch_on_submit, hydrated_marker, UrlFormError};
use crate::components::{ConsoleLayout, EmailBadge, ErrorNotice, Time};
use crate::dto::{ActionDone, AuditEntry, EmailPanel, EmailStatus, MailSummary, UserDetail};
use crate::error::AppError;

/// One user the caller may read, with codes, mails and one page of its audit log
/// (`event_type`: only that type; `before`: events older than that sequence).
#[server(prefix = "/api", endpoint = "get_user_detail")]
pub async fn get_user_detail(
    id: String,
    event_type: String,
    before: String,
) -> Result<UserDetail, AppError> {
    use crate::dto::convert;
    use mailroom_core::change::event;
    use mailroom_core::console::LogPage;
    use mailroom_core::ids::UserId;

    let (mailroom, caller) = crate::ssr::caller().await?;
    let log = LogPage {
        event_type: event::ALL
            .into_iter()
            .find(|t| *t == event_type)
            .map(str::to_owned),
        before: before.parse().ok(),
    };
    let page = mailroom
        .user_page(&caller, UserId::parse_or_nobody(&id), &log)
        .await?;
    let orgs = crate::ssr::orgs(&mailroom).await?;
    let now = page.panel.now;
    let user = &page.user;
    let field = |get: fn(&mailroom_core::model::Human) -> &String| {
        user.human().map(|h| get(h).clone()).unwrap_or_default()
    };
    let can_write = page.panel.can_write;
    Ok(UserDetail {
        summary: convert::summary(user, &orgs, convert::panel_state(&page.panel)),
        given_name: field(|h| &h.given_name),
        family_name: field(|h| &h.family_name),
        preferred_language: field(|h| &h.preferred_language),
        created_at: convert::when(user.created_at, now),
        changed_at: convert::when(user.changed_at, now),
        sequence: user.change_sequence.to_string(),
        mails: page
            .mails
            .iter()
            .map(|m| convert::mail(m, can_write, now))
            .collect(),
        events: page
            .events
            .iter()
            .map(|e| convert::audit_entry(e, user, &page.actors, now))
            .collect(),
        older_than: page
            .older_events
            .then(|| page.events.last().map(|e| e.sequence.to_string()))
            .flatten(),
        event_types: event::ALL.into_iter().map(str::to_owned).collect(),
        tokens: match user.kind {
            mailroom_core::model::UserKind::Machine(_) => Some(
                crate::pages::tokens::machine_tokens(&mailroom, &caller, user.id, page.may_change)
                    .await?,
            ),
            mailroom_core::model::UserKind::Human(_) => None,
        },
        email: convert::email_panel(&page.panel),
        lifecycle: page
            .lifecycle
            .iter()
            .filter_map(|action| LIFECYCLE.iter().find(|l| l.action() == *action))
            .map(|l| l.key.to_owned())
            .collect(),
    })
}

/// A lifecycle change as the user page offers it: its form value, its button, what it
/// does, and what the page says once it is done.
struct LifecycleChange {
    key: &'static str,
    label: &'static str,
    explains: &'static str,
    done: &'static str,
}

const LIFECYCLE: [LifecycleChange; 5] = [
    LifecycleChange {
        key: "deactivate",
        label: "Deactivate",
        explains: "The user can no longer sign in or use its tokens, until reactivated.",
        done: "The user is deactivated.",
    },
    LifecycleChange {
        key: "reactivate",
        label: "Reactivate",
        explains: "The user can sign in and use its tokens again.",
        done: "The user is active again.",
    },
    LifecycleChange {
        key: "lock",
        label: "Lock",
        explains: "The user can no longer sign in or use its tokens, until unlocked.",
        done: "The user is locked.",
    },
    LifecycleChange {
        key: "unlock",
        label: "Unlock",
        explains: "The user can sign in and use its tokens again.",
        done: "The user is unlocked.",
    },
    LifecycleChange {
        key: "delete",
        label: "Delete",
        explains: "The user is removed for good: it can no longer sign in, its tokens stop working, and the API answers as for an unknown user. Its audit log is kept.",
        done: "The user is deleted.",
    },
];

#[cfg(feature = "ssr")]
impl LifecycleChange {
    fn action(&self) -> mailroom_core::user_state::Lifecycle {
        use mailroom_core::user_state::{Lifecycle, StateChange};
        match self.key {
            "deactivate" => Lifecycle::State(StateChange::Deactivate),
            "reactivate" => Lifecycle::State(StateChange::Reactivate),
            "lock" => Lifecycle::State(StateChange::Lock),
            "unlock" => Lifecycle::State(StateChange::Unlock),
            _ => Lifecycle::Delete,
        }
    }
}

/// Deactivate, reactivate, lock, unlock or delete (`change` is a `LIFECYCLE` key):
/// the same use cases and checks as the User Service's methods. A plain form post
/// comes back to the page with what was done (a deleted user's page: the list).
#[server(prefix = "/api", endpoint = "change_lifecycle")]
pub async fn change_lifecycle(id: String, change: String) -> Result<ActionDone, AppError> {
    use mailroom_core::user_state::Lifecycle;

    let (mailroom, caller) = crate::ssr::caller().await?;
    let Some(change) = LIFECYCLE.iter().find(|l| l.key == change) else {
        return Err(crate::ssr::invalid("Unknown lifecycle change"));
    };
    let user = user_id(&id);
    match change.action() {
        Lifecycle::State(to) => {
            mailroom.change_user_state(&caller, user, to).await?;
            leptos_axum::redirect(&format!("/users/{user}?done={}", change.key));
        }
        Lifecycle::Delete => {
            mailroom.delete_user(&caller, user).await?;
            leptos_axum::redirect("/users?done=delete");
        }
    }
    Ok(ActionDone {
        message: change.done.to_owned(),
        code: None,
    })
}

/// The email panel alone: what the panel re-reads after each of its actions.
#[server(prefix = "/api", endpoint = "get_email_panel")]
pub async fn get_email_panel(id: String) -> Result<EmailPanel, AppError> {
    let (mailroom, caller) = crate::ssr::caller().await?;
    let panel = mailroom
        .email_panel(&caller, mailroom_core::ids::UserId::parse_or_nobody(&id))
        .await?;
    Ok(crate::dto::convert::email_panel(&panel))
}

/// Change email: `mode` is `send` (verification mail), `verified` (mark verified) or
/// `return` (show the code once).
#[server(prefix = "/api", endpoint = "change_email")]
pub async fn change_email(id: String, email: String, mode: String) -> Result<ActionDone, AppError> {
    use mailroom_core::change_email::Verification;
    use mailroom_core::email::EmailAddress;
    use mailroom_core::target::Api;
    use mailroom_core::verification::CodeDelivery;

    let (mailroom, caller) = crate::ssr::caller().await?;
    let address = EmailAddress::parse(email.trim())?;
    let verification = match mode.as_str() {
        "verified" => Verification::Verified,
        "return" => Verification::Code(CodeDelivery::Return),
        _ => Verification::Code(CodeDelivery::Mail { url_template: None }),
    };
    let result = mailroom
        .change_email(&caller, Api::V2, user_id(&id), &address, &verification)
        .await?;
    let message = match mode.as_str() {
        "verified" => format!("The address is now {address}, marked verified."),
        "return" => {
            format!("The address is now {address}. Give the user this code; it is shown only once.")
        }
        _ => format!("The address is now {address}. A verification mail is on its way."),
    };
    Ok(ActionDone {
        message,
        code: result.code.map(|c| c.as_str().to_owned()),
    })
}

/// The id in a form or path; text that is no id names nobody (answered as unknown).
#[cfg(feature = "ssr")]
fn user_id(text: &str) -> mailroom_core::ids::UserId {
    mailroom_core::ids::UserId::parse_or_nobody(text)
}

/// Marks the current address verified.
#[server(prefix = "/api", endpoint = "mark_verified")]
pub async fn mark_verified(id: String) -> Result<ActionDone, AppError> {
    let (mailroom, caller) = crate::ssr::caller().await?;
    mailroom.mark_email_verified(&caller, user_id(&id)).await?;
    Ok(ActionDone {
        message: "The address is marked verified.".into(),
        code: None,
    })
}

/// Sends a new verification code (`resend` = only when one was sent before).
#[server(prefix = "/api", endpoint = "send_code")]
pub async fn send_code(id: String, resend: bool) -> Result<ActionDone, AppError> {
    use mailroom_core::email_codes::CodeRequest;
    use mailroom_core::target::Api;
    use mailroom_core::verification::CodeDelivery;
    let (mailroom, caller) = crate::ssr::caller().await?;
    let delivery = CodeDelivery::Mail { url_template: None };
    let request = if resend {
        CodeRequest::Again(delivery)
    } else {
        CodeRequest::New(delivery)
    };
    mailroom
        .send_email_code(&caller, Api::V2, user_id(&id), &request)
        .await?;
    Ok(ActionDone {
        message: "A new verification code is on its way; earlier codes no longer work.".into(),
        code: None,
    })
}

/// Re-sends the initialization mail, optionally to a corrected address.
#[server(prefix = "/api", endpoint = "resend_init")]
pub async fn resend_init(id: String, email: String) -> Result<ActionDone, AppError> {
    let (mailroom, caller) = crate::ssr::caller().await?;
    let address = match email.trim() {
        "" => None,
        other => Some(mailroom_core::email::EmailAddress::parse(other)?),
    };
    mailroom
        .resend_initialization(
            &caller,
            mailroom_core::target::Api::V2,
            user_id(&id),
            address.as_ref(),
        )
        .await?;
    Ok(ActionDone {
        message: "A new initialization mail is on its way.".into(),
        code: None,
    })
}

/// Queues a failed mail again.
#[server(prefix = "/api", endpoint = "retry_mail")]
pub async fn retry_mail(mail_id: String) -> Result<ActionDone, AppError> {
    let (mailroom, caller) = crate::ssr::caller().await?;
    mailroom
        .retry_mail(
            &caller,
            mailroom_core::ids::MailId::parse_or_nobody(&mail_id),
        )
        .await?;
    Ok(ActionDone {
        message: "The mail is queued again.".into(),
        code: None,
    })
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let query = leptos_router::hooks::use_query_map();
    let retry = ServerAction::<RetryMail>::new();
    let user = Resource::new(
        // One signal read at a time: a read guard held while another signal is read
        // can deadlock the reactive graph under concurrent rendering.
        move || {
            let from_query = |key: &str| query.with(|q| q.get(key).unwrap_or_default());
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                from_query("type"),
                from_query("before"),
            )
        },
        |(id, event_type, before)| get_user_detail(id, event_type, before),
    );
    view! {
        <ConsoleLayout>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(user) => view! { <UserView user=user retry=retry/> }.into_any(),
                        Err(error) => view! {
                            <Title text="User · Mailroom"/>
                            <h1>"User"</h1>
                            <ErrorNotice error=error/>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </ConsoleLayout>
    }
}

#[component]
fn UserView(user: UserDetail, retry: ServerAction<RetryMail>) -> impl IntoView {
    let summary = user.summary.clone();
    let title = format!("{} · Mailroom", summary.display_name);
    let url_error = UrlFormError::from_url();
    let lifecycle_error = UrlFormError::of::<ChangeLifecycle>(&url_error);
    view! {
        <Title text=title/>
        <p class="breadcrumb"><a href="/users">"Users"</a>" / "{summary.username.clone()}</p>
        <h1>{summary.display_name.clone()}</h1>
        <DoneNotice/>
        <div class="grid">
            <section class="card" aria-labelledby="email-heading">
                <h2 id="email-heading">"Email"</h2>
                <EmailPanelIsland panel=user.email.clone() url_error=url_error.clone()/>
            </section>
            <section class="card" aria-labelledby="profile-heading">
                <h2 id="profile-heading">"Profile"</h2>
                <dl class="facts">
                    <dt>"Username"</dt><dd>{summary.username.clone()}</dd>
                    <dt>"User ID"</dt><dd><code>{summary.id.clone()}</code></dd>
                    <dt>"Organization"</dt><dd>{summary.org_name.clone()}</dd>
                    <dt>"State"</dt><dd data-testid="user-state">{summary.state.clone()}</dd>
                    <dt>"Language"</dt><dd>{user.preferred_language.clone()}</dd>
                    <dt>"Created"</dt><dd><Time at=user.created_at.clone()/></dd>
                    <dt>"Changed"</dt><dd><Time at=user.changed_at.clone()/>" (sequence "{user.sequence.clone()}")"</dd>
                </dl>
                <Lifecycle id=summary.id.clone() offered=user.lifecycle.clone() error=lifecycle_error/>
            </section>
        </div>
        {user.tokens.clone().map(|tokens| view! {
            <section class="card section" aria-labelledby="tokens-heading" id="tokens">
                <h2 id="tokens-heading">"Personal access tokens"</h2>
                <crate::pages::tokens::TokensSection tokens url_error=url_error.clone()/>
            </section>
        })}
        <section class="card section" aria-labelledby="mails-heading">
            <h2 id="mails-heading">"Mails to this user"</h2>
            <MailTable mails=user.mails.clone() retry=retry/>
        </section>
        <section class="card section" aria-labelledby="log-heading" id="log">
            <h2 id="log-heading">"Audit log"</h2>
            <AuditLog
                user_id=summary.id.clone()
                events=user.events.clone()
                older_than=user.older_than.clone()
                types=user.event_types.clone()
            />
        </section>
    }
}

/// The address, its badge, the live codes and every email action: the one part of
/// the user page that runs in the browser. Each action answers in place and the
/// panel re-reads itself; the mails and the audit log below follow on the next load.
#[island]
fn EmailPanelIsland(panel: EmailPanel, url_error: Option<UrlFormError>) -> impl IntoView {
    let actions = Actions {
        change: ServerAction::new(),
        mark: ServerAction::new(),
        send: ServerAction::new(),
        init: ServerAction::new(),
    };
    let id = panel.user_id.clone();
    let panel = RwSignal::new(panel);
    // After each finished action (versions count them), read the panel again.
    Effect::watch(
        move || actions.versions(),
        move |_, _, _| {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = get_email_panel(id).await {
                    panel.set(fresh);
                }
            });
        },
        false,
    );
    let machine = panel.with_untracked(|p| p.is_machine);
    let can_write = panel.with_untracked(|p| p.can_write);
    view! {
        <div data-hydrated=hydrated_marker()>
            // Either, not into_any: type-erased views cost the WASM bundle kilobytes each.
            {if machine {
                Either::Left(view! { <p class="muted">"Machine users have no email address."</p> })
            } else {
                Either::Right(view! {
                    {move || panel.with(|p| view! {
                        <p class="email-line">
                            <span class="email" data-testid="user-email">{p.email.clone()}</span>" "
                            <EmailBadge status=p.status/>
                        </p>
                        <CodeFacts label="Verification code" code=p.email_code.clone()/>
                        <CodeFacts label="Initialization code" code=p.init_code.clone()/>
                    })}
                    {can_write.then(|| view! { <EmailActions panel=panel actions=actions url_error=url_error/> })}
                })
            }}
        </div>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    change: ServerAction<ChangeEmail>,
    mark: ServerAction<MarkVerified>,
    send: ServerAction<SendCode>,
    init: ServerAction<ResendInit>,
}

impl Actions {
    fn versions(&self) -> usize {
        self.change.version().get()
            + self.mark.version().get()
            + self.send.version().get()
            + self.init.version().get()
    }
}

/// The inline result of an action: its message, a code shown once, or the error
/// (with the time of the next allowed send for rate limits). Before the first
/// dispatch in the browser: the error of a plain form post (`from_url`).
#[component]
fn ActionResult(
    value: Signal<Option<Result<ActionDone, AppError>>>,
    from_url: Option<AppError>,
) -> impl IntoView {
    move || {
        let result = value.get().or_else(|| from_url.clone().map(Err));
        result.map(|result| match result {
            Ok(done) => Either::Left(view! {
                <div class="notice notice-ok" role="status" data-testid="action-result">
                    <p>{done.message}</p>
                    {done.code.map(|code| view! { <p>"Code: " <strong class="code" data-testid="shown-code">{code}</strong></p> })}
                </div>
            }),
            Err(error) => {
                let wait = error.retry_after_secs.map(|secs| {
                    let at = error.retry_at.clone().unwrap_or_default();
                    format!(" The next code can be sent in {secs} seconds (at {at}).")
                });
                Either::Right(view! {
                    <div class="notice notice-error" role="alert" data-testid="action-error">
                        <p>{error.message.clone()}{wait}</p>
                    </div>
                })
            }
        })
    }
}

#[component]
fn CodeFacts(label: &'static str, code: Option<crate::dto::LiveCode>) -> impl IntoView {
    code.map(|code| {
        let state = if code.expired { "expired" } else { "live" };
        view! {
            <p class="small" data-testid="live-code">
                {label}" ("{state}"): sent "<Time at=code.sent_at/>", expires "<Time at=code.expires_at/>
            </p>
        }
    })
}

/// The actions that apply to the user's current state. Each sits behind a
/// `<details>` confirmation. All are rendered once and hidden while they do not
/// apply, so an open block and its result survive the panel's refresh.
#[component]
fn EmailActions(
    panel: RwSignal<EmailPanel>,
    actions: Actions,
    url_error: Option<UrlFormError>,
) -> impl IntoView {
    let Actions {
        change,
        mark,
        send,
        init,
    } = actions;
    let (id, email) = panel.with_untracked(|p| (p.user_id.clone(), p.email.clone()));
    // The forms' children are moved into closures; the id is read from storage there.
    let id = StoredValue::new(id);
    let is_initial = Memo::new(move |_| panel.with(|p| p.is_initial));
    let verified = Memo::new(move |_| panel.with(|p| p.status == EmailStatus::Verified));
    let current_email = move || panel.with(|p| p.email.clone());
    let result = |value: Signal<Option<Result<ActionDone, AppError>>>,
                  from_url: Option<AppError>| {
        view! { <ActionResult value from_url/> }
    };
    view! {
        <div class="actions">
            <details hidden=move || is_initial.get()>
                <summary>"Change email"</summary>
                <form class="stack" method="post" action=ChangeEmail::url() on:submit=dispatch_on_submit(change)>
                    <input type="hidden" name="id" value=id.get_value()/>
                    <label for="new-email">"New address"</label>
                    <input id="new-email" name="email" type="email" required value=email/>
                    <fieldset>
                        <legend>"Then"</legend>
                        <label class="choice"><input type="radio" name="mode" value="send" checked/>" send a verification mail"</label>
                        <label class="choice"><input type="radio" name="mode" value="verified"/>" mark it verified"</label>
                        <label class="choice"><input type="radio" name="mode" value="return"/>" show the code once"</label>
                    </fieldset>
                    <button type="submit" class="button">"Confirm change"</button>
                </form>
                {result(change.value().into(), UrlFormError::of::<ChangeEmail>(&url_error))}
            </details>
            <details hidden=move || is_initial.get() || verified.get()>
                <summary>"Mark verified"</summary>
                <p class="small">"Marks "{current_email}" verified without a code."</p>
                <form method="post" action=MarkVerified::url() on:submit=dispatch_on_submit(mark)>
                    <input type="hidden" name="id" value=id.get_value()/>
                    <button type="submit" class="button">"Confirm: mark verified"</button>
                </form>
                {result(mark.value().into(), UrlFormError::of::<MarkVerified>(&url_error))}
            </details>
            <details hidden=move || is_initial.get()>
                <summary>"Send code"</summary>
                <p class="small">"Sends a new verification code to "{current_email}". Earlier codes stop working."</p>
                <form method="post" action=SendCode::url() on:submit=dispatch_on_submit(send)>
                    <input type="hidden" name="id" value=id.get_value()/>
                    <input type="hidden" name="resend" value="false"/>
                    <button type="submit" class="button">"Confirm: send code"</button>
                </form>
                <form method="post" action=SendCode::url() on:submit=dispatch_on_submit(send)>
                    <input type="hidden" name="id" value=id.get_value()/>
                    <input type="hidden" name="resend" value="true"/>
                    <button type="submit" class="button button-quiet">"Resend the last code instead"</button>
                </form>
                {result(send.value().into(), UrlFormError::of::<SendCode>(&url_error))}
            </details>
            <details hidden=move || !is_initial.get()>
                <summary>"Resend initialization"</summary>
                <form class="stack" method="post" action=ResendInit::url() on:submit=dispatch_on_submit(init)>
                    <input type="hidden" name="id" value=id.get_value()/>
                    <label for="init-email">"Corrected address (optional)"</label>
                    <input id="init-email" name="email" type="email" placeholder=current_email/>
                    <button type="submit" class="button">"Confirm: resend initialization"</button>
                </form>
                {result(init.value().into(), UrlFormError::of::<ResendInit>(&url_error))}
            </details>
        </div>
    }
}

/// What a form just did, from `?done=` (a fixed sentence per key, never text from
/// the URL): a lifecycle change, a new user, a removed token.
#[component]
pub fn DoneNotice() -> impl IntoView {
    const OTHERS: [(&str, &str); 3] = [
        ("created", "The user is created."),
        (
            "invited",
            "The user is created, and the invitation is on its way.",
        ),
        ("token-removed", "The token is removed; it no longer works."),
    ];
    let query = leptos_router::hooks::use_query_map();
    let done = query.read_untracked().get("done").unwrap_or_default();
    let sentence = LIFECYCLE
        .iter()
        .map(|l| (l.key, l.done))
        .chain(OTHERS)
        .find(|(key, _)| *key == done)
        .map(|(_, sentence)| sentence);
    sentence.map(|sentence| {
        view! { <p class="notice notice-ok" role="status" data-testid="done-notice">{sentence}</p> }
    })
}

/// The lifecycle changes the caller may make, each behind a confirmation. Plain
/// forms (server HTML, no island): the post reloads the page.
#[component]
fn Lifecycle(id: String, offered: Vec<String>, error: Option<AppError>) -> impl IntoView {
    if offered.is_empty() {
        return None;
    }
    let changes = LIFECYCLE
        .iter()
        .filter(|l| offered.iter().any(|o| o == l.key))
        .map(|l| {
            view! {
                <details data-testid=format!("lifecycle-{}", l.key)>
                    <summary>{l.label}</summary>
                    <p class="small">{l.explains}</p>
                    <form method="post" action=ChangeLifecycle::url()>
                        <input type="hidden" name="id" value=id.clone()/>
                        <input type="hidden" name="change" value=l.key/>
                        <button type="submit" class=if l.key == "delete" { "button button-danger" } else { "button" }>
                            {format!("Confirm: {}", l.label.to_lowercase())}
                        </button>
                    </form>
                </details>
            }
        })
        .collect_view();
    Some(view! {
        <h3 class="subheading">"Lifecycle"</h3>
        {error.map(|e| view! { <div class="notice notice-error" role="alert" data-testid="lifecycle-error"><p>{e.message}</p></div> })}
        <div class="actions">{changes}</div>
    })
}

#[component]
pub fn MailTable(mails: Vec<MailSummary>, retry: ServerAction<RetryMail>) -> impl IntoView {
    if mails.is_empty() {
        return view! { <p class="muted">"No mails yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th scope="col">"Mail"</th><th scope="col">"To"</th><th scope="col">"Status"</th>
                    <th scope="col">"Attempts"</th><th scope="col">"Created"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {mails.into_iter().map(|mail| {
                        let status_class = format!("badge status-{}", mail.status);
                        let preview = format!("/mailbox/{}/preview", mail.id);
                        view! {
                            <tr data-testid="mail-row">
                                <td>
                                    {if mail.subject.is_empty() { mail.kind.clone() } else { mail.subject.clone() }}
                                    {(!mail.last_error.is_empty()).then(|| view! { <div class="small error-text">{mail.last_error.clone()}</div> })}
                                </td>
                                <td>{mail.to.clone()}</td>
                                <td><span class=status_class data-testid="mail-status">{mail.status.clone()}</span></td>
                                <td>{mail.attempts}</td>
                                <td><Time at=mail.created_at.clone()/></td>
                                <td>
                                    <a href=preview target="_blank" rel="noopener">"Preview"</a>
                                    {mail.can_retry.then(|| view! {
                                        <ActionForm action=retry>
                                            <input type="hidden" name="mail_id" value=mail.id.clone()/>
                                            <button type="submit" class="button button-quiet">"Retry"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The readable audit log: who did what, when, through which door; filtered by
/// type and paginated, newest first; each event's JSON one click away. Links and a
/// GET form: plain HTML.
#[component]
fn AuditLog(
    user_id: String,
    events: Vec<AuditEntry>,
    older_than: Option<String>,
    types: Vec<String>,
) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let (chosen, paged) =
        query.with_untracked(|q| (q.get("type").unwrap_or_default(), q.get("before").is_some()));
    let base = format!("/users/{user_id}");
    let with_type = |mut link: String| {
        if !chosen.is_empty() {
            link.push_str(if link.contains('?') { "&" } else { "?" });
            link.push_str(&format!("type={}", crate::url::encode(&chosen)));
        }
        link + "#log"
    };
    let newest = paged.then(|| with_type(base.clone()));
    let older = older_than.map(|seq| with_type(format!("{base}?before={seq}")));
    let options = types
        .into_iter()
        .map(|t| {
            let selected = t == chosen;
            view! { <option value=t.clone() selected=selected>{t.clone()}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action=format!("{base}#log") class="filters" role="search" aria-label="Audit log">
            <div class="field">
                <label for="log-type">"Event type"</label>
                <select id="log-type" name="type">
                    <option value="" selected=chosen.is_empty()>"All"</option>
                    {options}
                </select>
            </div>
            <button type="submit" class="button">"Filter"</button>
        </form>
        {if events.is_empty() {
            Either::Left(view! { <p class="muted">"No events."</p> })
        } else {
            Either::Right(view! {
                <ul class="audit">
                    {events.into_iter().map(|e| view! {
                        <li data-testid="audit-entry" data-type=e.event_type.clone()>
                            <p class="audit-what">
                                {match e.actor_href {
                                    Some(href) => Either::Left(view! { <a href=href>{e.actor}</a> }),
                                    None => Either::Right(view! { <span>{e.actor}</span> }),
                                }}
                                " "{e.what}
                                {e.expires.map(|at| view! { " (expires "<Time at/>")" })}
                            </p>
                            <p class="muted small">
                                <Time at=e.at relative=true/>
                                {(!e.transport.is_empty()).then(|| view! { " · via "<span data-testid="audit-transport">{e.transport}</span> })}
                                " · #"{e.sequence}
                            </p>
                            <details class="raw">
                                <summary>"JSON"</summary>
                                <pre>{e.raw}</pre>
                            </details>
                        </li>
                    }).collect_view()}
                </ul>
            })
        }}
        <nav class="pagination" aria-label="Audit log pages">
            {newest.map(|href| view! { <a href=href>"Newest"</a> })}
            {older.map(|href| view! { <a href=href rel="next">"Older"</a> })}
        </nav>
    }
}
