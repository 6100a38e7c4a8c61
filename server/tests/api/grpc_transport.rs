//! The gRPC door itself (SPEC §2): the error matrix and ZITADEL's details,
//! deadlines, hostile input, gRPC-web over HTTP/1.1, Connect binary, reflection.

use crate::helpers::Fetch;
use std::time::Duration;

use axum::body::Bytes;
use axum::http;
use mailroom_core::permissions::Role;
use mailroom_server::grpc::pb::zitadel::org::v2 as org;
use mailroom_server::grpc::pb::zitadel::user::v2 as user;
use prost::Message;
use serde_json::Value;
use tonic::Code;

use crate::both_backends;
use crate::grpc_client::{
    assert_grpc_error, assert_invalid_token, call, detail_id, frame, parse_grpc_web,
};
use crate::helpers::TestApp;

/// The error matrix: authentication, permission, validation, size, unknown methods.
async fn grpc_errors(app: TestApp) {
    let user_id = app.human("e@example.com", true).await;
    let events_before = app.event_types(user_id).await;
    let set = |email: &str| user::SetEmailRequest {
        user_id: user_id.to_string(),
        email: email.into(),
        verification: None,
    };
    let mut grpc = app.user_service();
    // No authorization metadata.
    let err = grpc
        .set_email(tonic::Request::new(set("x@example.com")))
        .await
        .unwrap_err();
    assert_grpc_error(&err, Code::Unauthenticated, None, "auth header missing");
    // Not a bearer token.
    let mut request = tonic::Request::new(set("x@example.com"));
    request
        .metadata_mut()
        .insert("authorization", "Basic eDp5".parse().unwrap());
    let err = grpc.set_email(request).await.unwrap_err();
    assert_grpc_error(
        &err,
        Code::Unauthenticated,
        Some("AUTH-toLo1"),
        "invalid auth header",
    );
    // A token that is none.
    let err = grpc
        .set_email(call("not-a-token", None, set("x@example.com")))
        .await
        .unwrap_err();
    assert_invalid_token(&err);
    // The same address: FailedPrecondition with ZITADEL's id in the details.
    let err = grpc
        .set_email(call(&app.pat, None, set("e@example.com")))
        .await
        .unwrap_err();
    assert_grpc_error(
        &err,
        Code::FailedPrecondition,
        Some("COMMAND-Uch5e"),
        "Email not changed",
    );
    // A field error names the field and has no detail.
    let err = grpc
        .set_email(call(&app.pat, None, set("")))
        .await
        .unwrap_err();
    assert_grpc_error(
        &err,
        Code::InvalidArgument,
        None,
        "invalid SetEmailRequest.Email: value length must be between 1 and 200 runes, inclusive",
    );
    // isVerified:false
    let err = grpc
        .set_email(call(
            &app.pat,
            None,
            user::SetEmailRequest {
                verification: Some(user::set_email_request::Verification::IsVerified(false)),
                ..set("y@example.com")
            },
        ))
        .await
        .unwrap_err();
    assert_grpc_error(
        &err,
        Code::InvalidArgument,
        None,
        "invalid SetEmailRequest.IsVerified: value must equal true",
    );
    // Unknown user, and a malformed id answered like one.
    for id in ["424242", "abc"] {
        let err = grpc
            .set_email(call(
                &app.pat,
                None,
                user::SetEmailRequest {
                    user_id: id.into(),
                    ..set("z@example.com")
                },
            ))
            .await
            .unwrap_err();
        assert_grpc_error(
            &err,
            Code::NotFound,
            Some("COMMAND-ieJ2e"),
            "Email not found",
        );
    }
    // Permission: a viewer may not.
    let (_, viewer) = app
        .machine(app.org_id, "viewer", Role::OrgOwnerViewer)
        .await;
    let err = grpc
        .set_email(call(&viewer, None, set("v@example.com")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert_eq!(detail_id(&err).as_deref(), Some("AUTH-AWfge"));
    // A message over 64 KiB.
    let err = grpc
        .set_email(call(&app.pat, None, set(&"a".repeat(70_000))))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    // Unknown methods and services.
    for path in [
        "/zitadel.user.v2.UserService/NoSuchMethod",
        "/zitadel.nothing.v1.Nothing/Call",
    ] {
        let answer = app.raw_grpc(path, "application/grpc", frame(&[])).await;
        assert_eq!(
            answer.grpc_status(),
            Some(Code::Unimplemented as i32),
            "{path}"
        );
        assert!(answer.headers.contains_key("x-request-id"), "{path}");
    }
    // Nothing changed.
    assert_eq!(app.event_types(user_id).await, events_before);
    // The calls are counted by method and grpc-status.
    let metrics = app.client.get(app.url("/metrics")).text_body().await;
    assert!(
        metrics.contains(
            "mailroom_grpc_requests_total{method=\"/zitadel.user.v2.UserService/SetEmail\",grpc_status=\"9\"} "
        ),
        "{metrics}"
    );
    assert!(metrics.contains("method=\"unknown\",grpc_status=\"12\""));
}

/// A second connection that holds the users' write lock: SQLite's `BEGIN IMMEDIATE`,
/// Postgres' table lock against writers. Writes wait; reads go on.
enum WriteLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl WriteLock {
    async fn take(app: &TestApp) -> WriteLock {
        use sqlx::Connection;
        let url = &app.config.database_url;
        if url.starts_with("sqlite") {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut conn)
                .await
                .unwrap();
            WriteLock::Sqlite(conn)
        } else {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
            sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut conn)
                .await
                .unwrap();
            WriteLock::Postgres(conn)
        }
    }

    async fn release(self) {
        match self {
            WriteLock::Sqlite(mut conn) => {
                sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
            }
            WriteLock::Postgres(mut conn) => {
                sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
            }
        }
    }
}

/// Deadlines: a generous one is met; one that a waiting write cannot meet is answered
/// DEADLINE_EXCEEDED when it passes, not when the write is done.
async fn grpc_deadlines(app: TestApp) {
    let user_id = app.human("d@example.com", true).await;
    let mut request = call(
        &app.pat,
        None,
        user::GetUserByIdRequest {
            user_id: user_id.to_string(),
        },
    );
    request.set_timeout(Duration::from_secs(10));
    app.user_service()
        .get_user_by_id(request)
        .await
        .expect("within the deadline");

    let lock = WriteLock::take(&app).await;
    let mut request = call(
        &app.pat,
        None,
        user::SetEmailRequest {
            user_id: user_id.to_string(),
            email: "late@example.com".into(),
            verification: Some(user::set_email_request::Verification::ReturnCode(
                user::ReturnEmailVerificationCode {},
            )),
        },
    );
    request.set_timeout(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = app.user_service().set_email(request).await.unwrap_err();
    let waited = started.elapsed();
    lock.release().await;
    assert_eq!(err.code(), Code::DeadlineExceeded, "{err:?}");
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
}

/// Hostile input: a clean gRPC error or close, never a panic; the server keeps serving.
async fn grpc_bad_input(app: TestApp) {
    let path = "/zitadel.user.v2.UserService/SetEmail";
    let random: Vec<u8> = (0..64).map(|_| rand::random::<u8>()).collect();
    // Random bytes as the message.
    let answer = app.raw_grpc(path, "application/grpc", frame(&random)).await;
    assert!(
        matches!(answer.grpc_status(), Some(s) if s != 0),
        "random message"
    );
    // A truncated length prefix.
    let answer = app
        .raw_grpc(path, "application/grpc", Bytes::from_static(&[0, 0, 0]))
        .await;
    assert!(
        matches!(answer.grpc_status(), Some(s) if s != 0),
        "truncated prefix"
    );
    // A frame that claims 1 GiB.
    let answer = app
        .raw_grpc(
            path,
            "application/grpc+proto",
            Bytes::from_static(&[0, 0x40, 0, 0, 0, 1, 2, 3]),
        )
        .await;
    assert_eq!(answer.grpc_status(), Some(Code::ResourceExhausted as i32));
    // A compressed frame we did not agree on.
    let answer = app
        .raw_grpc(
            path,
            "application/grpc",
            Bytes::from_static(&[1, 0, 0, 0, 1, 0]),
        )
        .await;
    assert!(
        matches!(answer.grpc_status(), Some(s) if s != 0),
        "compressed"
    );
    // A wrong content type on a gRPC path: the Connect JSON door answers.
    let answer = app
        .raw_grpc(path, "text/plain", Bytes::from_static(b"\x00\x00"))
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        serde_json::from_slice::<Value>(&answer.body).unwrap()["code"],
        "invalid_argument"
    );
    // HTTP/2 without the gRPC headers: a plain HTTP answer.
    let answer = app
        .raw_h2(http::Request::get("/healthz"), Bytes::new())
        .await;
    assert_eq!(answer.status, 200);
    // A gRPC-web text body that is not base64.
    let answer = app
        .raw_grpc(
            path,
            "application/grpc-web-text",
            Bytes::from_static(b"!!not base64!!"),
        )
        .await;
    let status = answer
        .grpc_status()
        .map(|s| s.to_string())
        .or_else(|| parse_grpc_web_status(&answer.body));
    assert!(
        answer.status >= 400 || matches!(status.as_deref(), Some(s) if s != "0"),
        "grpc-web-text: {} {:?} {:?}",
        answer.status,
        answer.headers,
        answer.body
    );
    // Still serving, over both doors.
    let user_id = app.human("still@example.com", true).await;
    app.user_service()
        .get_user_by_id(call(
            &app.pat,
            None,
            user::GetUserByIdRequest {
                user_id: user_id.to_string(),
            },
        ))
        .await
        .expect("still serving gRPC");
}

fn parse_grpc_web_status(body: &[u8]) -> Option<String> {
    parse_grpc_web(body)
        .trailers
        .into_iter()
        .find(|(n, _)| n == "grpc-status")
        .map(|(_, v)| v)
}

/// gRPC-web over HTTP/1.1 (as browsers send it): messages and trailers in the body.
async fn grpc_web(app: TestApp) {
    let user_id = app.human("web@example.com", true).await;
    let message = user::SetEmailRequest {
        user_id: user_id.to_string(),
        email: "web2@example.com".into(),
        verification: Some(user::set_email_request::Verification::ReturnCode(
            user::ReturnEmailVerificationCode {},
        )),
    };
    let send = |message: user::SetEmailRequest| {
        app.client
            .post(app.url("/zitadel.user.v2.UserService/SetEmail"))
            .header("content-type", "application/grpc-web+proto")
            .header("x-grpc-web", "1")
            .bearer_auth(&app.pat)
            .body(frame(&message.encode_to_vec()))
            .send()
    };
    let response = send(message.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    assert!(response.headers().contains_key("x-request-id"));
    let body = parse_grpc_web(&response.bytes().await.unwrap());
    assert_eq!(
        body.trailers
            .iter()
            .find(|(n, _)| n == "grpc-status")
            .map(|(_, v)| v.as_str()),
        Some("0")
    );
    let answer = user::SetEmailResponse::decode(body.messages[0].clone()).unwrap();
    assert!(answer.verification_code.is_some());
    // The same again: the error arrives with its detail.
    let response = send(message).await.unwrap();

    let headers = response.headers().clone();
    let body = parse_grpc_web(&response.bytes().await.unwrap());
    let trailer = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .or_else(|| {
                body.trailers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            })
    };
    assert_eq!(trailer("grpc-status").as_deref(), Some("9"));
    assert!(trailer("grpc-status-details-bin").is_some());
}

/// Connect with binary messages (`application/proto`), errors in Connect's JSON.
async fn connect_binary(app: TestApp) {
    let user_id = app.human("bin@example.com", true).await;
    let post = |method: &str, body: Vec<u8>| {
        app.client
            .post(app.url(&format!("/zitadel.user.v2.UserService/{method}")))
            .header("content-type", "application/proto")
            .header("connect-protocol-version", "1")
            .bearer_auth(&app.pat)
            .body(body)
            .send()
    };
    let message = user::SetEmailRequest {
        user_id: user_id.to_string(),
        email: "bin2@example.com".into(),
        verification: Some(user::set_email_request::Verification::ReturnCode(
            user::ReturnEmailVerificationCode {},
        )),
    };
    let response = post("SetEmail", message.encode_to_vec()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/proto"
    );
    let answer = user::SetEmailResponse::decode(response.bytes().await.unwrap()).unwrap();
    let code = answer.verification_code.expect("code");
    let verify = user::VerifyEmailRequest {
        user_id: user_id.to_string(),
        verification_code: code,
    };
    let response = post("VerifyEmail", verify.encode_to_vec()).await.unwrap();
    assert_eq!(response.status(), 200);
    user::VerifyEmailResponse::decode(response.bytes().await.unwrap()).unwrap();
    // An error: JSON, with ZITADEL's detail.
    let response = post("SetEmail", message.encode_to_vec()).await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "failed_precondition");
    assert_eq!(body["details"][0]["type"], "zitadel.v1.ErrorDetail");
    assert_eq!(body["details"][0]["debug"]["id"], "COMMAND-Uch5e");
    // Not a message of the request type.
    let response = post("SetEmail", vec![0xff, 0xff, 0xff]).await.unwrap();
    assert_eq!(response.status(), 400);
    // AddOrganization, binary.
    let response = app
        .client
        .post(app.url("/zitadel.org.v2.OrganizationService/AddOrganization"))
        .header("content-type", "application/proto")
        .bearer_auth(&app.pat)
        .body(
            org::AddOrganizationRequest {
                name: "Binary Org".into(),
                ..Default::default()
            }
            .encode_to_vec(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let created = org::AddOrganizationResponse::decode(response.bytes().await.unwrap()).unwrap();
    assert!(!created.organization_id.is_empty());
    assert_eq!(
        app.event_types(user_id).await,
        [
            "user.human.added",
            "user.human.email.verified",
            "user.human.email.changed",
            "user.human.email.code.added",
            "user.human.email.verified"
        ]
    );
}

/// Server reflection lists the services (what grpcurl and buf curl ask first).
async fn reflection(app: TestApp) {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    let mut client = ServerReflectionClient::with_origin(app.channel(), app.base.parse().unwrap());
    let requests = futures_util::stream::iter(vec![
        ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        },
        ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::FileContainingSymbol(
                "zitadel.user.v2.UserService".into(),
            )),
        },
    ]);
    let mut answers = client
        .server_reflection_info(requests)
        .await
        .unwrap()
        .into_inner();
    let mut services = Vec::new();
    let mut files = 0;
    while let Some(answer) = answers.message().await.unwrap() {
        match answer.message_response {
            Some(MessageResponse::ListServicesResponse(list)) => {
                services = list.service.into_iter().map(|s| s.name).collect()
            }
            Some(MessageResponse::FileDescriptorResponse(found)) => {
                files = found.file_descriptor_proto.len()
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    for name in [
        "zitadel.management.v1.ManagementService",
        "zitadel.user.v2.UserService",
        "zitadel.org.v2.OrganizationService",
    ] {
        assert!(services.iter().any(|s| s == name), "{services:?}");
    }
    assert!(files >= 1);
}

both_backends!(
    grpc_errors,
    grpc_deadlines,
    grpc_bad_input,
    grpc_web,
    connect_binary,
    reflection,
);
