//! Liveness and readiness for orchestrators and the `healthcheck` subcommand.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use mailroom_core::Mailroom;
use serde_json::{json, Value};

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "Mailroom", security(), responses((status = 200, description = "The process is up")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The database answers and its migrations are applied.
#[utoipa::path(get, path = "/readyz", tag = "Mailroom", security(), responses((status = 200, description = "Ready"), (status = 503, description = "Database unreachable or migrations pending")))]
pub async fn readyz(State(mailroom): State<Mailroom>) -> (StatusCode, Json<Value>) {
    match mailroom.ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Err(err) => {
            tracing::warn!(error = %err, cause = err.internal_cause().unwrap_or_default(), "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
        }
    }
}
