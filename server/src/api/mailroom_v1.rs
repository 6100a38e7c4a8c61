//! Our own namespace (SPEC §3.4): the audit log of a user.

use axum::extract::{Path, State};
use axum::Json;
use mailroom_core::Mailroom;
use serde::Serialize;
use serde_json::Value;

use super::auth::RestCaller;
use super::error::RestError;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventDto {
    pub sequence: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    #[schema(value_type = Object)]
    pub payload: Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventsResponse {
    pub events: Vec<EventDto>,
}

/// `GET /mailroom/v1/users/{userId}/events`
#[utoipa::path(
    get,
    path = "/mailroom/v1/users/{userId}/events",
    tag = "Mailroom",
    summary = "A user's audit log, oldest first",
    params(("userId" = String, Path, description = "The user's id")),
    responses((status = 200, body = EventsResponse), super::error::StandardErrors)
)]
pub async fn user_events(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
) -> Result<Json<EventsResponse>, RestError> {
    let events = m.user_events(&caller, &user_id).await?;
    Ok(Json(EventsResponse {
        events: events
            .into_iter()
            .map(|e| EventDto {
                sequence: e.sequence.to_string(),
                event_type: e.event_type,
                created_at: e.created_at.to_rfc3339(),
                creator: e.creator.map(|c| c.to_string()),
                payload: e.payload,
            })
            .collect(),
    }))
}
