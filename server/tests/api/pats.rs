//! Personal access tokens: add, list, get and remove on v1, v2 and Connect, in
//! ZITADEL's shapes (SPEC §1, §3.1); a removed token stops working at once.

use mailroom_core::permissions::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{assert_rest_error, spawn_postgres_with_long_auth_cache, TestApp};

async fn v1_tokens_are_listed_got_and_removed(app: TestApp) {
    let (bot, _) = app.machine(app.org_id, "bot", Role::OrgOwnerViewer).await;
    let added = app
        .post_ok(
            &format!("/management/v1/users/{bot}/pats"),
            json!({"expirationDate": "2099-01-01T00:00:00Z"}),
        )
        .await;
    let token_id = added.body["tokenId"].as_str().unwrap().to_owned();
    let token = added.body["token"].as_str().unwrap().to_owned();
    // The new token works.
    let me = app
        .get_by(
            &token,
            &format!("/management/v1/users/{}/email", app.admin_id),
        )
        .await;
    assert_eq!(me.status, 200, "{}", me.body);

    let listed = app
        .post_ok(
            &format!("/management/v1/users/{bot}/pats/_search"),
            json!({"query": {"limit": 10, "asc": true}}),
        )
        .await;
    assert_eq!(listed.body["details"]["totalResult"], "2");
    let result = listed.body["result"].as_array().unwrap();
    assert_eq!(result.len(), 2);
    // Oldest first with `asc`: the fixture's token (no expiry), then the new one.
    assert_eq!(result[0]["expirationDate"], "9999-12-31T23:59:59Z");
    assert_eq!(result[1]["id"], token_id.as_str());
    assert_eq!(result[1]["expirationDate"], "2099-01-01T00:00:00.000Z");
    assert_eq!(
        result[1]["details"]["resourceOwner"],
        app.org_id.to_string()
    );
    assert!(
        !listed.body.to_string().contains(&token),
        "never the token itself"
    );

    let got = app
        .get(&format!("/management/v1/users/{bot}/pats/{token_id}"))
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["token"]["id"], token_id.as_str());

    let removed = app
        .delete(&format!("/management/v1/users/{bot}/pats/{token_id}"))
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(
        removed.body["details"]["resourceOwner"],
        app.org_id.to_string()
    );
    // At once: the token is refused, and gone from the list.
    let refused = app
        .get_by(
            &token,
            &format!("/management/v1/users/{}/email", app.admin_id),
        )
        .await;
    assert_rest_error(&refused, 401, 16, "AUTH-7fs1e", "Errors.Token.Invalid");
    let gone = app
        .get(&format!("/management/v1/users/{bot}/pats/{token_id}"))
        .await;
    assert_rest_error(
        &gone,
        404,
        5,
        "QUERY-fRunu",
        "Personal Access Token not found",
    );
    let again = app
        .delete(&format!("/management/v1/users/{bot}/pats/{token_id}"))
        .await;
    assert_rest_error(
        &again,
        404,
        5,
        "COMMAND-4m77G",
        "Personal Access Token not found",
    );
    for bad in ["0", "abc", "12345"] {
        let answer = app
            .get(&format!("/management/v1/users/{bot}/pats/{bad}"))
            .await;
        assert_eq!(answer.status, 404, "{bad}: {}", answer.body);
    }
    // A viewer may list but not remove.
    let (_, viewer) = app
        .machine(app.org_id, "viewer", Role::OrgOwnerViewer)
        .await;
    let list = app
        .post_by(
            &viewer,
            &format!("/management/v1/users/{bot}/pats/_search"),
            json!({}),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let first = list.body["result"][0]["id"].as_str().unwrap().to_owned();
    let denied = app
        .delete_as(&viewer, &format!("/management/v1/users/{bot}/pats/{first}"))
        .await;
    assert_rest_error(
        &denied,
        403,
        7,
        "AUTH-5mWD2",
        "No matching permissions found",
    );
}

async fn v2_and_connect_tokens(app: TestApp) {
    let (bot, _) = app
        .add_machine_with_token(app.org_id, "bot2", &[], None)
        .await;
    let missing = app.post(&format!("/v2/users/{bot}/pats"), json!({})).await;
    assert_eq!(missing.status, 400, "{}", missing.body);
    assert_eq!(
        missing.body["message"],
        "invalid AddPersonalAccessTokenRequest.ExpirationDate: value is required"
    );
    let past = app
        .post(
            &format!("/v2/users/{bot}/pats"),
            json!({"expirationDate": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.status, 400, "{}", past.body);
    let human = app.human("h@example.com", true).await;
    let wrong_type = app
        .post(
            &format!("/v2/users/{human}/pats"),
            json!({"expirationDate": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_rest_error(
        &wrong_type,
        400,
        9,
        "COMMAND-Df2f1",
        "Not allowed for this user type",
    );

    let added = app
        .post_ok(
            &format!("/v2/users/{bot}/pats"),
            json!({"expirationDate": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert!(added.body["creationDate"].as_str().is_some());
    let token_id = added.body["tokenId"].as_str().unwrap().to_owned();
    let token = added.body["token"].as_str().unwrap().to_owned();

    let listed = app
        .connect(
            &app.pat,
            "/zitadel.user.v2.UserService/ListPersonalAccessTokens",
            json!({"filters": [{"userIdFilter": {"id": bot.to_string()}},
                               {"expirationDateFilter": {"timestamp": "2099-06-01T00:00:00Z", "method": "TIMESTAMP_FILTER_METHOD_BEFORE"}}]}),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    // The fixture's token never expires (the end of time), so only the new one is before.
    assert_eq!(
        listed.body["pagination"],
        json!({"totalResult": "1", "appliedLimit": "100"})
    );
    let entry = &listed.body["result"][0];
    assert_eq!(entry["id"], token_id.as_str());
    assert_eq!(entry["userId"], bot.to_string());
    assert_eq!(entry["organizationId"], app.org_id.to_string());
    let rest_list = app
        .post(
            "/v2/users/pats/search",
            json!({"filters": [{"tokenIdFilter": {"id": token_id}}]}),
        )
        .await;
    assert_eq!(
        rest_list.body["pagination"]["totalResult"], "1",
        "{}",
        rest_list.body
    );

    let removed = app
        .connect(
            &app.pat,
            "/zitadel.user.v2.UserService/RemovePersonalAccessToken",
            json!({"userId": bot.to_string(), "tokenId": token_id}),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert!(removed.body["deletionDate"].as_str().is_some());
    let refused = app.get_by(&token, &format!("/v2/users/{bot}")).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let again = app
        .delete(&format!("/v2/users/{bot}/pats/{token_id}"))
        .await;
    assert_rest_error(
        &again,
        404,
        5,
        "COMMAND-4m77G",
        "Personal Access Token not found",
    );
}

both_backends!(v1_tokens_are_listed_got_and_removed, v2_and_connect_tokens);

/// A token removed through one process is refused by another at once, even with a
/// long token cache there (the removal is announced like a role change).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_removed_token_stops_working_in_every_process() {
    let Some(a) = spawn_postgres_with_long_auth_cache().await else {
        return;
    };
    let (bot, token) = a.machine(a.org_id, "bot", Role::OrgOwnerViewer).await;
    let read = format!("/management/v1/users/{}/email", a.admin_id);
    assert_eq!(a.get_by(&token, &read).await.status, 200, "cached in A");
    let b = a.second_process(|_| {}).await;
    let search = format!("/management/v1/users/{bot}/pats/_search");
    let listed = a.post_at(&b, &search, json!({})).await;
    let id = listed.body["result"][0]["id"].as_str().unwrap().to_owned();
    let removed = a
        .send(
            a.client
                .delete(format!("{b}/management/v1/users/{bot}/pats/{id}"))
                .bearer_auth(&a.pat),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    // The announcement travels through Postgres; allow it a moment.
    let mut status = 0;
    for _ in 0..50 {
        status = a.get_by(&token, &read).await.status;
        if status == 401 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, 401, "A refuses the token B removed");
}
