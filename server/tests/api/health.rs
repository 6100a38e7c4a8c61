use crate::both_backends;
use crate::helpers::TestApp;

async fn health_and_readiness_answer(app: TestApp) {
    let live = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(
        (live.status, live.body["status"].as_str()),
        (200, Some("ok"))
    );
    let ready = app.send(app.client.get(app.url("/readyz"))).await;
    assert_eq!(
        (ready.status, ready.body["status"].as_str()),
        (200, Some("ready"))
    );
    assert!(ready.headers.contains_key("x-request-id"));
}

async fn readyz_fails_when_the_database_is_gone(app: TestApp) {
    app.mailroom.store().close().await;
    let ready = app.send(app.client.get(app.url("/readyz"))).await;
    assert_eq!(ready.status, 503);
    // The process itself is still up.
    assert_eq!(
        app.send(app.client.get(app.url("/healthz"))).await.status,
        200
    );
}

both_backends!(
    health_and_readiness_answer,
    readyz_fails_when_the_database_is_gone
);
