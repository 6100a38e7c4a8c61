//! gRPC (and gRPC-web, and Connect's error details): `grpc-status` = the code,
//! `grpc-message` = `"<message> (<id>)"`, and for errors with an id
//! `grpc-status-details-bin` = a `google.rpc.Status` holding one
//! `zitadel.v1.ErrorDetail{id, message}`, as ZITADEL answers (SPEC §2).

use mailroom_core::Error;
use prost::Message;

/// `zitadel.v1.ErrorDetail` (zitadel/message.proto): the id and the untranslated
/// message of an error.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ErrorDetail {
    #[prost(string, tag = "1")]
    pub id: String,
    #[prost(string, tag = "2")]
    pub message: String,
}

/// The type URL of `ErrorDetail` in a `google.protobuf.Any`.
pub const ERROR_DETAIL_TYPE: &str = "type.googleapis.com/zitadel.v1.ErrorDetail";

/// The encoded `ErrorDetail` of an error with an id.
pub fn error_detail(error: &Error) -> Option<Vec<u8>> {
    error.id.map(|id| {
        ErrorDetail {
            id: id.to_owned(),
            message: error.message.to_string(),
        }
        .encode_to_vec()
    })
}

/// The gRPC status of a domain error.
pub fn status(error: &Error) -> tonic::Status {
    let code = tonic::Code::from_i32(error.code.number());
    let message = error.client_message();
    match error_detail(error) {
        Some(detail) => {
            let status = tonic_types::Status {
                code: code as i32,
                message: message.clone(),
                details: vec![prost_types::Any {
                    type_url: ERROR_DETAIL_TYPE.to_owned(),
                    value: detail,
                }],
            };
            tonic::Status::with_details(code, message, status.encode_to_vec().into())
        }
        None => tonic::Status::new(code, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailroom_core::Code;

    #[test]
    fn statuses_carry_the_zitadel_detail() {
        let error = Error::failed_precondition("COMMAND-2b7fM", "Email not changed");
        let status = status(&error);
        assert_eq!(status.code(), tonic::Code::FailedPrecondition);
        assert_eq!(status.message(), "Email not changed (COMMAND-2b7fM)");
        let details = tonic_types::Status::decode(status.details()).unwrap();
        assert_eq!(details.code, Code::FailedPrecondition.number());
        assert_eq!(details.details[0].type_url, ERROR_DETAIL_TYPE);
        let detail = ErrorDetail::decode(details.details[0].value.as_slice()).unwrap();
        assert_eq!(
            (detail.id.as_str(), detail.message.as_str()),
            ("COMMAND-2b7fM", "Email not changed")
        );
        let plain = status_of_plain();
        assert!(plain.details().is_empty());
    }

    fn status_of_plain() -> tonic::Status {
        status(&Error::plain(Code::InvalidArgument, "invalid X.Y"))
    }
}
