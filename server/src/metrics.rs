//! `GET /metrics` in Prometheus text format: HTTP requests by route and status and
//! gRPC calls by `/{service}/{method}` and `grpc-status`, with latency histograms;
//! outbox depth by status, and delivery counters.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mailroom_core::mail::metrics::COUNTERS;
use mailroom_core::Mailroom;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_secs: f64,
    buckets: [u64; BUCKETS.len()],
}

impl Series {
    fn observe(&mut self, elapsed: f64) {
        self.count += 1;
        self.sum_secs += elapsed;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if elapsed <= *bound {
                self.buckets[i] += 1;
            }
        }
    }
}

/// (method, route, status) → series. A mutex is enough: one short update per request.
#[derive(Default)]
struct Registry {
    /// Route templates and method names, each leaked once, so that a request's key
    /// is built without allocating. Both sets are finite: routes are the router's
    /// templates (or "unmatched"), and methods outside the standard ones count as
    /// "OTHER".
    names: HashSet<&'static str>,
    series: BTreeMap<(&'static str, &'static str, u16), Series>,
    /// (`/{service}/{method}`, grpc-status) → series; paths of methods we do not
    /// serve count as "unknown", so that the label set stays finite.
    grpc: BTreeMap<(&'static str, u16), Series>,
}

impl Registry {
    fn name(&mut self, text: &str) -> &'static str {
        if let Some(name) = self.names.get(text) {
            return name;
        }
        let name: &'static str = Box::leak(text.to_owned().into_boxed_str());
        self.names.insert(name);
        name
    }
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

fn method_name(method: &Method) -> &str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::HEAD,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    if STANDARD.contains(method) {
        method.as_str()
    } else {
        "OTHER"
    }
}

/// Records every request under its route template (never the raw path, so ids do
/// not explode the label set).
pub async fn record_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    if let Ok(mut registry) = registry().lock() {
        let method = registry.name(method_name(&method));
        let route = registry.name(route.as_ref().map_or("unmatched", |r| r.as_str()));
        registry
            .series
            .entry((method, route, status))
            .or_default()
            .observe(elapsed);
    }
    response
}

/// Requests and gRPC calls served so far (`memory` watches it for idle times).
pub fn requests_total() -> u64 {
    registry().lock().map_or(0, |registry| {
        let http: u64 = registry.series.values().map(|s| s.count).sum();
        let grpc: u64 = registry.grpc.values().map(|s| s.count).sum();
        http + grpc
    })
}

/// Records one gRPC call under its method path (only methods we serve, else
/// "unknown") and code.
pub fn record_grpc(path: &'static str, code: u16, elapsed: f64) {
    if let Ok(mut registry) = registry().lock() {
        registry
            .grpc
            .entry((path, code))
            .or_default()
            .observe(elapsed);
    }
}

/// One histogram's lines for a series with these labels.
/// `name` is the family: `{name}s_total` counts, `{name}_duration_seconds` times.
fn write_series(
    counter: &mut String,
    histogram: &mut String,
    name: &str,
    labels: &str,
    s: &Series,
) {
    let _ = writeln!(counter, "{name}s_total{{{labels}}} {}", s.count);
    for (i, bound) in BUCKETS.iter().enumerate() {
        let _ = writeln!(
            histogram,
            "{name}_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
            s.buckets[i]
        );
    }
    let _ = writeln!(
        histogram,
        "{name}_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
        s.count
    );
    let _ = writeln!(
        histogram,
        "{name}_duration_seconds_sum{{{labels}}} {}",
        s.sum_secs
    );
    let _ = writeln!(
        histogram,
        "{name}_duration_seconds_count{{{labels}}} {}",
        s.count
    );
}

pub async fn metrics(State(mailroom): State<Mailroom>) -> Response {
    let mut out = String::new();
    out.push_str("# HELP mailroom_http_requests_total HTTP requests by route and status.\n");
    out.push_str("# TYPE mailroom_http_requests_total counter\n");
    let mut histogram = String::new();
    histogram.push_str(
        "# HELP mailroom_http_request_duration_seconds Request latency by route and status.\n",
    );
    histogram.push_str("# TYPE mailroom_http_request_duration_seconds histogram\n");
    let mut grpc = String::new();
    grpc.push_str("# HELP mailroom_grpc_requests_total gRPC calls by method and grpc-status.\n");
    grpc.push_str("# TYPE mailroom_grpc_requests_total counter\n");
    let mut grpc_histogram = String::new();
    grpc_histogram.push_str(
        "# HELP mailroom_grpc_request_duration_seconds gRPC latency by method and grpc-status.\n",
    );
    grpc_histogram.push_str("# TYPE mailroom_grpc_request_duration_seconds histogram\n");
    if let Ok(registry) = registry().lock() {
        for ((method, route, status), s) in registry.series.iter() {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                route.replace('"', "'")
            );
            write_series(
                &mut out,
                &mut histogram,
                "mailroom_http_request",
                &labels,
                s,
            );
        }
        for ((path, code), s) in registry.grpc.iter() {
            let labels = format!("method=\"{path}\",grpc_status=\"{code}\"");
            write_series(
                &mut grpc,
                &mut grpc_histogram,
                "mailroom_grpc_request",
                &labels,
                s,
            );
        }
    }
    out.push_str(&histogram);
    out.push_str(&grpc);
    out.push_str(&grpc_histogram);

    out.push_str(
        "# HELP mailroom_outbox_mails Outbox rows by status.\n# TYPE mailroom_outbox_mails gauge\n",
    );
    let counts = mailroom.outbox_counts().await.unwrap_or_default();
    for status in mailroom_core::model::MailStatus::ALL {
        let count = counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, c)| *c);
        let _ = writeln!(
            out,
            "mailroom_outbox_mails{{status=\"{}\"}} {count}",
            status.as_db()
        );
    }
    out.push_str("# HELP mailroom_mails_total Delivery results of this process.\n# TYPE mailroom_mails_total counter\n");
    for (result, counter) in [
        ("sent", &COUNTERS.sent),
        ("captured", &COUNTERS.captured),
        ("skipped", &COUNTERS.skipped),
        ("retried", &COUNTERS.retried),
        ("failed", &COUNTERS.failed),
    ] {
        let _ = writeln!(
            out,
            "mailroom_mails_total{{result=\"{result}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    // Zero while writes to one user take turns (see core's `user_queue`): on Postgres
    // a count here means writes in different processes raced instead.
    out.push_str("# HELP mailroom_write_retries_total Writes that found another write to their user first and ran again.\n# TYPE mailroom_write_retries_total counter\n");
    let _ = writeln!(
        out,
        "mailroom_write_retries_total {}",
        mailroom.write_retries()
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
