//! Bulk sends (SPEC §4, second stage): started from the users list, for the users
//! picked or every user matching its filter; `/jobs` lists them until dismissed and
//! `/jobs/{id}` shows one with its progress (sent / skipped: limited, already done,
//! not allowed / failed), live with JavaScript (a small island that asks again each
//! second) and on reload without.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::island::{hydrated_marker, UrlFormError};
use crate::components::{ConsoleLayout, ErrorNotice, Time};
use crate::dto::JobView;
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn job_view(
    progress: &mailroom_core::jobs::JobProgress,
    now: mailroom_core::clock::Timestamp,
) -> JobView {
    use mailroom_core::jobs::{ItemOutcome, JobKind};
    let count = |outcome| {
        progress
            .outcomes
            .iter()
            .find(|(o, _)| *o == outcome)
            .map_or(0, |(_, n)| *n)
    };
    let job = &progress.job;
    JobView {
        id: job.id.to_string(),
        what: match job.kind {
            JobKind::SendCode => "Send a verification code",
            JobKind::ResendInvite => "Resend the invitation",
        }
        .to_owned(),
        creator: progress.creator.clone(),
        created: crate::dto::convert::when(job.created_at, now),
        total: job.total,
        sent: count(ItemOutcome::Sent),
        limited: count(ItemOutcome::Limited),
        already_done: count(ItemOutcome::AlreadyDone),
        not_allowed: count(ItemOutcome::NotAllowed),
        failed: count(ItemOutcome::Failed),
        pending: progress.pending,
        finished: job.finished_at.is_some(),
        can_dismiss: progress.can_dismiss,
    }
}

/// Starts a job: `action` is `send_code` or `resend_invite`; `scope` is `picked`
/// (the `users` ticked) or `matching` (every user the list's filter matches: `q`,
/// `org`, `state`, `email`, as on `/users`). Goes to the job's page.
#[server(prefix = "/api", endpoint = "start_job")]
pub async fn start_job(
    action: String,
    scope: String,
    #[server(default)] users: Vec<String>,
    #[server(default)] q: String,
    #[server(default)] org: String,
    #[server(default)] state: String,
    #[server(default)] email: String,
) -> Result<(), AppError> {
    use mailroom_core::console::UserFilter;
    use mailroom_core::ids::{OrgId, UserId};
    use mailroom_core::jobs::{JobKind, JobUsers};
    use mailroom_core::model::{EmailGroup, UserState};

    let (mailroom, caller) = crate::ssr::caller().await?;
    let kind = JobKind::parse(&action).ok_or_else(|| crate::ssr::invalid("Choose what to send"))?;
    let users = if scope == "matching" {
        JobUsers::Matching(UserFilter {
            text: Some(q.trim().to_owned()).filter(|q| !q.is_empty()),
            org: OrgId::parse(&org),
            state: UserState::ALL.into_iter().find(|s| s.as_db() == state),
            email_group: EmailGroup::parse(&email),
            offset: 0,
            limit: 0,
        })
    } else {
        JobUsers::Picked(users.iter().map(|id| UserId::parse_or_nobody(id)).collect())
    };
    let id = mailroom.start_job(&caller, kind, users).await?;
    leptos_axum::redirect(&format!("/jobs/{id}"));
    Ok(())
}

/// One job, as its page and its progress island show it.
#[server(prefix = "/api", endpoint = "get_job")]
pub async fn get_job(id: String) -> Result<JobView, AppError> {
    let (mailroom, caller) = crate::ssr::caller().await?;
    let id = mailroom_core::ids::JobId::parse_or_nobody(&id);
    let progress = mailroom.job(&caller, id).await?;
    Ok(job_view(&progress, mailroom.clock().now()))
}

#[server(prefix = "/api", endpoint = "list_jobs")]
pub async fn list_jobs() -> Result<Vec<JobView>, AppError> {
    let (mailroom, caller) = crate::ssr::caller().await?;
    let now = mailroom.clock().now();
    Ok(mailroom
        .jobs(&caller)
        .await?
        .iter()
        .map(|progress| job_view(progress, now))
        .collect())
}

/// Hides a job from the lists; back to `/jobs`.
#[server(prefix = "/api", endpoint = "dismiss_job")]
pub async fn dismiss_job(id: String) -> Result<(), AppError> {
    let (mailroom, caller) = crate::ssr::caller().await?;
    mailroom
        .dismiss_job(&caller, mailroom_core::ids::JobId::parse_or_nobody(&id))
        .await?;
    leptos_axum::redirect("/jobs");
    Ok(())
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let jobs = Resource::new(|| (), |_| list_jobs());
    let dismiss_error = UrlFormError::of::<DismissJob>(&UrlFormError::from_url());
    view! {
        <Title text="Jobs · Mailroom"/>
        <ConsoleLayout>
            <h1>"Jobs"</h1>
            <p class="muted">"Bulk sends started from the "<a href="/users">"users list"</a>", until dismissed."</p>
            {dismiss_error.map(|e| view! { <p class="notice notice-error" role="alert">{e.message}</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match jobs.await {
                        Ok(jobs) if jobs.is_empty() => Either::Left(view! { <p class="muted">"No jobs."</p> }),
                        Ok(jobs) => Either::Right(Either::Left(jobs.into_iter().map(|job| view! {
                            <section class="card section" data-testid="job">
                                <h2 class="subheading"><a href=format!("/jobs/{}", job.id)>{job.what.clone()}</a></h2>
                                <JobFigures job=job.clone()/>
                                <DismissForm job/>
                            </section>
                        }).collect_view())),
                        Err(error) => Either::Right(Either::Right(view! { <ErrorNotice error/> })),
                    }
                })}
            </Suspense>
        </ConsoleLayout>
    }
}

#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    let job = Resource::new(move || params.read().get("id").unwrap_or_default(), get_job);
    view! {
        <Title text="Job · Mailroom"/>
        <ConsoleLayout>
            <p class="breadcrumb"><a href="/jobs">"Jobs"</a>" / job"</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match job.await {
                        Ok(job) => Either::Left(view! {
                            <h1>{job.what.clone()}</h1>
                            <p class="muted small">"Started by "{job.creator.clone()}", "<Time at=job.created.clone()/></p>
                            <JobProgressIsland job=job.clone()/>
                            <DismissForm job/>
                        }),
                        Err(error) => Either::Right(view! { <h1>"Job"</h1><ErrorNotice error/> }),
                    }
                })}
            </Suspense>
        </ConsoleLayout>
    }
}

#[component]
fn DismissForm(job: JobView) -> impl IntoView {
    job.can_dismiss.then(|| {
        view! {
            <form method="post" action=DismissJob::url()>
                <input type="hidden" name="id" value=job.id/>
                <button type="submit" class="button button-quiet">"Dismiss"</button>
            </form>
        }
    })
}

/// The job's progress, asked again each second until it is done.
#[island]
fn JobProgressIsland(job: JobView) -> impl IntoView {
    let shown = RwSignal::new(job);
    #[cfg(feature = "hydrate")]
    {
        fn ask_again(shown: RwSignal<JobView>) {
            if shown.with_untracked(|job| job.finished) {
                return;
            }
            set_timeout(
                move || {
                    leptos::task::spawn_local(async move {
                        if let Ok(fresh) = get_job(shown.with_untracked(|job| job.id.clone())).await
                        {
                            shown.set(fresh);
                        }
                        ask_again(shown);
                    });
                },
                std::time::Duration::from_secs(1),
            );
        }
        Effect::new(move || ask_again(shown));
    }
    view! {
        <div data-hydrated=hydrated_marker()>
            {move || view! { <JobFigures job=shown.get()/> }}
        </div>
    }
}

/// A progress bar and the figures beside it.
#[component]
fn JobFigures(job: JobView) -> impl IntoView {
    let done = job.total - job.pending;
    let skipped = job.limited + job.already_done + job.not_allowed;
    let state = if job.finished { "done" } else { "running" };
    view! {
        <div class="job-figures" data-testid="job-figures" data-state=state>
            <label for=format!("progress-{}", job.id)>{format!("{done} of {} users handled ({state})", job.total)}</label>
            <progress id=format!("progress-{}", job.id) max=job.total value=done></progress>
            <dl class="counts">
                <div data-testid="job-sent"><dt>"Sent"</dt><dd>{job.sent}</dd></div>
                <div data-testid="job-skipped"><dt>"Skipped"</dt><dd>{skipped}</dd></div>
                <div data-testid="job-failed"><dt>"Failed"</dt><dd>{job.failed}</dd></div>
            </dl>
            <p class="small muted" data-testid="job-skips">
                {format!("Skipped: {} over the send limits, {} already verified or set up, {} not allowed.", job.limited, job.already_done, job.not_allowed)}
            </p>
        </div>
    }
}
