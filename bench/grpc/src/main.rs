//! `mailroom-bench-grpc <base-url> <pat> <ids-file> <get|set> <connections> <streams> <seconds>`
//!
//! Opens `connections` HTTP/2 connections (prior knowledge) and keeps `streams` calls
//! in flight on each for `seconds`: `get` is ManagementService.GetHumanEmail, `set`
//! is UserService.SetEmail with a returned code and a new address each time, both on
//! random seeded users (as the wrk scripts do over REST). Prints one JSON line:
//! requests per second, p50 and p99 in milliseconds, and the calls that failed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use mailroom_server::grpc::pb::zitadel::management::v1 as mgmt;
use mailroom_server::grpc::pb::zitadel::management::v1::management_service_client::ManagementServiceClient;
use mailroom_server::grpc::pb::zitadel::user::v2 as user;
use mailroom_server::grpc::pb::zitadel::user::v2::user_service_client::UserServiceClient;

type Channel = Client<HttpConnector, tonic::body::Body>;

fn request<T>(pat: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {pat}").parse().expect("token"),
    );
    request
}

struct Run {
    origin: tonic::codegen::http::Uri,
    pat: String,
    ids: Vec<String>,
    set: bool,
    until: Instant,
    counter: AtomicU64,
    errors: AtomicU64,
}

/// One stream's loop: calls until the end, returning each call's latency.
async fn stream(run: Arc<Run>, channel: Channel) -> Vec<Duration> {
    let mut latencies = Vec::new();
    let mut management = ManagementServiceClient::with_origin(channel.clone(), run.origin.clone());
    let mut users = UserServiceClient::with_origin(channel, run.origin.clone());
    while Instant::now() < run.until {
        let id = run.ids[rand::random::<usize>() % run.ids.len()].clone();
        let started = Instant::now();
        let ok = if run.set {
            let n = run.counter.fetch_add(1, Ordering::Relaxed);
            let message = user::SetEmailRequest {
                user_id: id,
                email: format!("g{n}@bench.test"),
                verification: Some(user::set_email_request::Verification::ReturnCode(
                    user::ReturnEmailVerificationCode {},
                )),
            };
            users.set_email(request(&run.pat, message)).await.is_ok()
        } else {
            let message = mgmt::GetHumanEmailRequest { user_id: id };
            management
                .get_human_email(request(&run.pat, message))
                .await
                .is_ok()
        };
        latencies.push(started.elapsed());
        if !ok {
            run.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    latencies
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 8 {
        eprintln!("usage: mailroom-bench-grpc <base-url> <pat> <ids-file> <get|set> <connections> <streams> <seconds>");
        std::process::exit(2);
    }
    let ids: Vec<String> = std::fs::read_to_string(&args[3])
        .expect("ids file")
        .lines()
        .map(str::to_owned)
        .collect();
    let connections: usize = args[5].parse().expect("connections");
    let streams: usize = args[6].parse().expect("streams");
    let seconds: u64 = args[7].parse().expect("seconds");
    let started = Instant::now();
    let run = Arc::new(Run {
        origin: args[1].parse().expect("base URL"),
        pat: args[2].clone(),
        ids,
        set: args[4] == "set",
        until: started + Duration::from_secs(seconds),
        counter: AtomicU64::new(rand::random::<u32>() as u64 * 1_000_000),
        errors: AtomicU64::new(0),
    });
    let mut tasks = Vec::new();
    for _ in 0..connections {
        // A client of its own per connection: each opens one HTTP/2 connection.
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let channel: Channel = Client::builder(TokioExecutor::new())
            .http2_only(true)
            .build(connector);
        for _ in 0..streams {
            tasks.push(tokio::spawn(stream(run.clone(), channel.clone())));
        }
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("stream"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    println!(
        "{{\"rps\": {:.1}, \"p50\": {:.3}, \"p99\": {:.3}, \"errors\": {}}}",
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        run.errors.load(Ordering::Relaxed)
    );
}
