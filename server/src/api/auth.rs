//! Bearer-token authentication and the v1 org header, shared by every API handler.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use mailroom_core::permissions::Caller;
use mailroom_core::target::OrgContext;
use mailroom_core::{Code, Error, Mailroom};

use super::error::RestError;

pub const ORG_HEADER: &str = "x-zitadel-orgid";

/// Authenticates `Authorization: Bearer <PAT>` (SPEC §2, "Authentication").
pub async fn authenticate(mailroom: &Mailroom, headers: &HeaderMap) -> Result<Arc<Caller>, Error> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Error::plain(Code::Unauthenticated, "auth header missing"));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::unauthenticated("AUTH-toLo1", "invalid auth header"))?;
    mailroom.authenticate_token(token).await
}

/// The authenticated caller of a REST handler. Being an extractor that runs before
/// the body, authentication is checked before the body is validated.
pub struct RestCaller(pub Arc<Caller>);

impl FromRequestParts<Mailroom> for RestCaller {
    type Rejection = RestError;

    async fn from_request_parts(
        parts: &mut Parts,
        mailroom: &Mailroom,
    ) -> Result<Self, Self::Rejection> {
        Ok(RestCaller(authenticate(mailroom, &parts.headers).await?))
    }
}

/// The v1 org context from `x-zitadel-orgid` (absent: the caller's own org).
pub struct OrgHeader(pub OrgContext);

impl<S: Send + Sync> FromRequestParts<S> for OrgHeader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(OrgHeader(OrgContext::from_header(
            parts.headers.get(ORG_HEADER).map(|v| v.as_bytes()),
        )))
    }
}
