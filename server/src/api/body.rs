//! Request bodies and field validation: protobuf-JSON leniency (empty body = `{}`,
//! unknown fields ignored, camelCase or snake_case names) and the validation
//! messages ZITADEL's generated validators produce (SPEC §2).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;
use mailroom_core::email::EmailAddress;
use mailroom_core::url_template::UrlTemplate;
use mailroom_core::{Code, Error};
use serde::de::DeserializeOwned;

use super::error::{ConnectError, RestError};

/// The raw body, read within the size limit. Parsing happens in the handler, after
/// authentication (extractors run in order, and this one is last).
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // The error's shape follows the path's protocol (REST or Connect).
        let connect = request.uri().path().starts_with(super::CONNECT_PREFIX);
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(RawBody(bytes)),
            Err(rejection) => {
                let status = rejection.status();
                let error = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    Error::plain(
                        Code::ResourceExhausted,
                        format!("request body larger than {} bytes", super::MAX_BODY_BYTES),
                    )
                } else {
                    Error::plain(Code::InvalidArgument, "request body could not be read")
                };
                Err(if connect {
                    ConnectError(error).with_status(status)
                } else {
                    RestError(error).with_status(status)
                })
            }
        }
    }
}

impl RawBody {
    /// Parses the body as `T`; an empty body is `{}`. Malformed JSON → InvalidArgument.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let text = std::str::from_utf8(&self.0)
            .map_err(|_| Error::plain(Code::InvalidArgument, "invalid request body: not UTF-8"))?;
        // No body at all is the empty message; whitespace alone is no JSON.
        let text = if text.is_empty() { "{}" } else { text };
        serde_json::from_str(text)
            .and_then(|value| T::deserialize(super::strict_json::Strict(value)))
            .map_err(|err| {
                Error::plain(
                    Code::InvalidArgument,
                    format!("invalid request body: {err}"),
                )
            })
    }
}

/// `invalid SetEmailRequest.Email: value length must be between 1 and 200 runes, inclusive`
pub fn check_len(
    message: &str,
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), Error> {
    let chars = value.chars().count();
    if !(min..=max).contains(&chars) {
        return Err(Error::plain(
            Code::InvalidArgument,
            format!("invalid {message}.{field}: value length must be between {min} and {max} runes, inclusive"),
        ));
    }
    Ok(())
}

/// `invalid X.Y: value length must be at most 200 runes`, for optional fields.
pub fn check_max(message: &str, field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.chars().count() > max {
        return Err(Error::plain(
            Code::InvalidArgument,
            format!("invalid {message}.{field}: value length must be at most {max} runes"),
        ));
    }
    Ok(())
}

/// A required email field: 1–200 characters, then a valid address.
pub fn email_field(message: &str, field: &str, value: Option<&str>) -> Result<EmailAddress, Error> {
    let value = value.unwrap_or_default();
    check_len(
        message,
        field,
        value,
        1,
        mailroom_core::email::MAX_EMAIL_CHARS,
    )?;
    EmailAddress::parse(value)
}

/// An optional `urlTemplate` inside `sendCode`: 1–200 characters and a valid template.
/// A bad length is reported the way protoc-gen-validate reports embedded messages.
pub fn url_template_field(
    message: &str,
    field: &str,
    inner: &str,
    value: Option<&str>,
) -> Result<Option<UrlTemplate>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    let chars = value.chars().count();
    if !(1..=mailroom_core::url_template::MAX_TEMPLATE_CHARS).contains(&chars) {
        return Err(Error::plain(
            Code::InvalidArgument,
            format!(
                "invalid {message}.{field}: embedded message failed validation | caused by: \
                 invalid {inner}.UrlTemplate: value length must be between 1 and 200 runes, inclusive"
            ),
        ));
    }
    UrlTemplate::parse(value).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_counted_in_characters() {
        assert!(check_len("M", "F", &"ä".repeat(200), 1, 200).is_ok());
        let err = check_len("SetEmailRequest", "Email", &"a".repeat(201), 1, 200).unwrap_err();
        assert_eq!(
            err.client_message(),
            "invalid SetEmailRequest.Email: value length must be between 1 and 200 runes, inclusive"
        );
        assert!(err.id.is_none());
    }

    #[test]
    fn empty_body_is_an_empty_object() {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct R {
            a: Option<String>,
        }
        assert!(RawBody(Bytes::from_static(b""))
            .parse::<R>()
            .unwrap()
            .a
            .is_none());
        // Whitespace alone is not JSON (ZITADEL's gateway would take it as empty; no
        // client sends it, and the OpenAPI document can only say "JSON or nothing").
        assert!(RawBody(Bytes::from_static(b" \n")).parse::<R>().is_err());
        let err = RawBody(Bytes::from_static(b"{"))
            .parse::<R>()
            .err()
            .unwrap();
        assert_eq!(err.code, Code::InvalidArgument);
    }
}
