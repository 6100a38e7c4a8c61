//! `/ui/v2/login/verify?userId=&organization=&code=`: the page the verification mail
//! links to. The GET only shows a form; the code is consumed by its POST, so mail
//! scanners that prefetch links consume nothing. Outcomes are pages of their own
//! (`&result=…`), so the flow works the same without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;

#[cfg(feature = "ssr")]
fn result_url(user_id: &str, result: &str) -> String {
    format!(
        "/ui/v2/login/verify?userId={}&result={result}",
        crate::url::encode(user_id)
    )
}

/// The masked address for the prompt (`None` when there is nothing to verify).
#[server(prefix = "/api", endpoint = "verification_prompt")]
pub async fn verification_prompt(user_id: String) -> Result<Option<String>, AppError> {
    let mailroom = crate::ssr::mailroom()?;
    let user = mailroom_core::ids::UserId::parse_or_nobody(&user_id);
    Ok(mailroom.verification_prompt(user).await?.masked_email)
}

/// Checks the code; answers with a redirect to the outcome page.
#[server(prefix = "/api", endpoint = "verify_email_link")]
pub async fn verify_email_link(user_id: String, code: String) -> Result<(), AppError> {
    use mailroom_core::public_pages::VerifyOutcome;
    let mailroom = crate::ssr::mailroom()?;
    let user = mailroom_core::ids::UserId::parse_or_nobody(&user_id);
    let result = match mailroom.verify_from_link(user, &code).await? {
        VerifyOutcome::Verified { .. } => "verified",
        VerifyOutcome::AlreadyVerified => "already",
        VerifyOutcome::Invalid => "invalid",
    };
    leptos_axum::redirect(&result_url(&user_id, result));
    Ok(())
}

/// "Send me a new code": one answer, whatever became of the request (SPEC §7).
#[server(prefix = "/api", endpoint = "request_new_code")]
pub async fn request_new_code(user_id: String) -> Result<(), AppError> {
    let mailroom = crate::ssr::mailroom()?;
    mailroom
        .new_code_from_link(mailroom_core::ids::UserId::parse_or_nobody(&user_id))
        .await?;
    leptos_axum::redirect(&result_url(&user_id, "sent"));
    Ok(())
}

#[component]
pub fn VerifyPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let verify = ServerAction::<VerifyEmailLink>::new();
    let resend = ServerAction::<RequestNewCode>::new();
    // The outcome is in the URL (the actions redirect), so the body follows it.
    let body = move || {
        let user_id = param("userId");
        let result = param("result");
        match result.as_str() {
        "verified" => view! {
            <h1>"Email address verified"</h1>
            <p class="notice notice-ok" role="status" data-testid="verify-result">"Thank you: your email address is verified. You can close this page."</p>
        }
        .into_any(),
        "already" => view! {
            <h1>"Already verified"</h1>
            <p class="notice notice-ok" role="status" data-testid="verify-result">"This email address is already verified. Nothing else to do."</p>
        }
        .into_any(),
        "invalid" | "sent" => {
            let form_user = user_id.clone();
            view! {
                <h1>"This code is invalid or expired"</h1>
                {match result.as_str() {
                    "sent" => view! { <p class="notice notice-ok" role="status" data-testid="verify-result">"If your address still needs verifying, a new code is on its way. Use the link in the newest mail. (Codes go out at most every half minute.)"</p> }.into_any(),
                    _ => view! { <p class="notice notice-error" role="alert" data-testid="verify-result">"The code is wrong, was already used, or has expired."</p> }.into_any(),
                }}
                <ActionForm action=resend>
                    <input type="hidden" name="user_id" value=user_id.clone()/>
                    <button type="submit" class="button">"Send me a new code"</button>
                </ActionForm>
                <h2>"Or type a code"</h2>
                <CodeForm user_id=form_user code=String::new() verify=verify/>
            }
            .into_any()
        }
        _ => {
            let prompt = Resource::new(move || param("userId"), verification_prompt);
            let code = param("code");
            view! {
                <h1>"Verify your email address"</h1>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        prompt.await.ok().flatten().map(|email| view! {
                            <p data-testid="verify-address">"You are verifying " <strong>{email}</strong>"."</p>
                        })
                    })}
                </Suspense>
                <CodeForm user_id=user_id.clone() code=code verify=verify/>
            }
            .into_any()
        }
    }
    };
    view! {
        <Title text="Verify your email address · Mailroom"/>
        <main id="main" class="auth-page">
            <div class="card auth-card">{body}</div>
        </main>
    }
}

#[component]
fn CodeForm(user_id: String, code: String, verify: ServerAction<VerifyEmailLink>) -> impl IntoView {
    view! {
        <ActionForm action=verify attr:class="stack">
            <input type="hidden" name="user_id" value=user_id/>
            <label for="code">"Verification code"</label>
            <input id="code" name="code" type="text" required maxlength="20" autocomplete="one-time-code" value=code/>
            <button type="submit" class="button">"Verify"</button>
        </ActionForm>
    }
}
