//! Console sign-in over HTTP: cookies, CSRF refusal, pages behind the session.

use crate::both_backends;
use crate::helpers::Fetch;
use crate::helpers::{browser, TestApp, ADMIN_PASSWORD};

async fn sign_in(app: &TestApp, client: &reqwest::Client, password: &str) -> reqwest::Response {
    sign_in_as(app, client, "admin", password).await
}

async fn sign_in_as(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.sign_in_with(client, username, password).await
}

async fn console_requires_a_session(app: TestApp) {
    for path in ["/", "/users/1"] {
        let response = app.fetch(path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/login");
    }
    let login = app.fetch("/login").await;
    assert_eq!(login.status(), 200);
    let html = login.text().await.unwrap();
    assert!(html.contains("<title>Sign in · Mailroom</title>"));
    assert!(html.contains(r#"<label for="password">"#));
}

async fn sign_in_sets_a_strict_cookie_and_opens_the_console(app: TestApp) {
    let client = browser();
    let response = sign_in(&app, &client, ADMIN_PASSWORD).await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("mailroom_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");

    let list = client.get(app.url("/users")).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(
        html.contains("admin@localhost"),
        "users list shows the admin's address"
    );
    assert!(html.contains("badge-verified"));
    // Rendered in place, not streamed into templates that need a script to show.
    assert!(!html.contains("<template"), "complete without JavaScript");

    let page = client
        .get(app.url(&format!("/users/{}", app.admin_id)))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"data-testid="user-email""#), "{html}");
    assert!(
        html.contains(r#"class="email">admin@localhost</span>"#),
        "{html}"
    );

    // Sign out ends the session on the server.
    let out = client
        .post(app.url("/api/logout"))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .send()
        .await
        .unwrap();
    assert!(out.status().is_redirection());
    let after = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(after.status(), 303);
}

async fn wrong_password_and_unknown_user_get_the_same_answer(app: TestApp) {
    let client = browser();
    let wrong = sign_in(&app, &client, "wrong-password").await;
    let location = wrong.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("/login?") && location.contains("__err="),
        "{location}"
    );
    assert!(client.get(app.url("/")).send().await.unwrap().status() == 303);

    // The same through the JSON door the hydrated page uses.
    let ask = |username: &'static str| {
        app.client
            .post(app.url("/api/login"))
            .form(&[("username", username), ("password", "nope")])
            .send()
    };
    let known = ask("admin").await.unwrap();
    assert_eq!(
        known.status(),
        401,
        "a refused sign-in is not a server error"
    );
    let known = known.text().await.unwrap();
    let unknown = ask("nobody").await.unwrap().text().await.unwrap();
    assert_eq!(known, unknown);
    assert!(known.contains("Invalid username or password"), "{known}");
}

async fn cross_site_posts_are_refused(app: TestApp) {
    let credentials = [("username", "admin"), ("password", ADMIN_PASSWORD)];
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let login = app.client.post(app.url("/api/login")).header(header, value);
        let response = login.form(&credentials).send().await.unwrap();
        assert_eq!(response.status(), 403, "{header}: {value}");
        assert!(response.headers().get("set-cookie").is_none());
    }
}

/// A page's server functions share the caller resolved for their request
/// (`RequestMemo`); concurrent requests of two users never see each other's.
async fn each_request_resolves_its_own_caller(app: TestApp) {
    let created = app
        .post(
            "/management/v1/users/human",
            serde_json::json!({
                "userName": "vera",
                "profile": {"firstName": "Vera", "lastName": "Viewer"},
                "email": {"email": "vera@example.com", "isEmailVerified": true},
                "initialPassword": "viewer-password",
            }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let vera = created.body["userId"].as_str().unwrap().to_owned();
    app.post_ok(
        "/management/v1/orgs/me/members",
        serde_json::json!({"userId": vera, "roles": ["ORG_OWNER_VIEWER"]}),
    )
    .await;

    let admin = browser();
    assert!(sign_in(&app, &admin, ADMIN_PASSWORD)
        .await
        .status()
        .is_redirection());
    let viewer = browser();
    assert!(sign_in_as(&app, &viewer, "vera", "viewer-password")
        .await
        .status()
        .is_redirection());
    let page = app.url(&format!("/users/{vera}"));
    let mut pages = Vec::new();
    for round in 0..20 {
        let (client, who) = if round % 2 == 0 {
            (admin.clone(), "admin")
        } else {
            (viewer.clone(), "vera")
        };
        let page = page.clone();
        pages.push(tokio::spawn(async move {
            let html = client.get(page).text_body().await;
            (who, html)
        }));
    }
    for page in pages {
        let (who, html) = page.await.unwrap();
        let header = html.split("</header>").next().unwrap();
        if who == "admin" {
            assert!(header.contains("Mailroom Administrator"), "{header}");
            assert!(
                html.contains("Confirm change"),
                "the admin may change the user"
            );
        } else {
            assert!(header.contains("Vera Viewer"), "{header}");
            assert!(!html.contains("Confirm change"), "a viewer sees no actions");
        }
    }
}

both_backends!(
    each_request_resolves_its_own_caller,
    console_requires_a_session,
    sign_in_sets_a_strict_cookie_and_opens_the_console,
    wrong_password_and_unknown_user_get_the_same_answer,
    cross_site_posts_are_refused,
);

/// A module of its own: these tests start their own app (`per_backend!`).
mod idle_timeout {
    use super::*;
    use crate::helpers::{spawn_app_with, Backend};
    use crate::per_backend;

    /// The idle timeout counts from the last page, not from sign-in: each page past half
    /// the timeout extends the session; a session left alone for the timeout ends.
    async fn sessions_end_after_the_idle_timeout_not_before(backend: Backend) {
        let Some(app) = spawn_app_with(backend, |config| config.session_idle_secs = 2).await else {
            return;
        };
        let client = browser();
        assert!(sign_in(&app, &client, ADMIN_PASSWORD)
            .await
            .status()
            .is_redirection());
        let page = || client.get(app.url("/")).send();
        // Every 1.2 s, for 3.6 s in all: longer than the timeout since sign-in.
        for _ in 0..3 {
            tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
            let response = page().await.unwrap();
            assert_eq!(response.status(), 200, "an active session stays");
        }
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let response = page().await.unwrap();
        assert_eq!(response.status(), 303, "an idle session ends");
        assert_eq!(response.headers()["location"], "/login");
    }

    per_backend!(sessions_end_after_the_idle_timeout_not_before);
}
