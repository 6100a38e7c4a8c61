//! Connect protocol, unary: `POST /zitadel.user.v2.UserService/<Method>` and
//! `POST /zitadel.org.v2.OrganizationService/<Method>`, with JSON messages
//! (`application/json`) or binary ones (`application/proto`). The request message is
//! the body (with `userId`); JSON runs the REST paths' method functions, binary the
//! gRPC adapters' (which call those same functions). Errors are JSON either way, as
//! the Connect protocol has it.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use mailroom_core::permissions::Caller;
use mailroom_core::target::OrgContext;
use mailroom_core::user_state::StateChange;
use mailroom_core::{Code, Error, Mailroom};
use serde::Serialize;

use super::auth::authenticate;
use super::body::RawBody;
use super::dto::DetailsOnly;
use super::error::ConnectError;
use super::user_v2::{AddHumanUserResponse, CodeResponse, GetUserResponse, ListUsersResponse};
use super::{org_v2, pats, user_v2};
use mailroom_core::model::Details;

/// The User Service's method names, from the one list its services are built from.
macro_rules! method_names {
    ($($name:literal $method:ident($req:ident) -> $resp:ident;)*) => {
        const USER_METHODS: &[&str] = &[$($name),*];
    };
}

crate::grpc::user_v2::methods!(method_names);

fn json<T: Serialize>(value: T) -> Response {
    Json(value).into_response()
}

fn details(details: Details) -> Response {
    json(DetailsOnly::from(&details))
}

/// `POST /zitadel.user.v2.UserService/{method}` and
/// `POST /zitadel.org.v2.OrganizationService/{method}`: the method is checked before
/// the caller, the caller before the body, and every error has the Connect shape.
pub async fn call(
    State(m): State<Mailroom>,
    Path(method): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: RawBody,
) -> Response {
    let users = uri.path().starts_with("/zitadel.user.v2.UserService/");
    let known = if users {
        USER_METHODS.contains(&method.as_str())
    } else {
        method == "AddOrganization"
    };
    if !known {
        return super::not_found(&uri);
    }
    let result: Result<Response, Error> = async {
        let caller = authenticate(&m, &headers).await?;
        match (users, is_binary(&headers)) {
            (true, true) => user_service_binary(&m, &caller, &method, &body.0).await,
            (true, false) => user_service_json(&m, &caller, &method, &body).await,
            (false, true) => {
                let call = (&m, &*caller, OrgContext::CallersOrg, decode(&body.0)?);
                Ok(proto(crate::grpc::org_v2::add_organization(call).await?))
            }
            (false, false) => Ok(json(org_v2::AddOrganizationResponse::from(
                &org_v2::add_organization(&m, &caller, body.parse()?).await?,
            ))),
        }
    }
    .await;
    result.unwrap_or_else(|err| ConnectError(err).into_response())
}

async fn user_service_json(
    m: &Mailroom,
    caller: &Caller,
    method: &str,
    body: &RawBody,
) -> Result<Response, Error> {
    Ok(match method {
        "SetEmail" => json(CodeResponse::from(
            user_v2::set_email(m, caller, None, body.parse()?).await?,
        )),
        "SendEmailCode" => json(CodeResponse::from(
            user_v2::send_email_code(m, caller, None, body.parse()?).await?,
        )),
        "ResendEmailCode" => json(CodeResponse::from(
            user_v2::resend_email_code(m, caller, None, body.parse()?).await?,
        )),
        "VerifyEmail" => details(user_v2::verify_email(m, caller, None, body.parse()?).await?),
        "CreateInviteCode" => json(user_v2::CreateInviteCodeResponse::from(
            user_v2::create_invite_code(m, caller, None, body.parse()?).await?,
        )),
        "ResendInviteCode" => {
            details(user_v2::resend_invite_code(m, caller, None, body.parse()?).await?)
        }
        "VerifyInviteCode" => {
            details(user_v2::verify_invite_code(m, caller, None, body.parse()?).await?)
        }
        "AddHumanUser" => json(AddHumanUserResponse::from(
            user_v2::add_human_user(m, caller, body.parse()?).await?,
        )),
        "GetUserByID" => json(GetUserResponse::from(
            &user_v2::get_user(m, caller, None, body.parse()?).await?,
        )),
        "ListUsers" => json(ListUsersResponse::from(
            &user_v2::list_users(m, caller, body.parse()?).await?,
        )),
        "DeleteUser" => details(user_v2::delete_user(m, caller, None, body.parse()?).await?),
        "DeactivateUser" => details(
            user_v2::change_state(m, caller, None, body.parse()?, StateChange::Deactivate).await?,
        ),
        "ReactivateUser" => details(
            user_v2::change_state(m, caller, None, body.parse()?, StateChange::Reactivate).await?,
        ),
        "LockUser" => {
            details(user_v2::change_state(m, caller, None, body.parse()?, StateChange::Lock).await?)
        }
        "AddPersonalAccessToken" => json(pats::AddTokenV2Response::from(
            pats::add_token_v2(m, caller, None, body.parse()?).await?,
        )),
        "RemovePersonalAccessToken" => json(pats::RemoveTokenV2Response::from(
            &pats::remove_token_v2(m, caller, None, body.parse()?).await?,
        )),
        "ListPersonalAccessTokens" => json(pats::ListTokensV2Response::from(
            &pats::list_tokens_v2(m, caller, body.parse()?).await?,
        )),
        _ => details(
            user_v2::change_state(m, caller, None, body.parse()?, StateChange::Unlock).await?,
        ),
    })
}

/// The User Service in Connect binary: the gRPC adapters' functions, from the one list
/// of methods the tonic service is built from.
macro_rules! binary_methods {
    ($($name:literal $method:ident($req:ident) -> $resp:ident;)*) => {
        async fn user_service_binary(
            m: &Mailroom,
            caller: &Caller,
            method: &str,
            body: &[u8],
        ) -> Result<Response, Error> {
            let org = OrgContext::CallersOrg;
            match method {
                $($name => {
                    let call = (m, caller, org, decode(body)?);
                    Ok(proto(crate::grpc::user_v2::$method(call).await?))
                })*
                _ => Err(Error::plain(Code::Unimplemented, "not a method of the User Service")),
            }
        }
    };
}

crate::grpc::user_v2::methods!(binary_methods);

/// `application/proto` (optionally with parameters) asks for binary messages.
fn is_binary(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/proto"))
}

fn decode<T: prost::Message + Default>(body: &[u8]) -> Result<T, Error> {
    T::decode(body).map_err(|_| {
        Error::plain(
            Code::InvalidArgument,
            "invalid request body: not a protobuf message of the method's request type",
        )
    })
}

fn proto<T: prost::Message>(message: T) -> Response {
    (
        [(header::CONTENT_TYPE, "application/proto")],
        message.encode_to_vec(),
    )
        .into_response()
}
