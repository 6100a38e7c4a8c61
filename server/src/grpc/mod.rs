//! gRPC and gRPC-web on the API port (SPEC §2 "Binary transports").
//!
//! Requests are told apart by their content type before any path routing, since
//! tonic's paths (`/zitadel.user.v2.UserService/SetEmail`) are also the Connect JSON
//! paths. Each method converts ZITADEL's message into the JSON API's request form,
//! calls the same method function as REST and Connect, and converts the outcome back
//! (`management`, `user_v2`, `org_v2`), so results, events, mails and errors are the
//! same on every transport.

pub mod convert;
mod deadline;
pub(crate) mod management;
pub mod org_v2;
pub mod user_v2;

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use mailroom_core::permissions::Caller;
use mailroom_core::target::OrgContext;
use mailroom_core::via::Via;
use mailroom_core::{Error, Mailroom};
use prost::Message;
use tonic::service::Routes;
use tower::ServiceExt;

use crate::api::auth::{authenticate, ORG_HEADER};

/// The generated messages, servers and clients of `proto/`.
#[allow(clippy::all, missing_docs)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/protos.rs"));
}

/// The compiled descriptors of `proto/` (reflection, the wire-compatibility check).
pub const DESCRIPTORS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptors.bin"));

/// A message over this many bytes is refused with RESOURCE_EXHAUSTED (as REST's 413).
const MAX_MESSAGE_BYTES: usize = crate::api::MAX_BODY_BYTES;

/// What the three services share: the facade, and how a call is opened and answered.
#[derive(Clone)]
pub struct Services {
    mailroom: Mailroom,
}

impl Services {
    /// The caller from the `authorization` metadata and the v1 org from
    /// `x-zitadel-orgid`, with the same answers as over REST.
    async fn open<T>(
        &self,
        request: tonic::Request<T>,
    ) -> Result<(Arc<Caller>, OrgContext, T), tonic::Status> {
        let (metadata, _, message) = request.into_parts();
        let headers = metadata.into_headers();
        let caller = authenticate(&self.mailroom, &headers)
            .await
            .map_err(|err| failure(&err))?;
        Ok((caller, org_context(&headers), message))
    }
}

fn org_context(headers: &HeaderMap) -> OrgContext {
    OrgContext::from_header(headers.get(ORG_HEADER).map(|v| v.as_bytes()))
}

tokio::task_local! {
    /// The `x-request-id` of the call being served, for the log of an internal error.
    static REQUEST_ID: Option<axum::http::HeaderValue>;
}

/// The gRPC status of a failed call; the hidden cause of an internal error is logged
/// with the request id the client sees, never sent.
fn failure(err: &Error) -> tonic::Status {
    if let Some(cause) = err.internal_cause() {
        let request_id = REQUEST_ID
            .try_with(|id| {
                id.as_ref()
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            })
            .unwrap_or_default();
        tracing::error!(%request_id, cause, "gRPC call failed");
    }
    mailroom_wire::grpc::status(err)
}

fn answer<T>(result: Result<T, Error>) -> Result<tonic::Response<T>, tonic::Status> {
    result
        .map(tonic::Response::new)
        .map_err(|err| failure(&err))
}

/// One opened call: the facade, the authenticated caller, the v1 org context of
/// `x-zitadel-orgid` (which v2 methods ignore) and the request message.
pub type Call<'a, T> = (&'a Mailroom, &'a Caller, OrgContext, T);

/// A tonic service from a table of `method(Request) -> Response = function;`. Every
/// call is opened (the caller from `authorization`, the v1 org from
/// `x-zitadel-orgid`) and answered alike; `function(Call)` converts and runs the
/// method, as Connect binary runs it too.
macro_rules! serve {
    ($service:ident for $pb:ident { $($method:ident($req:ident) -> $resp:ident = $call:path;)* }) => {
        #[tonic::async_trait]
        impl $service for $crate::grpc::Services {
            $(
                async fn $method(
                    &self,
                    request: tonic::Request<$pb::$req>,
                ) -> Result<tonic::Response<$pb::$resp>, tonic::Status> {
                    let (caller, org, message) = self.open(request).await?;
                    $crate::grpc::answer($call((&self.mailroom, &caller, org, message)).await)
                }
            )*
        }
    };
}
use serve;

/// The two ways in: gRPC as it is, and gRPC-web translated to it first.
#[derive(Clone)]
pub struct Transports {
    grpc: Router,
    web: Router,
}

impl Transports {
    pub fn new(mailroom: Mailroom) -> Self {
        let services = Services { mailroom };
        let reflection = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(DESCRIPTORS)
        };
        let routes = Routes::new(
            pb::zitadel::management::v1::management_service_server::ManagementServiceServer::new(
                services.clone(),
            )
            .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            pb::zitadel::user::v2::user_service_server::UserServiceServer::new(services.clone())
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(
            pb::zitadel::org::v2::organization_service_server::OrganizationServiceServer::new(
                services,
            )
            .max_decoding_message_size(MAX_MESSAGE_BYTES),
        );
        // Server reflection, in both versions clients ask for (grpcurl, buf curl).
        let routes = match (reflection().build_v1(), reflection().build_v1alpha()) {
            (Ok(v1), Ok(v1alpha)) => routes.add_service(v1).add_service(v1alpha),
            (v1, v1alpha) => {
                // The descriptors are compiled into the binary: this is a build defect.
                tracing::error!(v1 = ?v1.err(), v1alpha = ?v1alpha.err(), "gRPC reflection unavailable");
                routes
            }
        };
        let grpc = routes
            .prepare()
            .into_axum_router()
            .layer(middleware::from_fn(around_call));
        let web = grpc.clone().layer(tonic_web::GrpcWebLayer::new());
        Transports { grpc, web }
    }
}

enum Kind {
    Grpc,
    GrpcWeb,
}

fn kind(headers: &HeaderMap) -> Option<Kind> {
    let content_type = headers.get(header::CONTENT_TYPE)?.as_bytes();
    if content_type.starts_with(b"application/grpc-web") {
        Some(Kind::GrpcWeb)
    } else if content_type.starts_with(b"application/grpc") {
        Some(Kind::Grpc)
    } else {
        None
    }
}

/// Sends gRPC and gRPC-web to tonic, everything else on to the HTTP routes. It sits
/// inside the request-id and tracing layers and outside the cookie, CSRF and
/// compression ones, which gRPC skips.
pub async fn dispatch(
    State(transports): State<Transports>,
    request: Request,
    next: Next,
) -> Response {
    let (router, via) = match kind(request.headers()) {
        Some(Kind::Grpc) => (transports.grpc, Via::Grpc),
        Some(Kind::GrpcWeb) => (transports.web, Via::GrpcWeb),
        None => return next.run(request).await,
    };
    let request_id = request.headers().get("x-request-id").cloned();
    let call = REQUEST_ID.scope(request_id, router.oneshot(request));
    match mailroom_core::via::scope(via, call).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// `/{package}.{Service}/{Method}` of every method served, for the metrics' labels.
fn served_methods() -> &'static HashSet<String> {
    static METHODS: OnceLock<HashSet<String>> = OnceLock::new();
    METHODS.get_or_init(|| {
        let set = prost_types::FileDescriptorSet::decode(DESCRIPTORS).unwrap_or_default();
        let mut methods: HashSet<String> = set
            .file
            .iter()
            .flat_map(|file| {
                file.service.iter().flat_map(move |service| {
                    service.method.iter().map(move |method| {
                        format!("/{}.{}/{}", file.package(), service.name(), method.name())
                    })
                })
            })
            .collect();
        for version in ["v1", "v1alpha"] {
            methods.insert(format!(
                "/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo"
            ));
        }
        methods
    })
}

/// What every call gets on its way through, in one layer (each layer costs a call a
/// boxed future): the client's deadline (`grpc-timeout`), ZITADEL's name for a message
/// over the limit, and the metrics by method and `grpc-status`.
async fn around_call(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = served_methods()
        .get(request.uri().path())
        .map(String::as_str);
    let mut response = match deadline::grpc_timeout(request.headers()) {
        Some(limit) => deadline::within(limit, next.run(request)).await,
        None => next.run(request).await,
    };
    rename_too_large(&mut response);
    // A unary error is answered in the headers (trailers-only); a success carries
    // status 0 in the trailers.
    let code = response
        .headers()
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    crate::metrics::record_grpc(
        method.unwrap_or("unknown"),
        code,
        started.elapsed().as_secs_f64(),
    );
    response
}

/// tonic refuses a message over the limit with OUT_OF_RANGE; SPEC §2 (like REST's
/// 413) calls it RESOURCE_EXHAUSTED. The answer is trailers-only, so the headers hold it.
fn rename_too_large(response: &mut Response) {
    let headers = response.headers_mut();
    let too_large = headers.get("grpc-status").is_some_and(|s| s == "11")
        && headers
            .get("grpc-message")
            .and_then(|m| m.to_str().ok())
            .is_some_and(|m| {
                m.contains("message%20length%20too%20large")
                    || m.contains("message length too large")
            });
    if too_large {
        headers.insert("grpc-status", axum::http::HeaderValue::from_static("8"));
        let message = format!("message larger than {MAX_MESSAGE_BYTES} bytes");
        if let Ok(value) = axum::http::HeaderValue::from_str(&message.replace(' ', "%20")) {
            headers.insert("grpc-message", value);
        }
    }
}
