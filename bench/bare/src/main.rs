//! `mailroom-bench-bare <sqlite-url> <addr>`: GET /users/{id}/email straight from the
//! users table — no auth, no permissions, no events — as the ceiling to compare with.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::str::FromStr;

async fn email(
    State(pool): State<sqlx::SqlitePool>,
    Path(id): Path<i64>,
) -> Result<Json<serde_json::Value>, StatusCode> {
    let row: Option<(Option<String>, bool)> =
        sqlx::query_as("SELECT email, email_verified FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&pool)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let (email, verified) = row.ok_or(StatusCode::NOT_FOUND)?;
    Ok(Json(
        serde_json::json!({"email": {"email": email, "isEmailVerified": verified}}),
    ))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("sqlite URL");
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3900".into());
    let options = SqliteConnectOptions::from_str(&url)
        .expect("URL")
        .read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .expect("open");
    let app = Router::new()
        .route("/users/{id}/email", get(email))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
