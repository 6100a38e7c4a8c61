//! User Service v2 (SPEC §3.2): one function per method, in a file per operation,
//! called by the REST handlers (`rest`) and by the Connect adapter (`connect.rs`)
//! alike. Here: what the methods share (ids, the `sendCode | returnCode | isVerified`
//! oneof, list queries).

mod add_human;
mod email;
pub mod rest;
mod state;
mod users;

pub use add_human::*;
pub use email::*;
pub use state::*;
pub use users::*;

use mailroom_core::change_email::Verification;
use mailroom_core::ids::UserId;
use mailroom_core::verification::CodeDelivery;
use mailroom_core::{Code, Error};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::body::{check_len, url_template_field};

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SendCode {
    #[serde(alias = "url_template")]
    pub url_template: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SetEmailRequest {
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
    pub email: Option<String>,
    #[serde(alias = "send_code")]
    pub send_code: Option<SendCode>,
    #[serde(alias = "return_code")]
    #[schema(value_type = Option<Object>)]
    pub return_code: Option<Value>,
    #[serde(alias = "is_verified")]
    pub is_verified: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct EmailCodeRequest {
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
    #[serde(alias = "send_code")]
    pub send_code: Option<SendCode>,
    #[serde(alias = "return_code")]
    #[schema(value_type = Option<Object>)]
    pub return_code: Option<Value>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct VerifyEmailRequest {
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
    #[serde(alias = "verification_code")]
    pub verification_code: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct UserIdRequest {
    #[serde(alias = "user_id")]
    pub user_id: Option<String>,
}

pub(crate) fn user_id_field(
    message: &str,
    path: Option<String>,
    body: Option<String>,
) -> Result<UserId, Error> {
    // The path's userId wins over the body's (SPEC §2).
    let user_id = path.or(body).unwrap_or_default();
    check_len(message, "UserId", &user_id, 1, 200)?;
    // Text that is no id names nobody: answered like an unknown user.
    Ok(UserId::parse_or_nobody(&user_id))
}

pub(crate) fn oneof_error(message: &str, fields: &str) -> Error {
    Error::plain(
        Code::InvalidArgument,
        format!("invalid {message}: at most one of {fields} may be set"),
    )
}

/// `sendCode` | `returnCode` | neither (= send with the default link).
pub(crate) fn code_delivery(
    message: &str,
    send_code: Option<SendCode>,
    return_code: Option<Value>,
) -> Result<CodeDelivery, Error> {
    match (send_code, return_code) {
        (Some(_), Some(_)) => Err(oneof_error(message, "sendCode, returnCode")),
        (None, Some(_)) => Ok(CodeDelivery::Return),
        (Some(send), None) => Ok(CodeDelivery::Mail {
            url_template: url_template_field(message, "SendCode", send.url_template.as_deref())?,
        }),
        (None, None) => Ok(CodeDelivery::Mail { url_template: None }),
    }
}

pub(crate) fn set_email_mode(
    message: &str,
    send_code: Option<SendCode>,
    return_code: Option<Value>,
    is_verified: Option<bool>,
) -> Result<Verification, Error> {
    match is_verified {
        None => Ok(Verification::Code(code_delivery(
            message,
            send_code,
            return_code,
        )?)),
        Some(_) if send_code.is_some() || return_code.is_some() => {
            Err(oneof_error(message, "sendCode, returnCode, isVerified"))
        }
        Some(true) => Ok(Verification::Verified),
        Some(false) => Err(Error::plain(
            Code::InvalidArgument,
            format!("invalid {message}.IsVerified: value must equal true"),
        )),
    }
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ListQuery {
    /// uint64 in protobuf JSON: a number or a string.
    #[schema(value_type = Option<Object>)]
    pub offset: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub limit: Option<Value>,
    pub asc: bool,
}

/// A protobuf-JSON `uint64`: a number or a string.
pub(crate) fn uint_field(value: &Option<Value>) -> Result<u64, Error> {
    match value {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
            Error::plain(
                Code::InvalidArgument,
                "invalid ListQuery: not an unsigned integer",
            )
        }),
        Some(Value::String(s)) => s.parse().map_err(|_| {
            Error::plain(
                Code::InvalidArgument,
                "invalid ListQuery: not an unsigned integer",
            )
        }),
        Some(_) => Err(Error::plain(
            Code::InvalidArgument,
            "invalid ListQuery: not an unsigned integer",
        )),
    }
}
