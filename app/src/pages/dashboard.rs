//! `/`: the dashboard (SPEC §4, second stage). Users by email group and mails by
//! status, each linked to the list it counts; mails per hour over 24 hours and the
//! 7-day verification funnel as server-rendered SVG, each with a table of the same
//! figures beside it. Server HTML only: no island, nothing for the WASM bundle.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{ConsoleLayout, ErrorNotice, Time};
use crate::dto::{Dashboard, Funnel, HourBar};
use crate::error::AppError;

/// The dashboard of the orgs the caller may read.
#[server(prefix = "/api", endpoint = "get_dashboard")]
pub async fn get_dashboard() -> Result<Dashboard, AppError> {
    use mailroom_core::model::{EmailGroup, MailStatus};

    let (mailroom, caller) = crate::ssr::caller().await?;
    let board = mailroom.dashboard(&caller).await?;
    let group_label = |group| match group {
        EmailGroup::Verified => "Verified",
        EmailGroup::Unverified => "Unverified",
        EmailGroup::Pending => "Code pending",
        EmailGroup::Initial => "Initial (not signed up)",
    };
    // The chart stacks statuses in four series: what reached the user, what waits,
    // what failed, what was not sent.
    let series_of = |status| match status {
        MailStatus::Sent | MailStatus::Captured => 0,
        MailStatus::Queued | MailStatus::Sending => 1,
        MailStatus::Failed => 2,
        MailStatus::Skipped => 3,
    };
    let series = [
        ("delivered", "Delivered"),
        ("waiting", "Waiting"),
        ("failed", "Failed"),
        ("skipped", "Skipped"),
    ];
    Ok(Dashboard {
        email_groups: board
            .email_groups
            .iter()
            .map(|(g, n)| (g.as_str().to_owned(), group_label(*g).to_owned(), *n))
            .collect(),
        mail_statuses: board
            .mail_statuses
            .iter()
            .map(|(s, n)| (s.as_db().to_owned(), *n))
            .collect(),
        series: series
            .iter()
            .map(|(key, label)| (key.to_string(), label.to_string()))
            .collect(),
        hours: board
            .hours
            .iter()
            .map(|hour| {
                let mut counts = vec![0; series.len()];
                for (status, n) in &hour.by_status {
                    counts[series_of(*status)] += n;
                }
                HourBar {
                    start: hour.start.to_rfc3339(),
                    label: hour.start.to_datetime().format("%H:00").to_string(),
                    counts,
                }
            })
            .collect(),
        funnel: Funnel {
            sent: board.funnel.sent,
            within_hour: board.funnel.within_hour,
            within_day: board.funnel.within_day,
            verified: board.funnel.verified,
        },
        generated_at: crate::dto::convert::when(board.now, board.now),
    })
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let board = Resource::new(|| (), |_| get_dashboard());
    view! {
        <Title text="Dashboard · Mailroom"/>
        <ConsoleLayout>
            <h1>"Dashboard"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(board) => view! { <DashboardView board/> }.into_any(),
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                    }
                })}
            </Suspense>
        </ConsoleLayout>
    }
}

#[component]
fn DashboardView(board: Dashboard) -> impl IntoView {
    view! {
        <div class="grid">
            <section class="card" aria-labelledby="users-heading">
                <h2 id="users-heading">"Users by email"</h2>
                <dl class="counts">
                    {board.email_groups.into_iter().map(|(key, label, n)| view! {
                        <div data-testid=format!("count-{key}")>
                            <dt>{label}</dt>
                            <dd><a href=format!("/users?email={key}")>{n}</a></dd>
                        </div>
                    }).collect_view()}
                </dl>
            </section>
            <section class="card" aria-labelledby="mails-heading">
                <h2 id="mails-heading">"Mails by status"</h2>
                <dl class="counts">
                    {board.mail_statuses.into_iter().map(|(status, n)| view! {
                        <div data-testid=format!("mails-{status}")>
                            <dt>{status.clone()}</dt>
                            <dd><a href=format!("/mailbox?status={status}")>{n}</a></dd>
                        </div>
                    }).collect_view()}
                </dl>
            </section>
        </div>
        <section class="card section" aria-labelledby="hourly-heading">
            <h2 id="hourly-heading">"Mails per hour, last 24 hours (UTC)"</h2>
            <div class="chart-with-table">
                <MailsChart series=board.series.clone() hours=board.hours.clone()/>
                <MailsTable series=board.series hours=board.hours/>
            </div>
        </section>
        <section class="card section" aria-labelledby="funnel-heading">
            <h2 id="funnel-heading">"Verification funnel, last 7 days"</h2>
            <p class="small muted">"Each user's latest verification code sent in the last 7 days, and how soon the user verified with it."</p>
            <div class="chart-with-table">
                <FunnelChart funnel=board.funnel/>
                <FunnelTable funnel=board.funnel/>
            </div>
        </section>
        <p class="small muted">"As of "<Time at=board.generated_at/></p>
    }
}

const CHART_WIDTH: i64 = 600;
const CHART_HEIGHT: i64 = 160;
const AXIS: i64 = 20;

/// Stacked bars, one per hour. The figures are in the table beside it, so the
/// picture is one image to assistive technology, described by its title.
#[component]
fn MailsChart(series: Vec<(String, String)>, hours: Vec<HourBar>) -> impl IntoView {
    let max = hours
        .iter()
        .map(|h| h.counts.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let total: i64 = hours.iter().flat_map(|h| h.counts.iter()).sum();
    let slot = CHART_WIDTH / hours.len().max(1) as i64;
    let bars = hours
        .iter()
        .enumerate()
        .map(|(i, hour)| {
            let x = i as i64 * slot;
            let mut top = CHART_HEIGHT;
            let rects = hour
                .counts
                .iter()
                .zip(&series)
                .filter(|(n, _)| **n > 0)
                .map(|(n, (key, _))| {
                    let height = (n * CHART_HEIGHT / max).max(1);
                    top -= height;
                    view! {
                        <rect class=format!("bar bar-{key}") x=x + 2 y=top width=slot - 4 height=height/>
                    }
                })
                .collect_view();
            let label = (i % 6 == 0).then(|| {
                view! { <text class="axis-label" x=x y=CHART_HEIGHT + AXIS - 4>{hour.label.clone()}</text> }
            });
            view! { <g>{rects}{label}</g> }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|(key, label)| {
            view! { <li><span class=format!("swatch bar-{key}") aria-hidden="true"></span>{label.clone()}</li> }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {CHART_WIDTH} {}", CHART_HEIGHT + AXIS) role="img" aria-labelledby="hourly-title" data-testid="hourly-chart">
                <title id="hourly-title">{format!("{total} mails in the last 24 hours; the table beside this chart has the figures per hour.")}</title>
                <line class="axis" x1="0" y1=CHART_HEIGHT x2=CHART_WIDTH y2=CHART_HEIGHT/>
                {bars}
            </svg>
            <figcaption><ul class="legend">{legend}</ul></figcaption>
        </figure>
    }
}

#[component]
fn MailsTable(series: Vec<(String, String)>, hours: Vec<HourBar>) -> impl IntoView {
    let busy: Vec<HourBar> = hours
        .into_iter()
        .filter(|h| h.counts.iter().any(|n| *n > 0))
        .collect();
    if busy.is_empty() {
        return view! { <p class="muted" data-testid="hourly-table">"No mails in the last 24 hours."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="hourly-table">
                <caption class="sr-only">"Mails per hour, last 24 hours (UTC)"</caption>
                <thead><tr>
                    <th scope="col">"Hour (UTC)"</th>
                    {series.iter().map(|(_, label)| view! { <th scope="col">{label.clone()}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {busy.into_iter().map(|hour| view! {
                        <tr>
                            <th scope="row"><time datetime=hour.start.clone()>{hour.label.clone()}</time></th>
                            {hour.counts.iter().map(|n| view! { <td>{*n}</td> }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The funnel's steps: (label, users).
fn funnel_steps(funnel: Funnel) -> [(&'static str, i64); 4] {
    [
        ("Codes sent", funnel.sent),
        ("Verified within 1 hour", funnel.within_hour),
        ("Verified within 24 hours", funnel.within_day),
        ("Not verified yet", funnel.sent - funnel.verified),
    ]
}

/// Horizontal bars, each step's share of the codes sent.
#[component]
fn FunnelChart(funnel: Funnel) -> impl IntoView {
    const ROW: i64 = 36;
    const LABEL: i64 = 190;
    let steps = funnel_steps(funnel);
    let base = funnel.sent.max(1);
    let bars = steps
        .iter()
        .enumerate()
        .map(|(i, (label, n))| {
            let y = i as i64 * ROW;
            let width = n * (CHART_WIDTH - LABEL - 60) / base;
            let class = if i == 3 {
                "bar bar-waiting"
            } else {
                "bar bar-delivered"
            };
            view! {
                <g>
                    <text class="axis-label" x="0" y=y + 22>{*label}</text>
                    <rect class=class x=LABEL y=y + 6 width=width.max(1) height=ROW - 12/>
                    <text class="axis-label" x=LABEL + width + 6 y=y + 22>{*n}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {CHART_WIDTH} {}", ROW * 4) role="img" aria-labelledby="funnel-title" data-testid="funnel-chart">
                <title id="funnel-title">{format!("{} codes sent in 7 days, {} verified; the table beside this chart has each step.", funnel.sent, funnel.verified)}</title>
                {bars}
            </svg>
        </figure>
    }
}

#[component]
fn FunnelTable(funnel: Funnel) -> impl IntoView {
    let base = funnel.sent.max(1);
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="funnel-table">
                <caption class="sr-only">"Verification funnel, last 7 days"</caption>
                <thead><tr><th scope="col">"Step"</th><th scope="col">"Users"</th><th scope="col">"Share"</th></tr></thead>
                <tbody>
                    {funnel_steps(funnel).into_iter().map(|(label, n)| view! {
                        <tr><th scope="row">{label}</th><td>{n}</td><td>{format!("{} %", n * 100 / base)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
