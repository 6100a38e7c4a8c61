//! Property tests of request bodies (issue 13): protobuf-JSON names in camelCase or
//! snake_case, mixed freely within one body, parse to the same request; arbitrary
//! bytes never panic the parser.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::body::RawBody;
use super::user_v2::{
    AddHumanUserRequest, EmailV2, OrganizationRef, PasswordV2, ProfileV2, SendCode,
    SetEmailRequest, VerifyEmailRequest,
};

fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Renames each key to snake_case where the next choice says so.
fn mix_names(value: &Value, choices: &mut impl Iterator<Item = bool>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, inner)| {
                    let key = if choices.next().unwrap_or(false) {
                        snake(key)
                    } else {
                        key.clone()
                    };
                    (key, mix_names(inner, choices))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| mix_names(v, choices)).collect()),
        other => other.clone(),
    }
}

fn parse<T: serde::de::DeserializeOwned>(value: &Value) -> T {
    RawBody(serde_json::to_vec(value).unwrap().into())
        .parse()
        .unwrap_or_else(|err| panic!("{value}: {err:?}"))
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

fn maybe_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

prop_compose! {
    fn add_human()(
        user_id in maybe_text(),
        username in maybe_text(),
        org_id in proptest::option::of(maybe_text()),
        names in proptest::collection::vec(text(), 5),
        email in maybe_text(),
        url_template in proptest::option::of(maybe_text()),
        return_code in any::<bool>(),
        is_verified in proptest::option::of(any::<bool>()),
        password in proptest::option::of(text()),
    ) -> AddHumanUserRequest {
        AddHumanUserRequest {
            user_id,
            username,
            organization: org_id.map(|org_id| OrganizationRef { org_id }),
            profile: ProfileV2 {
                given_name: names[0].clone(),
                family_name: names[1].clone(),
                nick_name: names[2].clone(),
                display_name: names[3].clone(),
                preferred_language: names[4].clone(),
            },
            email: EmailV2 {
                email,
                send_code: url_template.map(|url_template| SendCode { url_template }),
                return_code: return_code.then(|| json!({})),
                is_verified,
            },
            password: password.map(|password| PasswordV2 { password }),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn add_human_user_reads_camel_and_snake_case_alike(
        request in add_human(),
        choices in proptest::collection::vec(any::<bool>(), 32),
    ) {
        let camel = serde_json::to_value(&request).unwrap();
        let mixed = mix_names(&camel, &mut choices.into_iter());
        let parsed: AddHumanUserRequest = parse(&mixed);
        prop_assert_eq!(serde_json::to_value(parsed).unwrap(), camel);
    }

    #[test]
    fn set_email_and_verify_read_camel_and_snake_case_alike(
        user_id in maybe_text(),
        email in maybe_text(),
        url_template in proptest::option::of(maybe_text()),
        is_verified in proptest::option::of(any::<bool>()),
        code in maybe_text(),
        choices in proptest::collection::vec(any::<bool>(), 8),
    ) {
        let set = SetEmailRequest {
            user_id: user_id.clone(),
            email,
            send_code: url_template.map(|url_template| SendCode { url_template }),
            return_code: None,
            is_verified,
        };
        let camel = serde_json::to_value(&set).unwrap();
        let parsed: SetEmailRequest = parse(&mix_names(&camel, &mut choices.clone().into_iter()));
        prop_assert_eq!(serde_json::to_value(parsed).unwrap(), camel);
        let verify = VerifyEmailRequest { user_id, verification_code: code };
        let camel = serde_json::to_value(&verify).unwrap();
        let parsed: VerifyEmailRequest = parse(&mix_names(&camel, &mut choices.into_iter()));
        prop_assert_eq!(serde_json::to_value(parsed).unwrap(), camel);
    }

    /// Any bytes: a parsed request or an InvalidArgument, never a panic.
    #[test]
    fn arbitrary_bodies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let body = RawBody(bytes.into());
        if let Err(err) = body.parse::<AddHumanUserRequest>() {
            prop_assert_eq!(err.code, mailroom_core::Code::InvalidArgument);
        }
        let _ = body.parse::<SetEmailRequest>();
    }

    /// JSON-shaped noise (unknown fields, wrong types) never panics either.
    #[test]
    fn json_noise_never_panics(value in json_value()) {
        let body = RawBody(serde_json::to_vec(&value).unwrap().into());
        let _ = body.parse::<AddHumanUserRequest>();
        let _ = body.parse::<SetEmailRequest>();
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("email".to_owned()),
                    Just("profile".to_owned()),
                    Just("user_id".to_owned()),
                    Just("sendCode".to_owned()),
                    text()
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
