//! Authentication failures and unknown paths, in the documented shapes (SPEC §2).

use mailroom_core::clock::Clock;
use mailroom_core::permissions::Role;

use crate::both_backends;
use crate::helpers::{assert_rest_error, TestApp};

async fn authentication_failures(app: TestApp) {
    let path = format!("/management/v1/users/{}/email", app.admin_id);

    let missing = app.send(app.client.get(app.url(&path))).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.body["code"], 16);
    assert_eq!(missing.body["message"], "auth header missing");
    assert!(missing.headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));

    let basic = app
        .send(
            app.client
                .get(app.url(&path))
                .header("authorization", "Basic YTpi"),
        )
        .await;
    assert_rest_error(&basic, 401, 16, "AUTH-toLo1", "invalid auth header");
    assert!(basic.headers.contains_key("www-authenticate"));

    let unknown = app.get_by("not-a-token", &path).await;
    assert_rest_error(&unknown, 401, 16, "AUTH-7fs1e", "Errors.Token.Invalid");
    assert!(unknown.headers["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));

    let past = app.clock.now().plus_secs(-1);
    let (_, expired) = app
        .add_machine_with_token(
            app.org_id,
            "expired-bot",
            &[(None, Role::IamOwner)],
            Some(past),
        )
        .await;
    let answer = app.get_by(&expired, &path).await;
    assert_rest_error(&answer, 401, 16, "AUTH-7fs1e", "Errors.Token.Invalid");

    let future = app.clock.now().plus_secs(60);
    let (_, expiring) = app
        .add_machine_with_token(
            app.org_id,
            "expiring-bot",
            &[(None, Role::IamOwner)],
            Some(future),
        )
        .await;
    assert_eq!(app.get_by(&expiring, &path).await.status, 200);
    app.clock.advance_secs(61);
    let answer = app.get_by(&expiring, &path).await;
    assert_rest_error(&answer, 401, 16, "AUTH-7fs1e", "Errors.Token.Invalid");
}

async fn authentication_comes_before_anything_else(app: TestApp) {
    // Unknown user, unknown org and a bad token: the token is reported.
    let answer = app
        .get_as("bad", "/management/v1/users/123/email", Some("999"))
        .await;
    assert_eq!(answer.status, 401);
}

async fn unknown_api_paths_answer_json_404(app: TestApp) {
    for path in [
        "/management/v1/nope",
        "/v2/users/1/nope",
        "/mailroom/v1/nope",
        "/management/",
    ] {
        let answer = app
            .send(app.client.get(app.url(path)).bearer_auth(&app.pat))
            .await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.body["code"], 5, "{path}: {}", answer.body);
        assert!(answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
    }
    let connect = app
        .send(
            app.client
                .post(app.url("/zitadel.user.v2.UserService/NoSuchMethod"))
                .json(&serde_json::json!({})),
        )
        .await;
    assert_eq!(connect.status, 404);
    assert_eq!(connect.body["code"], "not_found");

    // Outside the API, the HTML page.
    let page = app.fetch("/no/such/page").await;
    assert_eq!(page.status(), 404);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
}

async fn wrong_method_on_a_known_path_is_405(app: TestApp) {
    let path = format!("/management/v1/users/{}/email", app.admin_id);
    let answer = app
        .send(app.client.delete(app.url(&path)).bearer_auth(&app.pat))
        .await;
    assert_eq!(answer.status, 405);
    assert!(answer.body["message"].is_string());
}

async fn every_response_has_a_request_id(app: TestApp) {
    for path in [
        "/healthz",
        "/login",
        "/management/v1/x",
        "/pkg/mailroom.css",
    ] {
        let response = app.fetch(path).await;
        let id = response
            .headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned());
        assert!(id.is_some_and(|id| id.len() >= 16), "{path}");
    }
}

async fn bodies_over_64_kib_are_refused(app: TestApp) {
    let user = app.human("big@example.com", true).await;
    let padding = "x".repeat(65 * 1024);
    let body =
        serde_json::json!({"email": "new@example.com", "returnCode": {}, "padding": padding});
    let answer = app.post(&format!("/v2/users/{user}/email"), body).await;
    assert_eq!(answer.status, 413);
    assert_eq!(app.event_types(user).await.len(), 2, "nothing written");
}

async fn openapi_describes_every_rest_path(app: TestApp) {
    let doc = app.send(app.client.get(app.url("/openapi.json"))).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let expected = [
        ("get", "/management/v1/users/{userId}/email"),
        ("put", "/management/v1/users/{userId}/email"),
        (
            "post",
            "/management/v1/users/{userId}/email/_resend_verification",
        ),
        (
            "post",
            "/management/v1/users/{userId}/_resend_initialization",
        ),
        ("post", "/management/v1/users/human"),
        ("post", "/management/v1/users/machine"),
        ("post", "/management/v1/users/{userId}/pats"),
        ("post", "/management/v1/orgs"),
        ("post", "/management/v1/orgs/me/members"),
        ("post", "/v2/users/{userId}/email"),
        ("post", "/v2/users/{userId}/email/send"),
        ("post", "/v2/users/{userId}/email/resend"),
        ("post", "/v2/users/{userId}/email/verify"),
        ("post", "/v2/users/human"),
        ("get", "/v2/users/{userId}"),
        ("post", "/v2/users"),
        ("delete", "/v2/users/{userId}"),
        ("post", "/v2/users/{userId}/deactivate"),
        ("post", "/v2/users/{userId}/reactivate"),
        ("post", "/v2/users/{userId}/lock"),
        ("post", "/v2/users/{userId}/unlock"),
        ("post", "/v2/organizations"),
        ("get", "/mailroom/v1/users/{userId}/events"),
        ("get", "/healthz"),
        ("get", "/readyz"),
    ];
    for (method, path) in expected {
        let operation = &doc.body["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is documented");
        if path.starts_with("/management") || path.starts_with("/v2") {
            assert!(operation["responses"]["200"].is_object(), "{method} {path}");
            assert!(
                operation["responses"]["404"].is_object(),
                "{method} {path} documents errors"
            );
        }
    }
    assert!(doc.body["components"]["schemas"]["RestErrorBody"].is_object());
    assert!(doc.body["components"]["securitySchemes"]["bearer"].is_object());
}

both_backends!(
    authentication_failures,
    authentication_comes_before_anything_else,
    unknown_api_paths_answer_json_404,
    wrong_method_on_a_known_path_is_405,
    every_response_has_a_request_id,
    bodies_over_64_kib_are_refused,
    openapi_describes_every_rest_path,
);

/// Authenticated tokens are cached for a second; a deactivation in this process
/// takes effect at once.
#[tokio::test]
async fn deactivated_token_owner_is_refused_at_once() {
    let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    let (bot, token) = app
        .add_machine_with_token(
            app.org_id,
            "short-lived",
            &[(None, mailroom_core::permissions::Role::IamOwner)],
            None,
        )
        .await;
    let path = format!("/management/v1/users/{}/email", app.admin_id);
    assert_eq!(app.get_by(&token, &path).await.status, 200);
    app.post_ok(
        &format!("/v2/users/{bot}/deactivate"),
        serde_json::json!({}),
    )
    .await;
    let answer = app.get_by(&token, &path).await;
    assert_rest_error(&answer, 401, 16, "AUTH-7fs1e", "Errors.Token.Invalid");
}
