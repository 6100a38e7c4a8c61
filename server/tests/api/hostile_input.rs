//! Issue 13, "Hostile input": malformed paths, headers and ids get the JSON error
//! shape of SPEC §2 and change nothing; names refuse control characters.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{assert_rest_error, Answer, TestApp};

/// SPEC §2's REST error: `code` and `message`, with ZITADEL's `details` unless it is a
/// field validation (those carry none, as ZITADEL's validators).
fn is_rest_error(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert!(
        answer.body["code"].is_i64(),
        "JSON error shape: {:?}",
        answer.body
    );
    let message = answer.body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{:?}", answer.body));
    if !message.starts_with("invalid ") {
        assert!(
            answer.body["details"][0]["id"].is_string(),
            "{:?}",
            answer.body
        );
    }
}

fn control_char_refused(answer: &Answer) {
    assert_rest_error(
        answer,
        400,
        3,
        "MAILROOM-CONTROL-CHAR",
        "Names must not contain control characters",
    );
}

async fn a_path_that_is_not_utf8_answers_json(app: TestApp) {
    for path in [
        "/v2/users/%ff%fe",
        "/management/v1/users/%c3%28/email",
        "/mailroom/v1/users/%80/events",
    ] {
        let answer = app.get(path).await;
        assert_rest_error(
            &answer,
            400,
            3,
            "MAILROOM-PATH",
            "The path is not valid UTF-8",
        );
    }
    let connect = app
        .connect(&app.pat, "/zitadel.user.v2.UserService/%ff", json!({}))
        .await;
    assert_eq!(connect.status, 400, "{:?}", connect.body);
    assert_eq!(connect.body["code"], "invalid_argument");
}

async fn a_non_ascii_or_malformed_org_header_is_an_unknown_org(app: TestApp) {
    let path = format!("/management/v1/users/{}/email", app.admin_id);
    let headers: [&[u8]; 4] = [b"\xc3\xa9", b"12\xff", b"-1", b"1 2"];
    for value in headers {
        let request = app.client.get(app.url(&path)).bearer_auth(&app.pat).header(
            "x-zitadel-orgid",
            reqwest::header::HeaderValue::from_bytes(value).unwrap(),
        );
        let answer = app.send(request).await;
        assert_rest_error(&answer, 403, 7, "AUTH-Bs7Ds", "Organisation doesn't exist");
    }
}

async fn user_ids_are_decimal_64_bit_numbers(app: TestApp) {
    for id in ["0", "abc", "18446744073709551616", "-5", "1e3", " 7"] {
        let shown = app
            .get(&format!("/v2/users/{}", id.replace(' ', "%20")))
            .await;
        is_rest_error(&shown, 404);
    }
    for id in ["0", "abc", "18446744073709551616", "-5"] {
        let added = app
            .post(
                "/v2/users/human",
                json!({"userId": id, "username": format!("u{id}"), "profile": {"givenName": "I", "familyName": "D"},
                       "email": {"email": "id@example.com"}}),
            )
            .await;
        is_rest_error(&added, 400);
        let listed = app
            .post(
                "/v2/users",
                json!({"queries": [{"userNameQuery": {"userName": format!("u{id}")}}]}),
            )
            .await;
        assert_eq!(
            listed.body["details"]["totalResult"],
            json!("0"),
            "nothing created for {id}"
        );
    }
}

async fn names_refuse_control_characters(app: TestApp) {
    for name in [
        "\u{0}",
        "Acme\u{0}",
        "line\nbreak",
        "bell\u{7}",
        "\u{1b}[31mred",
    ] {
        let org = app.post("/v2/organizations", json!({"name": name})).await;
        control_char_refused(&org);
        let human = app
            .post(
                "/v2/users/human",
                json!({"profile": {"givenName": name, "familyName": "F"}, "email": {"email": "cc@example.com"}}),
            )
            .await;
        control_char_refused(&human);
        let v1 = app
            .post(
                "/management/v1/users/human",
                json!({"userName": format!("cc{}", name.len()), "profile": {"firstName": "F", "lastName": name},
                       "email": {"email": "cc@example.com"}}),
            )
            .await;
        control_char_refused(&v1);
        let username = app
            .post(
                "/v2/users/human",
                json!({"username": name, "profile": {"givenName": "G", "familyName": "F"}, "email": {"email": "cc@example.com"}}),
            )
            .await;
        control_char_refused(&username);
    }
    let listed: Value = app.post("/v2/users", json!({})).await.body;
    assert_eq!(
        listed["details"]["totalResult"],
        json!("2"),
        "only admin and api-admin"
    );
}

both_backends!(
    a_path_that_is_not_utf8_answers_json,
    a_non_ascii_or_malformed_org_header_is_an_unknown_org,
    user_ids_are_decimal_64_bit_numbers,
    names_refuse_control_characters,
);
