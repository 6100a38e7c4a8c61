//! Builds the application from a `Config`: store, first start, sessions, router,
//! listener. `main` and the integration tests both start the server through here.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRef, Request, State};
use axum::http::{HeaderValue, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use axum::Router;
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use mailroom_app::{shell, App};
use mailroom_core::clock::{Clock, SystemClock};
use mailroom_core::mail::{DevMailbox, SmtpTransport, Transport, Worker, WorkerConfig};
use mailroom_core::Mailroom;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

use crate::api;
use crate::config::Config;
use crate::first_start;
use crate::security;
use crate::sessions::DbSessionStore;

/// What the site routes (pages, server functions, files) share.
#[derive(Clone, FromRef)]
pub struct SiteState {
    pub leptos_options: LeptosOptions,
    pub mailroom: Mailroom,
}

/// Everything the port serves, as one service (`build_service`).
type AppService = tower::util::BoxCloneSyncService<Request, Response, std::convert::Infallible>;

pub struct Application {
    listener: tokio::net::TcpListener,
    service: AppService,
    mailroom: Mailroom,
    address: SocketAddr,
    worker: Option<Worker>,
    /// The bulk jobs' worker, where the outbox worker runs.
    job_worker: Option<mailroom_core::jobs::JobWorker>,
    /// The first start's secrets, for `main` to print (tests read them from here).
    pub bootstrapped: Option<mailroom_core::bootstrap::Bootstrapped>,
    /// Holds the data directory's instance id while serving.
    _instance: first_start::Instance,
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, String> {
        Application::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// As `build`, with a clock that tests can move.
    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Application, String> {
        first_start::secure_data_dir(&config.data_dir)?;
        first_start::ensure_writable_dir(&config.first_pat_path)?;
        let master_key = first_start::load_or_create_master_key(
            config.master_key.clone(),
            &config.master_key_path,
        )?;
        let store =
            mailroom_core::store::open(&config.database_url, config.database_max_connections)
                .await?;
        let settings = config.settings(master_key);
        let mailroom = Mailroom::with_clock(store, settings, clock);
        mailroom
            .listen_for_auth_changes()
            .await
            .map_err(|err| format!("cannot listen for auth changes: {}", err.client_message()))?;
        let transport = mail_transport(&config)?;

        let bootstrapped = mailroom
            .bootstrap(config.admin_password.as_ref().map(|p| p.0.as_str()))
            .await
            .map_err(|err| {
                format!(
                    "first start failed: {}",
                    err.internal_cause().unwrap_or(&err.client_message())
                )
            })?;
        if let Some(first) = &bootstrapped {
            first_start::write_secret_file(
                &config.first_pat_path,
                &format!("{}\n", first.api_admin_token),
            )?;
        }

        // Mails written before sealing lose their plaintext codes before anything runs.
        mailroom
            .seal_plaintext_mails()
            .await
            .map_err(|err| format!("cannot seal stored mails: {}", err.client_message()))?;
        // Mails this process had claimed when it stopped (a crash, a kill) are due
        // again now rather than when their lease ends.
        let instance = first_start::claim_instance_id(&config.data_dir.join("instance.id"))?;
        if config.worker_enabled {
            let handed_back = mailroom
                .reclaim_own_mails(&instance.id)
                .await
                .map_err(|err| format!("cannot reclaim mails: {}", err.client_message()))?;
            if handed_back > 0 {
                tracing::info!(
                    mails = handed_back,
                    "handed back the mails claimed before the last stop"
                );
            }
        }
        spawn_sweeper(mailroom.clone(), Duration::from_secs(60));
        let sessions = DbSessionStore::new(mailroom.clone());

        let listener = tokio::net::TcpListener::bind(config.site_addr)
            .await
            .map_err(|err| format!("cannot listen on {}: {err}", config.site_addr))?;
        let address = listener.local_addr().map_err(|err| err.to_string())?;

        let leptos_options = LeptosOptions::builder()
            .output_name(crate::assets::output_name(&config.site_root))
            .site_root(config.site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .site_addr(address)
            .build();
        let service = build_service(
            SiteState {
                leptos_options,
                mailroom: mailroom.clone(),
            },
            sessions,
            config.cookie_secure,
            config.session_idle_secs,
            crate::client_addr::TrustedProxies::new(config.trusted_proxies.clone()),
        );
        let worker = config.worker_enabled.then(|| {
            Worker::new(
                mailroom.clone(),
                transport,
                WorkerConfig {
                    from: config.mail_from.clone(),
                    concurrency: config.smtp_pool_size.max(1) as usize,
                    // A round waits for its slowest mail before it claims again: many
                    // mails per connection keep the connections busy in between.
                    batch: (config.smtp_pool_size.max(1) as u64 * 8).max(50),
                    poll_interval: config.worker_poll,
                    lease_secs: config.mail_lease_secs,
                    owner: instance.id.clone(),
                },
            )
        });
        let job_worker = config.worker_enabled.then(|| {
            mailroom_core::jobs::JobWorker::new(mailroom.clone(), &instance.id, config.worker_poll)
        });
        Ok(Application {
            listener,
            service,
            mailroom,
            address,
            worker,
            job_worker,
            bootstrapped,
            _instance: instance,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn mailroom(&self) -> &Mailroom {
        &self.mailroom
    }

    /// The outbox worker of this process (tests drive it directly).
    pub fn worker(&self) -> Option<&Worker> {
        self.worker.as_ref()
    }

    /// Serves until `shutdown` resolves; in-flight requests finish first, and the
    /// worker stops between mails.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), String> {
        crate::memory::trim_when_idle(crate::memory::PERIOD);
        let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
        let job_worker = self
            .job_worker
            .map(|jobs| tokio::spawn(jobs.run(worker_stopped.clone())));
        let worker = self
            .worker
            .map(|worker| tokio::spawn(worker.run(worker_stopped)));
        // The peer address reaches the handlers (sign-in limits per client address).
        let service = axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(
            self.service,
        );
        // Small writes go out at once: an HTTP/2 answer is several frames (headers,
        // data, trailers), and Nagle's algorithm against the client's delayed ACK
        // would hold each gRPC call ~40 ms.
        let (listener, graceful, deadline) = crate::shutdown::ordered(self.listener, shutdown)
            .map_err(|err| format!("cannot read the listener's address: {err}"))?;
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "cannot set TCP_NODELAY");
            }
        });
        let serve = axum::serve(listener, service)
            .with_graceful_shutdown(graceful)
            .into_future();
        let result = tokio::select! {
            served = serve => served.map_err(|err| format!("server error: {err}")),
            () = deadline => {
                tracing::warn!(grace = ?crate::shutdown::GRACE, "connections still open after the grace period; closing them");
                Ok(())
            }
        };
        let _ = stop_worker.send(true);
        for worker in [worker, job_worker].into_iter().flatten() {
            let _ = worker.await;
        }
        self.mailroom.close().await;
        result
    }
}

/// SMTP when `MAILROOM_SMTP_URL` is set, else the dev mailbox.
pub fn mail_transport(config: &Config) -> Result<Arc<dyn Transport>, String> {
    Ok(match &config.smtp_url {
        Some(url) => Arc::new(SmtpTransport::from_url(&url.0, config.smtp_pool_size)?),
        None => Arc::new(DevMailbox),
    })
}

/// Housekeeping every `period` until the process ends (`Mailroom::sweep`).
fn spawn_sweeper(mailroom: Mailroom, period: Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        loop {
            interval.tick().await;
            if let Err(err) = mailroom.sweep().await {
                tracing::warn!(error = %err, cause = err.internal_cause().unwrap_or_default(), "housekeeping failed");
            }
        }
    });
}

/// The routes and their layers, behind the layers every request passes: request ids,
/// tracing, and the door to gRPC. gRPC and gRPC-web leave for tonic there, before any
/// route is matched, so they skip the routes' layers (cookies, CSRF, compression)
/// and their per-request cost, and tonic's paths cannot collide with the Connect
/// JSON routes of the same name.
fn build_service(
    state: SiteState,
    sessions: DbSessionStore,
    cookie_secure: bool,
    session_idle_secs: i64,
    trusted_proxies: crate::client_addr::TrustedProxies,
) -> AppService {
    let routes = route_list();
    let mailroom = state.mailroom.clone();
    let mailroom_for_grpc = state.mailroom.clone();
    let context = move || {
        leptos::prelude::provide_context(mailroom.clone());
        leptos::prelude::provide_context(mailroom_app::ssr::RequestMemo::default());
    };
    let site = Router::new()
        .route(
            "/mailbox/{id}/preview",
            axum::routing::get(crate::preview::mail_preview),
        )
        .leptos_routes_with_context(&state, routes, context, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(site_fallback)
        .with_state(state.clone())
        .layer(middleware::from_fn(through_the_site))
        .layer(middleware::from_fn(security::require_console_session))
        .layer(sessions.layer(cookie_secure, session_idle_secs))
        .layer(middleware::from_fn(security::reject_cross_site))
        // Server functions and the end-user forms read at most 64 KiB (413 above).
        .layer(middleware::from_fn(security::limit_site_bodies))
        .layer(middleware::from_fn_with_state(
            trusted_proxies,
            crate::client_addr::record_client_addr,
        ));

    // The front end's files, precompressed at build time (scripts/build-site.sh).
    let pkg_dir = std::path::Path::new(state.leptos_options.site_root.as_ref()).join("pkg");
    let pkg = tower::ServiceBuilder::new()
        .layer(middleware::from_fn(crate::assets::cache_control))
        .service(
            tower_http::services::ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        );
    let router = api::router(state.mailroom.clone())
        .merge(site)
        .nest_service("/pkg", pkg);
    let router = router
        // One layer for all default headers (a layer each costs every request a future).
        .layer(middleware::map_response(security::add_default_headers))
        // Dynamic answers of some size (pages, lists) are compressed on the fly.
        .layer(
            tower_http::compression::CompressionLayer::new()
                .compress_when(tower_http::compression::predicate::SizeAbove::new(1024)),
        )
        .layer(middleware::from_fn(crate::metrics::record_request))
        .layer(middleware::from_fn(log_internal_errors));
    let service = tower::ServiceBuilder::new()
        // The trace layer wraps the body; the server wants axum's.
        .map_response(IntoResponse::into_response)
        .layer(SetRequestIdLayer::x_request_id(RandomRequestId))
        .layer(PropagateRequestIdLayer::x_request_id())
        // Spans name the path, never the query: the end-user pages carry codes there.
        .layer(TraceLayer::new_for_http().make_span_with(path_only_span))
        .layer(middleware::from_fn_with_state(
            crate::grpc::Transports::new(mailroom_for_grpc),
            crate::grpc::dispatch,
        ))
        .service(router);
    AppService::new(service)
}

/// The console's routes, found once per process. Finding them runs the app with
/// resource loading switched off for the whole process (leptos_server's global
/// `SuppressResourceLoad`): a page rendered by another server in the same process at
/// that moment (the integration tests run many) would wait forever for its data
/// (leptos issue #4773).
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Unknown paths: JSON 404 under the API prefixes, else a file or the HTML 404 page.
async fn site_fallback(
    uri: Uri,
    State(state): State<SiteState>,
    request: Request<Body>,
) -> Response {
    if api::is_api_path(uri.path()) {
        return api::not_found(&uri);
    }
    let files = leptos_axum::file_and_error_handler::<SiteState, _>(shell);
    files(uri, State(state), request).await.into_response()
}

/// The request span: method and path, without the query string (SPEC §7: request
/// logs never contain the end-user pages' codes).
fn path_only_span(request: &Request) -> tracing::Span {
    tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
}

/// The audit log's door of a site request: the end-user pages' forms, else the
/// console.
async fn through_the_site(request: Request, next: middleware::Next) -> Response {
    use leptos::server_fn::ServerFn;
    use mailroom_app::pages::{init::InitializeAccount, verify};
    use mailroom_core::via::{scope, Via};
    let path = request.uri().path();
    let end_user = [
        verify::VerifyEmailLink::PATH,
        verify::RequestNewCode::PATH,
        InitializeAccount::PATH,
    ]
    .contains(&path);
    scope(
        if end_user { Via::Page } else { Via::Console },
        next.run(request),
    )
    .await
}

/// Logs the hidden cause of a 500 with the request id that the client sees.
async fn log_internal_errors(request: Request, next: middleware::Next) -> Response {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if let Some(cause) = response
        .extensions_mut()
        .remove::<api::error::InternalCause>()
    {
        tracing::error!(%request_id, %method, %path, cause = %cause.0, "request failed");
    }
    response
}

/// A random 128-bit id for every request (`x-request-id`), unless the client sent one.
#[derive(Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id: u128 = rand::random();
        HeaderValue::from_str(&format!("{id:032x}"))
            .ok()
            .map(RequestId::new)
    }
}
