//! Our own namespace (SPEC §3.4): the audit log of a user.

use axum::extract::{Path, State};
use axum::Json;
use mailroom_core::ids::{MailId, UserId};
use mailroom_core::model::MailStatus;
use mailroom_core::outbox::{parse_cursor, parse_status};
use mailroom_core::{Code, Error, Mailroom};
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
    /// The door the change came through; absent on events older than the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "rest")]
    pub transport: Option<&'static str>,
    #[schema(value_type = Object)]
    pub payload: Value,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventsResponse {
    pub events: Vec<EventDto>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Page size (default 100, at most 1000).
    #[param(minimum = 0, maximum = 1000)]
    pub limit: Option<u64>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page size as documented: 0 (the default) up to `max`; more is refused rather
/// than quietly cut, so that a client learns the limit.
fn page_limit(limit: Option<u64>, max: u64) -> Result<u64, Error> {
    match limit.unwrap_or(0) {
        n if n <= max => Ok(n),
        _ => Err(Error::plain(
            Code::InvalidArgument,
            format!("invalid limit: at most {max}"),
        )),
    }
}

fn query<T: serde::de::DeserializeOwned>(
    query: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, mailroom_core::Error> {
    query.map(|q| q.0).map_err(|err| {
        mailroom_core::Error::plain(
            mailroom_core::Code::InvalidArgument,
            format!("invalid query: {err}"),
        )
    })
}

/// `GET /mailroom/v1/users/{userId}/events`
#[utoipa::path(
    get,
    path = "/mailroom/v1/users/{userId}/events",
    tag = "Mailroom",
    summary = "A user's audit log, oldest first, a page at a time",
    params(("userId" = String, Path, description = "The user's id"), EventsQuery),
    responses((status = 200, body = EventsResponse), super::error::StandardErrors)
)]
pub async fn user_events(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(user_id): Path<String>,
    params: Result<axum::extract::Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<EventsResponse>, RestError> {
    let params = query(params)?;
    let after = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(cursor.parse::<i64>().map_err(|_| {
            mailroom_core::Error::invalid_argument("MAILROOM-CURSOR", "Cursor is invalid")
        })?),
        None => None,
    };
    let (events, next) = m
        .user_events(
            &caller,
            UserId::parse_or_nobody(&user_id),
            after,
            page_limit(params.limit, 1000)?,
        )
        .await?;
    Ok(Json(EventsResponse {
        next_cursor: next.map(|n| n.to_string()),
        events: events
            .into_iter()
            .map(|e| EventDto {
                sequence: e.sequence.to_string(),
                event_type: e.event_type,
                created_at: e.created_at.to_rfc3339(),
                creator: e.creator.map(|c| c.to_string()),
                transport: e.via.map(|via| via.as_str()),
                payload: e.payload,
            })
            .collect(),
    }))
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MailsQuery {
    /// Only this user's mails.
    pub user_id: Option<String>,
    /// queued, sending, sent, failed, skipped or captured.
    #[param(value_type = Option<crate::api::schema::MailStatus>)]
    pub status: Option<String>,
    /// Page size (default 50, at most 500).
    #[param(minimum = 0, maximum = 500)]
    pub limit: Option<u64>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailDto {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    pub to: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
}

impl From<&mailroom_core::model::MailRecord> for MailDto {
    fn from(mail: &mailroom_core::model::MailRecord) -> Self {
        MailDto {
            id: mail.id.to_string(),
            user_id: mail.user_id.to_string(),
            kind: mail.kind.as_db().to_owned(),
            to: mail.to_address.clone(),
            subject: mail.subject.clone(),
            status: mail.status.as_db().to_owned(),
            attempts: mail.attempts,
            last_error: mail.last_error.clone(),
            created_at: mail.created_at.to_rfc3339(),
            sent_at: mail.sent_at.map(|t| t.to_rfc3339()),
            next_attempt_at: (mail.status == MailStatus::Queued)
                .then(|| mail.next_attempt_at.to_rfc3339()),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailsResponse {
    pub mails: Vec<MailDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /mailroom/v1/mails`
#[utoipa::path(
    get,
    path = "/mailroom/v1/mails",
    tag = "Mailroom",
    summary = "Outbox entries, newest first",
    params(MailsQuery),
    responses((status = 200, body = MailsResponse), super::error::StandardErrors)
)]
pub async fn list_mails(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    query: Result<axum::extract::Query<MailsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MailsResponse>, RestError> {
    let query = self::query(query)?;
    let status = query.status.as_deref().map(parse_status).transpose()?;
    let cursor = query
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(parse_cursor)
        .transpose()?;
    let user = query
        .user_id
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(UserId::parse_or_nobody);
    let page = m
        .list_mails(&caller, user, status, page_limit(query.limit, 500)?, cursor)
        .await?;
    Ok(Json(MailsResponse {
        mails: page.mails.iter().map(MailDto::from).collect(),
        next_cursor: page.next_cursor.map(|c| c.to_string()),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RetryResponse {
    pub mail: MailDto,
}

/// `POST /mailroom/v1/mails/{id}/_retry`
#[utoipa::path(
    post,
    path = "/mailroom/v1/mails/{id}/_retry",
    tag = "Mailroom",
    summary = "Queue a failed mail again",
    params(("id" = String, Path, description = "The mail's id")),
    responses((status = 200, body = RetryResponse), super::error::StandardErrors)
)]
pub async fn retry_mail(
    State(m): State<Mailroom>,
    RestCaller(caller): RestCaller,
    Path(id): Path<String>,
) -> Result<Json<RetryResponse>, RestError> {
    let mail = m.retry_mail(&caller, MailId::parse_or_nobody(&id)).await?;
    Ok(Json(RetryResponse {
        mail: MailDto::from(&mail),
    }))
}
