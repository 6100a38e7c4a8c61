//! Connect protocol, unary JSON: `POST /zitadel.user.v2.UserService/<Method>` and
//! `POST /zitadel.org.v2.OrganizationService/<Method>`. The request message is the
//! body (with `userId`); the same method functions as the REST paths run it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use mailroom_core::user_state::StateChange;
use mailroom_core::{Error, Mailroom};
use serde::Serialize;

use super::auth::authenticate;
use super::body::RawBody;
use super::dto::DetailsOnly;
use super::error::ConnectError;
use super::user_v2::{AddHumanUserResponse, CodeResponse, GetUserResponse, ListUsersResponse};
use super::{org_v2, pats, user_v2};
use mailroom_core::model::Details;

const USER_METHODS: [&str; 15] = [
    "SetEmail",
    "SendEmailCode",
    "ResendEmailCode",
    "VerifyEmail",
    "AddHumanUser",
    "GetUserByID",
    "ListUsers",
    "DeleteUser",
    "DeactivateUser",
    "ReactivateUser",
    "LockUser",
    "UnlockUser",
    "AddPersonalAccessToken",
    "RemovePersonalAccessToken",
    "ListPersonalAccessTokens",
];

fn json<T: Serialize>(value: T) -> Response {
    Json(value).into_response()
}

fn details(details: Details) -> Response {
    json(DetailsOnly::from(&details))
}

/// `POST /zitadel.user.v2.UserService/{method}`
pub async fn user_service(
    State(m): State<Mailroom>,
    Path(method): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: RawBody,
) -> Response {
    if !USER_METHODS.contains(&method.as_str()) {
        return super::not_found(&uri);
    }
    let result: Result<Response, Error> = async {
        let caller = authenticate(&m, &headers).await?;
        Ok(match method.as_str() {
            "SetEmail" => json(CodeResponse::from(
                user_v2::set_email(&m, &caller, None, body.parse()?).await?,
            )),
            "SendEmailCode" => json(CodeResponse::from(
                user_v2::send_email_code(&m, &caller, None, body.parse()?).await?,
            )),
            "ResendEmailCode" => json(CodeResponse::from(
                user_v2::resend_email_code(&m, &caller, None, body.parse()?).await?,
            )),
            "VerifyEmail" => {
                details(user_v2::verify_email(&m, &caller, None, body.parse()?).await?)
            }
            "AddHumanUser" => json(AddHumanUserResponse::from(
                user_v2::add_human_user(&m, &caller, body.parse()?).await?,
            )),
            "GetUserByID" => json(GetUserResponse::from(
                &user_v2::get_user(&m, &caller, None, body.parse()?).await?,
            )),
            "ListUsers" => json(ListUsersResponse::from(
                &user_v2::list_users(&m, &caller, body.parse()?).await?,
            )),
            "DeleteUser" => details(user_v2::delete_user(&m, &caller, None, body.parse()?).await?),
            "DeactivateUser" => details(
                user_v2::change_state(&m, &caller, None, body.parse()?, StateChange::Deactivate)
                    .await?,
            ),
            "ReactivateUser" => details(
                user_v2::change_state(&m, &caller, None, body.parse()?, StateChange::Reactivate)
                    .await?,
            ),
            "LockUser" => details(
                user_v2::change_state(&m, &caller, None, body.parse()?, StateChange::Lock).await?,
            ),
            "AddPersonalAccessToken" => json(pats::AddTokenV2Response::from(
                pats::add_token_v2(&m, &caller, None, body.parse()?).await?,
            )),
            "RemovePersonalAccessToken" => json(pats::RemoveTokenV2Response::from(
                &pats::remove_token_v2(&m, &caller, None, body.parse()?).await?,
            )),
            "ListPersonalAccessTokens" => json(pats::ListTokensV2Response::from(
                &pats::list_tokens_v2(&m, &caller, body.parse()?).await?,
            )),
            _ => details(
                user_v2::change_state(&m, &caller, None, body.parse()?, StateChange::Unlock)
                    .await?,
            ),
        })
    }
    .await;
    result.unwrap_or_else(|err| ConnectError(err).into_response())
}

/// `POST /zitadel.org.v2.OrganizationService/{method}`
pub async fn organization_service(
    State(m): State<Mailroom>,
    Path(method): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: RawBody,
) -> Response {
    if method != "AddOrganization" {
        return super::not_found(&uri);
    }
    let result: Result<Response, Error> = async {
        let caller = authenticate(&m, &headers).await?;
        Ok(json(org_v2::AddOrganizationResponse::from(
            &org_v2::add_organization(&m, &caller, body.parse()?).await?,
        )))
    }
    .await;
    result.unwrap_or_else(|err| ConnectError(err).into_response())
}
