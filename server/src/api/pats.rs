//! Personal access tokens over REST and Connect, in ZITADEL's shapes (SPEC §3.1):
//! Management API v1 (`/management/v1/users/{userId}/pats…`, in the org context)
//! and User Service v2 (`/v2/users/{userId}/pats…`, `AddPersonalAccessToken`, …).

use mailroom_core::clock::Timestamp;
use mailroom_core::ids::{OrgId, TokenId, UserId};
use mailroom_core::model::Details;
use mailroom_core::permissions::Caller;
use mailroom_core::target::{Api, OrgContext};
use mailroom_core::tokens::{TokenListing, TokenView};
use mailroom_core::{Code, Error, Mailroom};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::body::check_len;
use super::dto::{DetailsDto, DetailsOnly};
use super::rest_op::rest_op;
use super::user_v2::{uint_field, user_id_field, ListQuery};

/// ZITADEL reports a token without an expiry as expiring at the end of time.
const NO_EXPIRY: &str = "9999-12-31T23:59:59Z";

fn expiry(token: &TokenView) -> String {
    token
        .token
        .expires_at
        .map_or_else(|| NO_EXPIRY.to_owned(), |t| t.to_rfc3339())
}

/// An RFC 3339 timestamp field (protobuf JSON `Timestamp`).
fn timestamp_field(message: &str, field: &str, value: &str) -> Result<Timestamp, Error> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|d| Timestamp::from_datetime(d.to_utc()))
        .map_err(|_| {
            Error::plain(
                Code::InvalidArgument,
                format!("invalid {message}.{field}: not an RFC 3339 timestamp"),
            )
        })
}

/// A path's user and token ids; a malformed one names no user or token, and is
/// answered like an unknown one.
fn token_ids(user_id: &str, token_id: &str) -> (UserId, TokenId) {
    (
        UserId::parse_or_nobody(user_id),
        TokenId::parse_or_nobody(token_id),
    )
}

fn token_id_field(message: &str, value: &str) -> Result<(), Error> {
    check_len(message, "TokenId", value, 1, 200)
}

// ---- Management API v1 ----

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddTokenRequest {
    /// RFC 3339; without it the token does not expire.
    #[schema(value_type = Option<crate::api::schema::Timestamp>)]
    pub expiration_date: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddTokenResponse {
    pub token_id: String,
    pub token: String,
    pub details: DetailsDto,
}

rest_op!(post "/management/v1/users/{userId}/pats", "Management API v1", "Create a personal access token for a machine user (shown once)",
    add_token_v1(user: user, org: org, body: body) (AddTokenRequest) -> AddTokenResponse =
    |m, caller| add_personal_access_token(&m, &caller, org, &user, body.parse()?).await?.into());

impl From<AddedToken> for AddTokenResponse {
    fn from(added: AddedToken) -> Self {
        AddTokenResponse {
            token_id: added.token_id.to_string(),
            token: added.token,
            details: DetailsDto::from(&added.details),
        }
    }
}

/// A new token: shown once.
#[derive(Debug, Clone)]
pub struct AddedToken {
    pub token_id: TokenId,
    pub token: String,
    pub details: Details,
}

/// A page of tokens, the number of all, and the page size applied.
#[derive(Debug, Clone)]
pub struct TokenList {
    pub tokens: Vec<TokenView>,
    pub total: u64,
    pub limit: u64,
}

/// v1 `AddPersonalAccessToken` (in the org context).
pub async fn add_personal_access_token(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    user_id: &str,
    request: AddTokenRequest,
) -> Result<AddedToken, Error> {
    let expires_at = match request.expiration_date.as_deref().filter(|d| !d.is_empty()) {
        Some(date) => Some(timestamp_field(
            "AddPersonalAccessTokenRequest",
            "ExpirationDate",
            date,
        )?),
        None => None,
    };
    let (token_id, token, details) = m
        .add_token(
            caller,
            Api::V1(org),
            UserId::parse_or_nobody(user_id),
            expires_at,
        )
        .await?;
    Ok(AddedToken {
        token_id,
        token,
        details,
    })
}

/// `zitadel.user.v1.PersonalAccessToken`
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenV1 {
    pub id: String,
    pub details: DetailsDto,
    pub expiration_date: String,
}

impl From<&TokenView> for TokenV1 {
    fn from(token: &TokenView) -> Self {
        let created = token.token.created_at.to_rfc3339();
        TokenV1 {
            id: token.token.id.to_string(),
            details: DetailsDto {
                sequence: token.sequence.to_string(),
                creation_date: Some(created.clone()),
                change_date: created,
                resource_owner: token.org_id.to_string(),
            },
            expiration_date: expiry(token),
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ListTokensRequest {
    pub query: ListQuery,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListDetailsV1 {
    pub total_result: String,
    pub view_timestamp: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListTokensResponse {
    pub details: ListDetailsV1,
    pub result: Vec<TokenV1>,
}

rest_op!(post "/management/v1/users/{userId}/pats/_search", "Management API v1", "List a machine user's personal access tokens (never the tokens)",
    list_tokens_v1(user: user, org: org, body: body) (ListTokensRequest) -> ListTokensResponse =
    |m, caller| ListTokensResponse::from(&list_personal_access_tokens(&m, &caller, org, &user, body.parse()?).await?));

impl From<&TokenList> for ListTokensResponse {
    fn from(list: &TokenList) -> Self {
        ListTokensResponse {
            details: ListDetailsV1 {
                total_result: list.total.to_string(),
                view_timestamp: now_rfc3339(),
            },
            result: list.tokens.iter().map(TokenV1::from).collect(),
        }
    }
}

/// v1 `ListPersonalAccessTokens` of one user.
pub async fn list_personal_access_tokens(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    user_id: &str,
    request: ListTokensRequest,
) -> Result<TokenList, Error> {
    let listing = TokenListing {
        // An id that is no user's has no tokens.
        user: Some(UserId::parse_or_nobody(user_id)),
        offset: uint_field(&request.query.offset)?,
        limit: list_limit(uint_field(&request.query.limit)?),
        asc: request.query.asc,
        ..TokenListing::default()
    };
    let (tokens, total) = m.list_tokens(caller, Api::V1(org), &listing).await?;
    Ok(TokenList {
        tokens,
        total,
        limit: listing.limit,
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GetTokenResponse {
    pub token: TokenV1,
}

rest_op!(get "/management/v1/users/{userId}/pats/{tokenId}", "Management API v1", "One personal access token (never the token)",
    get_token_v1(ids: user_and_token, org: org) -> GetTokenResponse =
    |m, caller| GetTokenResponse { token: TokenV1::from(&get_personal_access_token(&m, &caller, org, &ids.0, &ids.1).await?) });

/// `GetPersonalAccessTokenByIDs`
pub async fn get_personal_access_token(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    user_id: &str,
    token_id: &str,
) -> Result<TokenView, Error> {
    let (user, token) = token_ids(user_id, token_id);
    m.get_token(caller, Api::V1(org), user, token).await
}

rest_op!(delete "/management/v1/users/{userId}/pats/{tokenId}", "Management API v1", "Remove a personal access token; it stops working at once",
    remove_token_v1(ids: user_and_token, org: org) -> DetailsOnly =
    |m, caller| DetailsOnly::from(&remove_personal_access_token(&m, &caller, org, &ids.0, &ids.1).await?));

/// v1 `RemovePersonalAccessToken`
pub async fn remove_personal_access_token(
    m: &Mailroom,
    caller: &Caller,
    org: OrgContext,
    user_id: &str,
    token_id: &str,
) -> Result<Details, Error> {
    let (user, token) = token_ids(user_id, token_id);
    m.remove_token(caller, Api::V1(org), user, token).await
}

fn now_rfc3339() -> String {
    Timestamp::from_datetime(chrono::Utc::now()).to_rfc3339()
}

/// ZITADEL's default page is 100 tokens.
fn list_limit(asked: u64) -> u64 {
    if asked == 0 {
        100
    } else {
        asked.min(mailroom_core::tokens::MAX_TOKEN_PAGE)
    }
}

// ---- User Service v2 ----

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AddTokenV2Request {
    pub user_id: Option<String>,
    /// RFC 3339; required.
    #[schema(value_type = crate::api::schema::Timestamp, required = true)]
    pub expiration_date: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddTokenV2Response {
    pub creation_date: String,
    pub token_id: String,
    pub token: String,
}

pub async fn add_token_v2(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: AddTokenV2Request,
) -> Result<AddedToken, Error> {
    const MESSAGE: &str = "AddPersonalAccessTokenRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let date = r.expiration_date.filter(|d| !d.is_empty()).ok_or_else(|| {
        Error::plain(
            Code::InvalidArgument,
            format!("invalid {MESSAGE}.ExpirationDate: value is required"),
        )
    })?;
    let expires_at = timestamp_field(MESSAGE, "ExpirationDate", &date)?;
    let (token_id, token, details) = m
        .add_token(caller, Api::V2, user_id, Some(expires_at))
        .await?;
    Ok(AddedToken {
        token_id,
        token,
        details,
    })
}

impl From<AddedToken> for AddTokenV2Response {
    fn from(added: AddedToken) -> Self {
        AddTokenV2Response {
            creation_date: added.details.change_date.to_rfc3339(),
            token_id: added.token_id.to_string(),
            token: added.token,
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RemoveTokenV2Request {
    pub user_id: Option<String>,
    pub token_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemoveTokenV2Response {
    pub deletion_date: String,
}

pub async fn remove_token_v2(
    m: &Mailroom,
    caller: &Caller,
    path: Option<(String, String)>,
    r: RemoveTokenV2Request,
) -> Result<Details, Error> {
    const MESSAGE: &str = "RemovePersonalAccessTokenRequest";
    let (path_user, path_token) = path.unzip();
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let token_id = path_token.or(r.token_id).unwrap_or_default();
    token_id_field(MESSAGE, &token_id)?;
    m.remove_token(
        caller,
        Api::V2,
        user_id,
        TokenId::parse_or_nobody(&token_id),
    )
    .await
}

impl From<&Details> for RemoveTokenV2Response {
    fn from(details: &Details) -> Self {
        RemoveTokenV2Response {
            deletion_date: details.change_date.to_rfc3339(),
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ListTokensV2Request {
    pub pagination: ListQuery,
    pub sorting_column: Option<String>,
    pub filters: Vec<TokenFilter>,
}

/// One of ZITADEL's `PersonalAccessTokensSearchFilter`s.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenFilter {
    pub token_id_filter: Option<IdFilter>,
    pub user_id_filter: Option<IdFilter>,
    pub organization_id_filter: Option<IdFilter>,
    pub created_date_filter: Option<TimestampFilter>,
    pub expiration_date_filter: Option<TimestampFilter>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct IdFilter {
    pub id: String,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TimestampFilter {
    #[schema(value_type = crate::api::schema::Timestamp, required = true)]
    pub timestamp: Option<String>,
    /// `TIMESTAMP_FILTER_METHOD_EQUALS` (default), `_AFTER`, `_AFTER_OR_EQUALS`, `_BEFORE`, `_BEFORE_OR_EQUALS`.
    #[schema(value_type = Option<crate::api::schema::TimestampFilterMethod>)]
    pub method: Option<Value>,
}

/// `zitadel.user.v2.PersonalAccessToken`
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenV2 {
    pub creation_date: String,
    pub change_date: String,
    pub id: String,
    pub user_id: String,
    pub organization_id: String,
    pub expiration_date: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaginationResponse {
    pub total_result: String,
    pub applied_limit: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListTokensV2Response {
    pub pagination: PaginationResponse,
    pub result: Vec<TokenV2>,
}

/// A timestamp filter as (ordering, or equal, time).
fn timestamp_condition(
    field: &str,
    filter: &TimestampFilter,
) -> Result<(std::cmp::Ordering, bool, Timestamp), Error> {
    use std::cmp::Ordering::*;
    const MESSAGE: &str = "ListPersonalAccessTokensRequest";
    let at = timestamp_field(
        MESSAGE,
        &format!("{field}.Timestamp"),
        filter.timestamp.as_deref().unwrap_or_default(),
    )?;
    let method = match &filter.method {
        None | Some(Value::Null) => "TIMESTAMP_FILTER_METHOD_EQUALS".to_owned(),
        Some(Value::Number(n)) => match n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }) {
            Some(0) => "TIMESTAMP_FILTER_METHOD_EQUALS",
            Some(1) => "TIMESTAMP_FILTER_METHOD_AFTER",
            Some(2) => "TIMESTAMP_FILTER_METHOD_AFTER_OR_EQUALS",
            Some(3) => "TIMESTAMP_FILTER_METHOD_BEFORE",
            Some(4) => "TIMESTAMP_FILTER_METHOD_BEFORE_OR_EQUALS",
            _ => "",
        }
        .to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => String::new(),
    };
    Ok(match method.as_str() {
        "TIMESTAMP_FILTER_METHOD_EQUALS" => (Equal, true, at),
        "TIMESTAMP_FILTER_METHOD_AFTER" => (Greater, false, at),
        "TIMESTAMP_FILTER_METHOD_AFTER_OR_EQUALS" => (Greater, true, at),
        "TIMESTAMP_FILTER_METHOD_BEFORE" => (Less, false, at),
        "TIMESTAMP_FILTER_METHOD_BEFORE_OR_EQUALS" => (Less, true, at),
        _ => {
            return Err(Error::plain(
                Code::InvalidArgument,
                format!(
                "invalid {MESSAGE}.{field}.Method: value must be one of the defined enum values"
            ),
            ))
        }
    })
}

pub async fn list_tokens_v2(
    m: &Mailroom,
    caller: &Caller,
    r: ListTokensV2Request,
) -> Result<TokenList, Error> {
    // An id that is nobody's matches nothing rather than everything.
    let mut listing = TokenListing {
        offset: uint_field(&r.pagination.offset)?,
        limit: list_limit(uint_field(&r.pagination.limit)?),
        asc: r.pagination.asc,
        ..TokenListing::default()
    };
    for filter in &r.filters {
        if let Some(f) = &filter.token_id_filter {
            listing.token = Some(TokenId::parse_or_nobody(&f.id));
        }
        if let Some(f) = &filter.user_id_filter {
            listing.user = Some(UserId::parse_or_nobody(&f.id));
        }
        if let Some(f) = &filter.organization_id_filter {
            listing.org = Some(OrgId::parse_or_nobody(&f.id));
        }
        if let Some(f) = &filter.created_date_filter {
            listing.created = Some(timestamp_condition("CreatedDateFilter", f)?);
        }
        if let Some(f) = &filter.expiration_date_filter {
            listing.expires = Some(timestamp_condition("ExpirationDateFilter", f)?);
        }
    }
    let (tokens, total) = m.list_tokens(caller, Api::V2, &listing).await?;
    Ok(TokenList {
        tokens,
        total,
        limit: listing.limit,
    })
}

impl From<&TokenList> for ListTokensV2Response {
    fn from(list: &TokenList) -> Self {
        ListTokensV2Response {
            pagination: PaginationResponse {
                total_result: list.total.to_string(),
                applied_limit: list.limit.to_string(),
            },
            result: list
                .tokens
                .iter()
                .map(|t| {
                    let created = t.token.created_at.to_rfc3339();
                    TokenV2 {
                        creation_date: created.clone(),
                        change_date: created,
                        id: t.token.id.to_string(),
                        user_id: t.token.user_id.to_string(),
                        organization_id: t.org_id.to_string(),
                        expiration_date: expiry(t),
                    }
                })
                .collect(),
        }
    }
}

pub mod rest {
    use super::*;

    rest_op!(post "/v2/users/{userId}/pats", "User Service v2", "AddPersonalAccessToken for a machine user (shown once)",
        add_token(user: user, body: body) (AddTokenV2Request) -> AddTokenV2Response =
        |m, caller| add_token_v2(&m, &caller, Some(user), body.parse()?).await?.into());

    rest_op!(delete "/v2/users/{userId}/pats/{tokenId}", "User Service v2", "RemovePersonalAccessToken; it stops working at once",
        remove_token(ids: user_and_token) -> RemoveTokenV2Response =
        |m, caller| RemoveTokenV2Response::from(&remove_token_v2(&m, &caller, Some(ids), RemoveTokenV2Request::default()).await?));

    rest_op!(post "/v2/users/pats/search", "User Service v2", "ListPersonalAccessTokens of users the caller may read (never the tokens)",
        list_tokens(body: body) (ListTokensV2Request) -> ListTokensV2Response =
        |m, caller| ListTokensV2Response::from(&list_tokens_v2(&m, &caller, body.parse()?).await?));
}
