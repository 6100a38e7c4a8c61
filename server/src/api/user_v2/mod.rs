//! User Service v2 (SPEC §3.2): one function per method, in a file per operation,
//! called by the REST handlers (`rest`) and by the Connect adapter (`connect.rs`)
//! alike. Here: what the methods share (ids, the `sendCode | returnCode | isVerified`
//! oneof, list queries).

mod add_human;
mod email;
mod invite;
pub mod rest;
mod state;
mod users;

pub use add_human::*;
pub use email::*;
pub use invite::*;
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
    #[schema(value_type = Option<crate::api::schema::UrlTemplate>)]
    pub url_template: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SetEmailRequest {
    /// Connect: the user; REST takes the path's.
    pub user_id: Option<String>,
    #[schema(value_type = crate::api::schema::EmailAddress, required = true)]
    pub email: Option<String>,
    pub send_code: Option<SendCode>,
    #[schema(value_type = Option<Object>)]
    pub return_code: Option<Value>,
    #[schema(value_type = Option<crate::api::schema::OnlyTrue>)]
    pub is_verified: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct EmailCodeRequest {
    /// Connect: the user; REST takes the path's.
    pub user_id: Option<String>,
    pub send_code: Option<SendCode>,
    #[schema(value_type = Option<Object>)]
    pub return_code: Option<Value>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct VerifyEmailRequest {
    /// Connect: the user; REST takes the path's.
    pub user_id: Option<String>,
    #[schema(value_type = crate::api::schema::VerificationCode, required = true)]
    pub verification_code: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct UserIdRequest {
    /// Connect: the user; REST takes the path's.
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

/// `returnCode` is an (empty) message: an object, or absent.
fn return_code_field(message: &str, return_code: Option<Value>) -> Result<Option<Value>, Error> {
    match return_code {
        Some(Value::Object(_)) | None => Ok(return_code),
        Some(_) => Err(Error::plain(
            Code::InvalidArgument,
            format!("invalid {message}.ReturnCode: must be an object"),
        )),
    }
}

/// `sendCode` | `returnCode` | neither (= send with the default link).
pub(crate) fn code_delivery(
    message: &str,
    send_code: Option<SendCode>,
    return_code: Option<Value>,
) -> Result<CodeDelivery, Error> {
    match (send_code, return_code_field(message, return_code)?) {
        (Some(_), Some(_)) => Err(oneof_error(message, "sendCode, returnCode")),
        (None, Some(_)) => Ok(CodeDelivery::Return),
        (Some(send), None) => Ok(CodeDelivery::Mail {
            url_template: url_template_field(
                message,
                "SendCode",
                "SendEmailVerificationCode",
                send.url_template.as_deref(),
            )?,
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
    let return_code = return_code_field(message, return_code)?;
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
    #[schema(value_type = Option<crate::api::schema::Uint64>)]
    pub offset: Option<Value>,
    #[schema(value_type = Option<crate::api::schema::Uint64>)]
    pub limit: Option<Value>,
    pub asc: bool,
}

/// 2^53 - 1.
pub(crate) const MAX_JSON_INTEGER: u64 = 9_007_199_254_740_991;

/// A protobuf-JSON `uint64`: a number or a string.
pub(crate) fn uint_field(value: &Option<Value>) -> Result<u64, Error> {
    match value {
        None | Some(Value::Null) => Ok(0),
        // `1.0` and `1e3` are integers too (JSON has one number type).
        // As a JSON number up to 2^53 - 1, the largest integer every JSON parser holds
        // exactly (`1.0` and `1e3` included); larger values come as strings.
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            })
            .filter(|v| *v <= MAX_JSON_INTEGER)
            .ok_or_else(|| {
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
