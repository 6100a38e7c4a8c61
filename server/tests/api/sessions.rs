//! Console sign-in over HTTP: cookies, CSRF refusal, pages behind the session.

use crate::both_backends;
use crate::helpers::{TestApp, ADMIN_PASSWORD};

async fn sign_in(app: &TestApp, client: &reqwest::Client, password: &str) -> reqwest::Response {
    client
        .post(app.url("/api/login"))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .header("referer", app.url("/login"))
        .form(&[("username", "admin"), ("password", password)])
        .send()
        .await
        .unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn console_requires_a_session(app: TestApp) {
    for path in ["/", "/users/1"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(response.headers()["location"], "/login");
    }
    let login = app.client.get(app.url("/login")).send().await.unwrap();
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

    let list = client.get(app.url("/")).send().await.unwrap();
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
    let response = app
        .client
        .post(app.url("/api/login"))
        .header("origin", "https://evil.example")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = app
        .client
        .post(app.url("/api/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(response.headers().get("set-cookie").is_none());
}

both_backends!(
    console_requires_a_session,
    sign_in_sets_a_strict_cookie_and_opens_the_console,
    wrong_password_and_unknown_user_get_the_same_answer,
    cross_site_posts_are_refused,
);
