//! The OpenAPI shapes of the API's text fields: what the validators in `body.rs`,
//! the id parsers and core accept, said once so that a client generated from
//! `/openapi.json` (or a fuzzer) sends only what the server takes. Fields use them
//! with `#[schema(value_type = …)]`.

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// No control characters (core's `text::printable_names`): C0, DEL and C1.
const PRINTABLE: &str = "^[^\\x00-\\x1f\\x7f-\\x9f]*$";
/// A decimal id of ours: a positive int64 in at most 19 digits (the pattern leaves out
/// the few above 8999999999999999999 to stay readable).
const ID: &str = "^0*([1-9][0-9]{0,17}|[1-8][0-9]{18})$";
const OPTIONAL_ID: &str = "^(0*([1-9][0-9]{0,17}|[1-8][0-9]{18}))?$";
/// Any text (passwords: every character counts).
const ANY: &str = "^[\\s\\S]*$";
/// SPEC §3's address: an atext local part, `@`, hostname labels.
const EMAIL: &str = "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$";
/// Text and exactly the three placeholders of SPEC §3.2.
const URL_TEMPLATE: &str = "^([^{}\\x00-\\x1f\\x7f-\\x9f]|\\{\\{\\.(UserID|OrgID|Code)\\}\\})+$";

fn text(min: usize, max: usize, pattern: &str, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length((min > 0).then_some(min))
        .max_length(Some(max))
        .pattern(Some(pattern))
        .description(Some(description))
}

macro_rules! text_schema {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $pattern:expr, $description:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                text($min, $max, $pattern, $description).into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

text_schema!(
    Name,
    1,
    200,
    PRINTABLE,
    "1–200 characters, no control characters"
);
text_schema!(
    OptionalName,
    0,
    200,
    PRINTABLE,
    "At most 200 characters, no control characters"
);
text_schema!(
    Language,
    0,
    10,
    PRINTABLE,
    "A language tag, at most 10 characters"
);
text_schema!(
    Description,
    0,
    500,
    "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$",
    "At most 500 characters; line breaks and tabs allowed"
);
text_schema!(Password, 8, 200, ANY, "8–200 characters");
text_schema!(Id, 1, 19, ID, "A decimal id (int64, positive)");
text_schema!(
    OptionalId,
    0,
    19,
    OPTIONAL_ID,
    "A decimal id (int64, positive); empty: not given"
);
text_schema!(
    EmailAddress,
    3,
    200,
    EMAIL,
    "A single `local@domain` address, 1–200 characters"
);
text_schema!(
    UrlTemplate,
    1,
    200,
    URL_TEMPLATE,
    "A link with any of `{{.UserID}}`, `{{.OrgID}}`, `{{.Code}}`"
);
text_schema!(
    VerificationCode,
    1,
    20,
    PRINTABLE,
    "The code from the mail (case and surrounding spaces do not matter)"
);

/// A protobuf-JSON `uint64`: a JSON number or a decimal string.
pub struct Uint64;

impl utoipa::PartialSchema for Uint64 {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .maximum(Some(super::user_v2::MAX_JSON_INTEGER as f64)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[0-9]{1,19}$")),
            )
            .description(Some("uint64: a number or a decimal string"))
            .into()
    }
}

impl utoipa::ToSchema for Uint64 {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Uint64")
    }
}

macro_rules! enum_schema {
    ($(#[$doc:meta])* $name:ident, [$($value:expr),+ $(,)?]) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([$($value),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

enum_schema!(
    OrgRole,
    ["ORG_OWNER", "ORG_USER_MANAGER", "ORG_OWNER_VIEWER"]
);
enum_schema!(
    TextQueryMethod,
    [
        "TEXT_QUERY_METHOD_EQUALS",
        "TEXT_QUERY_METHOD_EQUALS_IGNORE_CASE",
        "TEXT_QUERY_METHOD_STARTS_WITH",
        "TEXT_QUERY_METHOD_STARTS_WITH_IGNORE_CASE",
        "TEXT_QUERY_METHOD_CONTAINS",
        "TEXT_QUERY_METHOD_CONTAINS_IGNORE_CASE",
        "TEXT_QUERY_METHOD_ENDS_WITH",
        "TEXT_QUERY_METHOD_ENDS_WITH_IGNORE_CASE",
    ]
);
enum_schema!(
    UserStateName,
    [
        "USER_STATE_UNSPECIFIED",
        "USER_STATE_ACTIVE",
        "USER_STATE_INACTIVE",
        "USER_STATE_DELETED",
        "USER_STATE_LOCKED",
        "USER_STATE_INITIAL",
    ]
);

enum_schema!(
    MailStatus,
    ["queued", "sending", "sent", "failed", "skipped", "captured"]
);

/// RFC 3339 date-time.
pub struct Timestamp;

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }
}

/// A field that may only be `true` when present (`isVerified`: the alternative to a
/// code is "verified", never "unverified").
pub struct OnlyTrue;

impl utoipa::PartialSchema for OnlyTrue {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .enum_values(Some([true]))
            .into()
    }
}

impl utoipa::ToSchema for OnlyTrue {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("OnlyTrue")
    }
}

/// ZITADEL's `TimestampFilterMethod`: its name or its number.
pub struct TimestampFilterMethod;

impl utoipa::PartialSchema for TimestampFilterMethod {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([
                        "TIMESTAMP_FILTER_METHOD_EQUALS",
                        "TIMESTAMP_FILTER_METHOD_AFTER",
                        "TIMESTAMP_FILTER_METHOD_AFTER_OR_EQUALS",
                        "TIMESTAMP_FILTER_METHOD_BEFORE",
                        "TIMESTAMP_FILTER_METHOD_BEFORE_OR_EQUALS",
                    ])),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .maximum(Some(4)),
            )
            .into()
    }
}

impl utoipa::ToSchema for TimestampFilterMethod {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("TimestampFilterMethod")
    }
}
