//! SetEmail, SendEmailCode, ResendEmailCode, VerifyEmail.

use mailroom_core::email_codes::CodeRequest;
use mailroom_core::permissions::Caller;
use mailroom_core::target::Api;
use mailroom_core::{Error, Mailroom};
use serde::Serialize;

use super::*;
use crate::api::body::{check_len, email_field};
use crate::api::dto::DetailsDto;
use mailroom_core::change_email::CodeWrite;
use mailroom_core::model::Details;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CodeResponse {
    pub details: DetailsDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
}

impl From<CodeWrite> for CodeResponse {
    fn from(write: CodeWrite) -> Self {
        CodeResponse {
            details: DetailsDto::from(&write.details),
            verification_code: write.code.map(|c| c.as_str().to_owned()),
        }
    }
}

pub async fn set_email(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: SetEmailRequest,
) -> Result<CodeWrite, Error> {
    const MESSAGE: &str = "SetEmailRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let email = email_field(MESSAGE, "Email", r.email.as_deref())?;
    let mode = set_email_mode(MESSAGE, r.send_code, r.return_code, r.is_verified)?;
    m.change_email(caller, Api::V2, user_id, &email, &mode)
        .await
}

pub async fn send_email_code(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: EmailCodeRequest,
) -> Result<CodeWrite, Error> {
    const MESSAGE: &str = "SendEmailCodeRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let delivery = code_delivery(MESSAGE, r.send_code, r.return_code)?;
    m.send_email_code(caller, Api::V2, user_id, &CodeRequest::New(delivery))
        .await
}

pub async fn resend_email_code(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: EmailCodeRequest,
) -> Result<CodeWrite, Error> {
    const MESSAGE: &str = "ResendEmailCodeRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let delivery = code_delivery(MESSAGE, r.send_code, r.return_code)?;
    m.send_email_code(caller, Api::V2, user_id, &CodeRequest::Again(delivery))
        .await
}

pub async fn verify_email(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: VerifyEmailRequest,
) -> Result<Details, Error> {
    const MESSAGE: &str = "VerifyEmailRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let code = r.verification_code.unwrap_or_default();
    check_len(MESSAGE, "VerificationCode", &code, 1, 20)?;
    m.verify_email(caller, user_id, &code).await
}
