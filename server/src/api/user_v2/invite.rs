//! CreateInviteCode, ResendInviteCode, VerifyInviteCode (SPEC §3.2).

use mailroom_core::change_email::CodeWrite;
use mailroom_core::invite_codes::Invite;
use mailroom_core::model::Details;
use mailroom_core::permissions::Caller;
use mailroom_core::verification::CodeDelivery;
use mailroom_core::{Code, Error, Mailroom};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::*;
use crate::api::body::{check_len, url_template_field};
use crate::api::dto::DetailsDto;

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SendInviteCode {
    #[schema(value_type = Option<crate::api::schema::UrlTemplate>)]
    pub url_template: Option<String>,
    /// Named in the invite mail.
    #[schema(value_type = Option<crate::api::schema::Name>)]
    pub application_name: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateInviteCodeRequest {
    /// Connect: the user; REST takes the path's.
    pub user_id: Option<String>,
    pub send_code: Option<SendInviteCode>,
    #[schema(value_type = Option<Object>)]
    pub return_code: Option<Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateInviteCodeResponse {
    pub details: DetailsDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_code: Option<String>,
}

impl From<CodeWrite> for CreateInviteCodeResponse {
    fn from(write: CodeWrite) -> Self {
        CreateInviteCodeResponse {
            details: DetailsDto::from(&write.details),
            invite_code: write.code.map(|c| c.as_str().to_owned()),
        }
    }
}

pub async fn create_invite_code(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: CreateInviteCodeRequest,
) -> Result<CodeWrite, Error> {
    const MESSAGE: &str = "CreateInviteCodeRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let invite = match (r.send_code, return_code_field(MESSAGE, r.return_code)?) {
        (Some(_), Some(_)) => return Err(oneof_error(MESSAGE, "sendCode, returnCode")),
        (None, Some(_)) => Invite {
            delivery: CodeDelivery::Return,
            application_name: None,
        },
        (send, None) => {
            let send = send.unwrap_or_default();
            let url_template = url_template_field(
                MESSAGE,
                "SendCode",
                "SendInviteCode",
                send.url_template.as_deref(),
            )?;
            if let Some(name) = &send.application_name {
                check_len("SendInviteCode", "ApplicationName", name, 1, 200).map_err(|err| {
                    Error::plain(
                        Code::InvalidArgument,
                        format!(
                            "invalid {MESSAGE}.SendCode: embedded message failed validation | caused by: {}",
                            err.message
                        ),
                    )
                })?;
            }
            Invite {
                delivery: CodeDelivery::Mail { url_template },
                application_name: send.application_name,
            }
        }
    };
    m.create_invite_code(caller, user_id, &invite).await
}

pub async fn resend_invite_code(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: UserIdRequest,
) -> Result<Details, Error> {
    let user_id = user_id_field("ResendInviteCodeRequest", path_user, r.user_id)?;
    m.resend_invite_code(caller, user_id).await
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct VerifyInviteCodeRequest {
    /// Connect: the user; REST takes the path's.
    pub user_id: Option<String>,
    #[schema(value_type = crate::api::schema::VerificationCode, required = true)]
    pub verification_code: Option<String>,
}

pub async fn verify_invite_code(
    m: &Mailroom,
    caller: &Caller,
    path_user: Option<String>,
    r: VerifyInviteCodeRequest,
) -> Result<Details, Error> {
    const MESSAGE: &str = "VerifyInviteCodeRequest";
    let user_id = user_id_field(MESSAGE, path_user, r.user_id)?;
    let code = r.verification_code.unwrap_or_default();
    check_len(MESSAGE, "VerificationCode", &code, 1, 20)?;
    m.verify_invite_code(caller, user_id, &code).await
}
