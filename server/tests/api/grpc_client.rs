//! A gRPC client for the tests: tonic's generated clients over a plain HTTP/2
//! connection (prior knowledge, as `grpc-go` and `@grpc/grpc-js` use over `http://`),
//! and raw frames for what no well-behaved client sends.

use axum::body::Bytes;
use axum::http;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use mailroom_server::grpc::pb::zitadel::management::v1::management_service_client::ManagementServiceClient;
use mailroom_server::grpc::pb::zitadel::org::v2::organization_service_client::OrganizationServiceClient;
use mailroom_server::grpc::pb::zitadel::user::v2::user_service_client::UserServiceClient;
use prost::bytes::{BufMut, BytesMut};
use prost::Message;
use tonic::metadata::MetadataValue;

use crate::helpers::TestApp;

pub type Channel = Client<HttpConnector, tonic::body::Body>;

/// A raw answer: status, headers, the body's bytes and the trailers.
pub struct RawAnswer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    pub trailers: http::HeaderMap,
}

impl RawAnswer {
    /// `grpc-status` from the trailers, or from the headers (a trailers-only answer).
    pub fn grpc_status(&self) -> Option<i32> {
        self.trailers
            .get("grpc-status")
            .or_else(|| self.headers.get("grpc-status"))
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }
}

/// One length-prefixed gRPC message.
pub fn frame(message: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(message.len() + 5);
    out.put_u8(0);
    out.put_u32(message.len() as u32);
    out.put_slice(message);
    out.freeze()
}

/// A message's frame in a gRPC-web body, and the trailers frame that follows it.
pub struct GrpcWebBody {
    pub messages: Vec<Bytes>,
    pub trailers: Vec<(String, String)>,
}

pub fn parse_grpc_web(mut body: &[u8]) -> GrpcWebBody {
    let mut parsed = GrpcWebBody {
        messages: Vec::new(),
        trailers: Vec::new(),
    };
    while body.len() >= 5 {
        let flag = body[0];
        let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
        let payload = &body[5..5 + len];
        if flag & 0x80 != 0 {
            for line in String::from_utf8_lossy(payload).split("\r\n") {
                if let Some((name, value)) = line.split_once(':') {
                    parsed
                        .trailers
                        .push((name.trim().to_lowercase(), value.trim().to_owned()));
                }
            }
        } else {
            parsed.messages.push(Bytes::copy_from_slice(payload));
        }
        body = &body[5 + len..];
    }
    parsed
}

impl TestApp {
    fn origin(&self) -> http::Uri {
        self.base.parse().expect("base URL")
    }

    pub fn channel(&self) -> Channel {
        Client::builder(TokioExecutor::new())
            .http2_only(true)
            .build_http()
    }

    pub fn user_service(&self) -> UserServiceClient<Channel> {
        UserServiceClient::with_origin(self.channel(), self.origin())
    }

    pub fn management(&self) -> ManagementServiceClient<Channel> {
        ManagementServiceClient::with_origin(self.channel(), self.origin())
    }

    pub fn organizations(&self) -> OrganizationServiceClient<Channel> {
        OrganizationServiceClient::with_origin(self.channel(), self.origin())
    }

    /// Sends a hand-made HTTP/2 request and reads the whole answer.
    pub async fn raw_h2(&self, request: http::request::Builder, body: Bytes) -> RawAnswer {
        let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
            .http2_only(true)
            .build_http();
        let path = request_path(&request).unwrap_or_default();
        let request = request
            .uri(format!("{}{path}", self.base))
            .body(Full::new(body))
            .expect("request");
        let response = client.request(request).await.expect("HTTP/2 exchange");
        let (parts, body) = response.into_parts();
        let collected = body.collect().await.expect("body");
        let trailers = collected.trailers().cloned().unwrap_or_default();
        RawAnswer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: collected.to_bytes(),
            trailers,
        }
    }

    /// A raw gRPC call of `path` with this body.
    pub async fn raw_grpc(&self, path: &str, content_type: &str, body: Bytes) -> RawAnswer {
        let request = http::Request::post(path)
            .header("content-type", content_type)
            .header("te", "trailers")
            .header("authorization", format!("Bearer {}", self.pat));
        self.raw_h2(request, body).await
    }
}

fn request_path(request: &http::request::Builder) -> Option<String> {
    request.uri_ref().map(|u| u.path().to_owned())
}

/// A call with a bearer token and, for v1, an org.
pub fn call<T>(token: &str, org: Option<&str>, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let bearer: MetadataValue<_> = format!("Bearer {token}").parse().expect("token");
    request.metadata_mut().insert("authorization", bearer);
    if let Some(org) = org {
        request
            .metadata_mut()
            .insert("x-zitadel-orgid", org.parse().expect("org"));
    }
    request
}

/// The `zitadel.v1.ErrorDetail` id in a status's `grpc-status-details-bin`.
pub fn detail_id(status: &tonic::Status) -> Option<String> {
    if status.details().is_empty() {
        return None;
    }
    let details = tonic_types::Status::decode(status.details()).expect("google.rpc.Status");
    assert_eq!(details.code, status.code() as i32);
    assert_eq!(details.message, status.message());
    let any = details.details.first()?;
    assert_eq!(any.type_url, "type.googleapis.com/zitadel.v1.ErrorDetail");
    let detail = mailroom_wire::grpc::ErrorDetail::decode(any.value.as_slice()).expect("detail");
    assert_eq!(
        status.message(),
        format!("{} ({})", detail.message, detail.id),
        "grpc-message is \"<message> (<id>)\""
    );
    Some(detail.id)
}

/// A failed call's code, id and message; `id` None: a field error with no detail.
pub fn assert_grpc_error(
    status: &tonic::Status,
    code: tonic::Code,
    id: Option<&str>,
    message: &str,
) {
    assert_eq!(status.code(), code, "{status:?}");
    assert_eq!(detail_id(status).as_deref(), id, "{status:?}");
    assert!(
        status.message().starts_with(message),
        "{:?} should start with {message:?}",
        status.message()
    );
}

/// A bearer token that is no token's (ZITADEL's id and message).
pub fn assert_invalid_token(status: &tonic::Status) {
    let id = Some("AUTH-7fs1e");
    assert_grpc_error(
        status,
        tonic::Code::Unauthenticated,
        id,
        "Errors.Token.Invalid",
    );
}

/// 2099-01-01T00:00:00Z: an expiry in the future of every test.
pub const FAR_FUTURE_SECS: i64 = 4_070_908_800;

pub fn far_future() -> Option<prost_types::Timestamp> {
    let seconds = FAR_FUTURE_SECS;
    Some(prost_types::Timestamp { seconds, nanos: 0 })
}

/// Two answers to the same operation, over REST (JSON) and gRPC, carry the same error.
pub fn assert_same_error(rest: &crate::helpers::Answer, status: &tonic::Status) {
    assert_eq!(
        rest.body["code"].as_i64(),
        Some(status.code() as i64),
        "{}",
        rest.body
    );
    assert_eq!(rest.body["message"].as_str(), Some(status.message()));
    assert_eq!(
        rest.body["details"][0]["id"].as_str().map(str::to_owned),
        detail_id(status)
    );
}

/// A v2 answer's `details.sequence`, as REST prints it.
pub fn seq_v2(details: &Option<mailroom_server::grpc::pb::zitadel::object::v2::Details>) -> String {
    details.as_ref().expect("details").sequence.to_string()
}

pub fn seq_v1(details: &Option<mailroom_server::grpc::pb::zitadel::v1::ObjectDetails>) -> String {
    details.as_ref().expect("details").sequence.to_string()
}
