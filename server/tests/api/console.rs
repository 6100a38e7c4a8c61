//! The console's second stage (SPEC §4) through the pages a browser gets: the
//! dashboard's figures and the users list's email filter, scoped to the orgs the
//! signed-in caller may read. (The browser tests drive the same pages in Chromium,
//! on SQLite; these run on both databases.)

use mailroom_core::ids::UserId;
use mailroom_core::permissions::Role;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Fetch, TestApp, ADMIN_PASSWORD};

/// The text of the element marked `data-testid="<id>"` (up to the end of the first
/// element that closes after it), without tags.
fn text_of(html: &str, test_id: &str) -> String {
    let marker = format!("data-testid=\"{test_id}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker} in the page"));
    let rest = &html[start..];
    let end = rest
        .find("</div>")
        .or_else(|| rest.find("</table>"))
        .unwrap();
    words(&rest[marker.len()..end])
}

/// An HTML fragment's text: tags become spaces, runs of whitespace one space.
fn words(fragment: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The number a dashboard count shows.
fn count(html: &str, test_id: &str) -> i64 {
    let text = text_of(html, test_id);
    text.rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{test_id}: no count in {text:?}"))
}

/// The number in the funnel table's row `label`.
fn funnel(html: &str, label: &str) -> i64 {
    let table = text_of(html, "funnel-table");
    let after = &table[table
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {table}"))
        + label.len()..];
    after.split_whitespace().next().unwrap().parse().unwrap()
}

async fn dashboard_counts_what_the_caller_may_read(app: TestApp) {
    // A code that expired: unverified, no code out.
    let stale = app.human("stale@example.com", false).await;
    app.clock.advance_secs(2 * 3600);
    let pending = app.human("pending@example.com", false).await;
    app.human("verified@example.com", true).await;
    let initial = app.initial_user("newcomer").await;
    // A mailed code, verified at once: the funnel's first hour.
    let mailed = app
        .post_ok(
            "/v2/users/human",
            json!({"profile": {"givenName": "M", "familyName": "Ailed"}, "email": {"email": "mailed@example.com", "sendCode": {}}}),
        )
        .await;
    let mailed = UserId::parse(mailed.body["userId"].as_str().unwrap()).unwrap();
    assert_eq!(
        app.deliver().await,
        2,
        "the initialization and the verification mail"
    );
    let mail = app.mails(mailed).await.remove(0);
    let code = app.mail_secret(mail.id).await.code;
    app.post_ok(
        &format!("/v2/users/{mailed}/email/verify"),
        json!({"verificationCode": code}),
    )
    .await;

    // Another org's users and its owner, who sees only them.
    let other = app.add_org("Elsewhere").await;
    let owner = app
        .console_user("olivia", "olivia-password", Some(other))
        .await;
    app.grant(owner, Some(other), Role::OrgOwner).await;

    let (_, admin) = app.sign_in("admin", ADMIN_PASSWORD).await;
    let page = admin.get(app.url("/")).text_body().await;
    assert!(
        page.contains("<title>Dashboard · Mailroom</title>"),
        "{page}"
    );
    // The admin, olivia and two of the above are verified; the returned code is out.
    assert_eq!(count(&page, "count-verified"), 4);
    assert_eq!(count(&page, "count-pending"), 1);
    assert_eq!(count(&page, "count-unverified"), 1);
    assert_eq!(count(&page, "count-initial"), 1);
    assert_eq!(count(&page, "mails-captured"), 2);
    assert_eq!(count(&page, "mails-queued"), 0);
    // Both mails are in the hour now is in; only the mailed code counts as sent.
    assert!(page.contains("data-testid=\"hourly-chart\""));
    assert!(text_of(&page, "hourly-table").contains("Delivered"));
    assert_eq!(funnel(&page, "Codes sent"), 1);
    assert_eq!(funnel(&page, "Verified within 1 hour"), 1);
    assert_eq!(funnel(&page, "Not verified yet"), 0);
    // A count is shown again for up to a second, then counted anew.
    app.human("later@example.com", true).await;
    app.clock.advance_secs(1);
    let page = admin.get(app.url("/")).text_body().await;
    assert_eq!(count(&page, "count-verified"), 5);

    // Each count links to the list it counts.
    for (group, user) in [
        ("pending", pending),
        ("unverified", stale),
        ("initial", initial),
    ] {
        let list = admin
            .get(app.url(&format!("/users?email={group}")))
            .text_body()
            .await;
        assert!(list.contains(&format!("/users/{user}")), "{group}: {list}");
        assert_eq!(
            list.matches("data-testid=\"user-row\"").count(),
            1,
            "{group}"
        );
    }

    let (_, olivia) = app.sign_in("olivia", "olivia-password").await;
    let page = olivia.get(app.url("/")).text_body().await;
    assert_eq!(count(&page, "count-verified"), 1, "only olivia herself");
    assert_eq!(count(&page, "count-pending"), 0);
    assert_eq!(count(&page, "count-initial"), 0);
    assert_eq!(count(&page, "mails-captured"), 0);
    let list = olivia
        .get(app.url("/users?email=pending"))
        .text_body()
        .await;
    assert!(!list.contains(&format!("/users/{pending}")));
}

/// A console form post from `client`'s session, as a browser sends it: `html` as a
/// plain form (redirected back), else as the island's fetch (the error's status).
async fn console_post(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
    html: bool,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/api/{endpoint}")))
        .header(
            "accept",
            if html {
                "text/html"
            } else {
                "application/json"
            },
        )
        .header("origin", app.base.clone())
        .form(form)
        .send()
        .await
        .unwrap()
}

/// The lifecycle block of a user page: which changes it offers.
fn offered(page: &str) -> Vec<&'static str> {
    ["deactivate", "reactivate", "lock", "unlock", "delete"]
        .into_iter()
        .filter(|key| page.contains(&format!("data-testid=\"lifecycle-{key}\"")))
        .collect()
}

async fn lifecycle_from_the_user_page(app: TestApp) {
    let user = app.human("cycle@example.com", true).await;
    let id = user.to_string();
    let (_, admin) = app.sign_in("admin", ADMIN_PASSWORD).await;
    let page_of = |client: reqwest::Client, user: UserId| {
        let url = app.url(&format!("/users/{user}"));
        async move { client.get(url).text_body().await }
    };
    assert_eq!(
        offered(&page_of(admin.clone(), user).await),
        ["deactivate", "lock", "delete"]
    );

    // Each change through the page's plain form: back to the page, which says so.
    for (change, state, then) in [
        (
            "lock",
            "USER_STATE_LOCKED",
            vec!["deactivate", "unlock", "delete"],
        ),
        (
            "unlock",
            "USER_STATE_ACTIVE",
            vec!["deactivate", "lock", "delete"],
        ),
        (
            "deactivate",
            "USER_STATE_INACTIVE",
            vec!["reactivate", "delete"],
        ),
        (
            "reactivate",
            "USER_STATE_ACTIVE",
            vec!["deactivate", "lock", "delete"],
        ),
    ] {
        let response = console_post(
            &app,
            &admin,
            "change_lifecycle",
            &[("id", &id), ("change", change)],
            true,
        )
        .await;
        assert!(
            response.status().is_redirection(),
            "{change}: {}",
            response.status()
        );
        assert_eq!(
            response.headers()["location"],
            format!("/users/{user}?done={change}").as_str()
        );
        assert_eq!(
            app.get(&format!("/v2/users/{user}")).await.body["user"]["state"],
            state
        );
        let page = admin
            .get(app.url(&format!("/users/{user}?done={change}")))
            .text_body()
            .await;
        assert!(page.contains("data-testid=\"done-notice\""), "{change}");
        assert_eq!(offered(&page), then, "after {change}");
    }
    // A change the state does not allow is refused, and changes nothing.
    let refused = console_post(
        &app,
        &admin,
        "change_lifecycle",
        &[("id", &id), ("change", "unlock")],
        false,
    )
    .await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("User is not locked"));
    let types = app.event_types(user).await;
    assert_eq!(
        types[2..],
        [
            "user.locked",
            "user.unlocked",
            "user.deactivated",
            "user.reactivated"
        ]
    );

    // A viewer sees no lifecycle and is refused; an org owner cannot shut out an
    // instance owner (the target rule), and is not offered to.
    let viewer = app.console_user("vicky", "vicky-password", None).await;
    app.grant(viewer, Some(app.org_id), Role::OrgOwnerViewer)
        .await;
    let (_, vicky) = app.sign_in("vicky", "vicky-password").await;
    assert!(offered(&page_of(vicky.clone(), user).await).is_empty());
    let forced = console_post(
        &app,
        &vicky,
        "change_lifecycle",
        &[("id", &id), ("change", "lock")],
        false,
    )
    .await;
    assert_eq!(forced.status(), 403);
    let owner = app.console_user("otto", "otto-password", None).await;
    app.grant(owner, Some(app.org_id), Role::OrgOwner).await;
    let (_, otto) = app.sign_in("otto", "otto-password").await;
    let admin_id = app
        .mailroom
        .store()
        .user_by_username("admin")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(offered(&page_of(otto.clone(), admin_id).await).is_empty());
    assert_eq!(
        offered(&page_of(otto.clone(), user).await),
        ["deactivate", "lock", "delete"]
    );
    let forced = console_post(
        &app,
        &otto,
        "change_lifecycle",
        &[("id", &admin_id.to_string()), ("change", "lock")],
        false,
    )
    .await;
    assert_eq!(forced.status(), 403);
    assert!(forced
        .text()
        .await
        .unwrap()
        .contains("The user holds roles the caller does not have"));

    // Delete: to the list, which says so; the API no longer knows the user.
    let response = console_post(
        &app,
        &otto,
        "change_lifecycle",
        &[("id", &id), ("change", "delete")],
        true,
    )
    .await;
    assert_eq!(response.headers()["location"], "/users?done=delete");
    assert_eq!(app.get(&format!("/v2/users/{user}")).await.status, 404);
    let list = otto.get(app.url("/users?done=delete")).text_body().await;
    assert!(list.contains("The user is deleted."));
}

/// The audit log records each event's door, and the user page tells it as sentences:
/// who (a name linked to its page, "the user", "a link in a mail", Mailroom), what,
/// when, through which door; filtered by type, paginated, the JSON one click away.
async fn the_audit_log_says_who_what_when_and_through_which_door(app: TestApp) {
    use mailroom_server::grpc::pb::zitadel::user::v2 as user;

    // REST creates the user (its code is mailed); Connect, gRPC and the console
    // change the address; the link in the mail verifies it.
    let created = app
        .post_ok(
            "/v2/users/human",
            json!({"profile": {"givenName": "Aud", "familyName": "It"}, "email": {"email": "a1@example.com"}}),
        )
        .await;
    let id = UserId::parse(created.body["userId"].as_str().unwrap()).unwrap();
    let connect = app
        .connect(
            &app.pat,
            "/zitadel.user.v2.UserService/SetEmail",
            json!({"userId": id.to_string(), "email": "a2@example.com", "returnCode": {}}),
        )
        .await;
    assert_eq!(connect.status, 200, "{}", connect.body);
    app.user_service()
        .set_email(crate::grpc_client::call(
            &app.pat,
            None,
            user::SetEmailRequest {
                user_id: id.to_string(),
                email: "a3@example.com".into(),
                verification: Some(user::set_email_request::Verification::ReturnCode(
                    user::ReturnEmailVerificationCode {},
                )),
            },
        ))
        .await
        .expect("SetEmail over gRPC");
    let (_, admin) = app.sign_in("admin", ADMIN_PASSWORD).await;
    // The creation mailed a code: past the send interval.
    app.clock.advance_secs(31);
    let changed = console_post(
        &app,
        &admin,
        "change_email",
        &[
            ("id", &id.to_string()),
            ("email", "a4@example.com"),
            ("mode", "send"),
        ],
        false,
    )
    .await;
    assert_eq!(changed.status(), 200);
    app.deliver().await;
    let mail = app.mails(id).await.remove(0);
    let code = app.mail_secret(mail.id).await.code;
    let verified = app
        .client
        .post(app.url("/api/verify_email_link"))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .form(&[
            ("user_id", id.to_string().as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(verified.status().is_redirection());

    let events = app
        .get(&format!("/mailroom/v1/users/{id}/events"))
        .await
        .body["events"]
        .clone();
    let doors: Vec<(&str, &str)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap(),
                e["transport"].as_str().unwrap(),
            )
        })
        .collect();
    let changed_through: Vec<&str> = doors
        .iter()
        .filter(|(t, _)| *t == "user.human.email.changed")
        .map(|(_, via)| *via)
        .collect();
    assert_eq!(changed_through, ["connect", "grpc", "console"]);
    assert_eq!(doors[0], ("user.human.added", "rest"));
    assert!(
        doors.contains(&("user.human.email.code.sent", "system")),
        "{doors:?}"
    );
    assert_eq!(
        doors.last().unwrap(),
        &("user.human.email.verified", "page")
    );

    // Without the renderer's empty markers between text parts.
    let page = admin
        .get(app.url(&format!("/users/{id}")))
        .text_body()
        .await
        .replace("<!>", "");
    for sentence in [
        "a link in a mail</span> verified the email address",
        "changed the email to a4@example.com",
        "via <span data-testid=\"audit-transport\">gRPC</span>",
        "via <span data-testid=\"audit-transport\">console</span>",
        "Mailroom</span> delivered the verification mail",
        "sent a verification code (expires <time",
        "data-local=\"ago\"",
        "UTC</time>",
        "<summary>JSON</summary>",
    ] {
        assert!(page.contains(sentence), "{sentence:?} in {page}");
    }
    let admin_id = app
        .mailroom
        .store()
        .user_by_username("admin")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(page.contains(&format!("<a href=\"/users/{admin_id}\">Mailroom Administrator</a> changed the email to a4@example.com")), "{page}");

    // Only one type; then pages of 50, newest first.
    let only = admin
        .get(app.url(&format!("/users/{id}?type=user.human.email.changed")))
        .text_body()
        .await;
    assert_eq!(only.matches("data-testid=\"audit-entry\"").count(), 3);
    for i in 0..30 {
        app.post_ok(
            &format!("/v2/users/{id}/email"),
            json!({"email": format!("p{i}@example.com"), "returnCode": {}}),
        )
        .await;
    }
    let first = admin
        .get(app.url(&format!("/users/{id}")))
        .text_body()
        .await;
    assert_eq!(first.matches("data-testid=\"audit-entry\"").count(), 50);
    let total = events.as_array().unwrap().len() + 60;
    let older = format!("/users/{id}?before={}#log", total - 49);
    assert!(first.contains(&format!("href=\"{older}\"")), "{first}");
    let second = admin
        .get(app.url(&older.replace("#log", "")))
        .text_body()
        .await;
    assert_eq!(
        second.matches("data-testid=\"audit-entry\"").count(),
        total - 50
    );
    assert!(!second.contains("rel=\"next\""), "the last page");
}

/// The new-user form's fields, with `changes` over the defaults of an invited human.
fn new_user_form<'a>(app: &TestApp, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, String)> {
    let mut form: Vec<(&str, String)> = vec![
        ("kind", "human".into()),
        ("org", app.org_id.to_string()),
        ("username", String::new()),
        ("given_name", "Nora".into()),
        ("family_name", "New".into()),
        ("email", "nora@example.com".into()),
        ("mode", "invite".into()),
        ("password", String::new()),
        ("name", String::new()),
        ("description", String::new()),
    ];
    for (key, value) in changes {
        form.iter_mut().find(|(k, _)| k == key).unwrap().1 = value.to_string();
    }
    form
}

async fn create_user_by_form(
    app: &TestApp,
    client: &reqwest::Client,
    changes: &[(&str, &str)],
    html: bool,
) -> reqwest::Response {
    let form = new_user_form(app, changes);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    console_post(app, client, "create_user", &form, html).await
}

/// The created user's id, from the page the form went to.
fn created_id(response: &reqwest::Response, done: &str) -> UserId {
    let location = response.headers()["location"].to_str().unwrap();
    let id = location
        .strip_prefix("/users/")
        .and_then(|rest| rest.strip_suffix(&format!("?done={done}")))
        .unwrap_or_else(|| panic!("{location}"));
    UserId::parse(id).unwrap()
}

async fn new_users_from_the_console(app: TestApp) {
    let (_, admin) = app.sign_in("admin", ADMIN_PASSWORD).await;
    let users_before =
        app.post_ok("/v2/users", json!({})).await.body["details"]["totalResult"].clone();

    // Invited: initial, with the initialization mail.
    let invited = create_user_by_form(&app, &admin, &[], true).await;
    assert!(invited.status().is_redirection(), "{}", invited.status());
    let nora = created_id(&invited, "invited");
    let shown = app.get(&format!("/v2/users/{nora}")).await.body;
    assert_eq!(shown["user"]["state"], "USER_STATE_INITIAL");
    assert_eq!(shown["user"]["username"], "nora@example.com");
    assert_eq!(app.mails(nora).await[0].kind.as_db(), "initialization");
    assert_eq!(
        app.event_types(nora).await,
        ["user.human.added", "user.human.initialization.code.added"]
    );

    // An initial password: active, the address gets a verification mail.
    let with_password = create_user_by_form(
        &app,
        &admin,
        &[
            ("email", "pia@example.com"),
            ("username", "pia"),
            ("mode", "password"),
            ("password", "pia-password-1"),
        ],
        true,
    )
    .await;
    let pia = created_id(&with_password, "created");
    let pia_user = app.user(pia).await;
    assert_eq!(pia_user.state.as_db(), "active");
    assert!(pia_user.human().unwrap().password_hash.is_some());
    assert_eq!(app.mails(pia).await[0].kind.as_db(), "email_verification");
    let (status, _) = app.sign_in("pia", "pia-password-1").await;
    assert_eq!(
        status, 400,
        "signs in only with user.read somewhere; the password was checked"
    );

    // Verified.
    let verified = create_user_by_form(
        &app,
        &admin,
        &[("email", "vic@example.com"), ("mode", "verified")],
        true,
    )
    .await;
    let vic = created_id(&verified, "created");
    assert!(app.user(vic).await.human().unwrap().email_verified);
    assert!(app.mails(vic).await.is_empty());

    // A machine user.
    let machine = create_user_by_form(
        &app,
        &admin,
        &[
            ("kind", "machine"),
            ("username", "robot"),
            ("name", "Robot"),
            ("description", "CI"),
        ],
        true,
    )
    .await;
    let robot = created_id(&machine, "created");
    assert_eq!(
        app.get(&format!("/v2/users/{robot}")).await.body["user"]["machine"]["name"],
        "Robot"
    );

    // Bad input: a clear error, nothing written.
    for (changes, status, message) in [
        (vec![("email", "not an address")], 400, "Email is invalid"),
        (vec![("email", "")], 400, "Email is empty"),
        (vec![("given_name", " ")], 400, "A given name is required"),
        (
            vec![("email", "x@example.com"), ("username", "pia")],
            409,
            "User already exists",
        ),
        (
            vec![
                ("email", "y@example.com"),
                ("mode", "password"),
                ("password", "short"),
            ],
            400,
            "The password must be between 8 and 200 characters",
        ),
        (
            vec![("email", "z@example.com"), ("org", "12345")],
            403,
            "Organisation doesn't exist",
        ),
        (
            vec![("kind", "machine"), ("username", "r2"), ("name", "")],
            400,
            "A name is required",
        ),
    ] {
        let refused = create_user_by_form(&app, &admin, &changes, false).await;
        assert_eq!(refused.status(), status, "{changes:?}");
        let body = refused.text().await.unwrap();
        assert!(body.contains(message), "{changes:?}: {body}");
    }
    // A plain form post comes back to the form (its page, the referer) with the error.
    let form = new_user_form(&app, &[("email", "not an address")]);
    let refused = admin
        .post(app.url("/api/create_user"))
        .header("accept", "text/html")
        .header("origin", app.base.clone())
        .header("referer", app.url("/users/new"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let location = refused.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&app.url("/users/new?")), "{location}");
    assert!(location.contains("__err="), "{location}");
    let total = app.post_ok("/v2/users", json!({})).await.body["details"]["totalResult"].clone();
    let expected = users_before.as_str().unwrap().parse::<u64>().unwrap() + 4;
    assert_eq!(total, expected.to_string(), "only the four created");

    // A viewer may create no one.
    let viewer = app.console_user("wanda", "wanda-password", None).await;
    app.grant(viewer, Some(app.org_id), Role::OrgOwnerViewer)
        .await;
    let (_, wanda) = app.sign_in("wanda", "wanda-password").await;
    let page = wanda.get(app.url("/users/new")).text_body().await;
    assert!(page.contains("You may not create users in any organization."));
    let forced = create_user_by_form(&app, &wanda, &[("email", "w@example.com")], false).await;
    assert_eq!(forced.status(), 403);
}

/// The status of an API call with `token`: 401 once it no longer works.
async fn token_status(app: &TestApp, token: &str) -> u16 {
    app.get_by(token, "/v2/users/1").await.status
}

async fn a_machine_users_tokens_from_its_page(app: TestApp) {
    let (robot, _) = app.machine(app.org_id, "robot", Role::OrgUserManager).await;
    let id = robot.to_string();
    let (_, admin) = app.sign_in("admin", ADMIN_PASSWORD).await;
    let page = admin
        .get(app.url(&format!("/users/{id}")))
        .text_body()
        .await;
    assert!(page.contains("Personal access tokens"));
    assert_eq!(
        page.matches("data-testid=\"token-row\"").count(),
        1,
        "the fixture's token"
    );

    // With JavaScript the new token comes back in the answer.
    let made = console_post(
        &app,
        &admin,
        "create_token",
        &[("id", &id), ("expires", "")],
        false,
    )
    .await;
    assert_eq!(made.status(), 200);
    let token = made.json::<serde_json::Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(token_status(&app, &token).await, 401, "the new token works");
    let page = admin
        .get(app.url(&format!("/users/{id}")))
        .text_body()
        .await;
    assert_eq!(page.matches("data-testid=\"token-row\"").count(), 2);
    assert!(!page.contains(&token), "a listed token is never shown");

    // Removed: it stops at once.
    let tokens = app
        .post_ok(
            "/v2/users/pats/search",
            json!({"filters": [{"userIdFilter": {"id": id}}]}),
        )
        .await
        .body["result"]
        .clone();
    let newest = tokens
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .max()
        .unwrap();
    let removed = console_post(
        &app,
        &admin,
        "remove_token",
        &[("id", &id), ("token_id", &newest)],
        false,
    )
    .await;
    assert_eq!(removed.status(), 200);
    assert_eq!(token_status(&app, &token).await, 401);

    // Without JavaScript: back to the page, which shows the token once; until then
    // it waits in the session, sealed, so a dump of the database holds no token.
    let made = console_post(
        &app,
        &admin,
        "create_token",
        &[("id", &id), ("expires", "2099-01-01")],
        true,
    )
    .await;
    assert!(made.status().is_redirection());
    assert_eq!(
        made.headers()["location"],
        format!("/users/{id}#tokens").as_str()
    );
    let once = admin
        .get(app.url(&format!("/users/{id}")))
        .text_body()
        .await;
    let shown = once
        .split("id=\"new-token-value\"")
        .nth(1)
        .and_then(|rest| rest.split("value=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("the new token on the page")
        .to_owned();
    assert_ne!(token_status(&app, &shown).await, 401);
    assert!(!crate::security_at_rest::dump(&app).await.contains(&shown));
    assert!(once.contains("1 Jan 2099, 00:00 UTC"), "its expiry");
    let again = admin
        .get(app.url(&format!("/users/{id}")))
        .text_body()
        .await;
    assert!(!again.contains("data-testid=\"new-token\""), "shown once");

    // Bad input and callers who may not.
    let refused = console_post(
        &app,
        &admin,
        "create_token",
        &[("id", &id), ("expires", "soon")],
        false,
    )
    .await;
    assert_eq!(refused.status(), 400);
    let refused = console_post(
        &app,
        &admin,
        "create_token",
        &[("id", &id), ("expires", "2001-01-01")],
        false,
    )
    .await;
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Expiration date is in the past"));
    let viewer = app.console_user("tess", "tess-password", None).await;
    app.grant(viewer, Some(app.org_id), Role::OrgOwnerViewer)
        .await;
    let (_, tess) = app.sign_in("tess", "tess-password").await;
    let page = tess.get(app.url(&format!("/users/{id}"))).text_body().await;
    assert!(
        page.contains("data-testid=\"token-row\""),
        "a viewer sees the list"
    );
    assert!(!page.contains("Create token"), "but may not change it");
    let forced = console_post(
        &app,
        &tess,
        "create_token",
        &[("id", &id), ("expires", "")],
        false,
    )
    .await;
    assert_eq!(forced.status(), 403);
}

/// The org id a form went to (`/orgs/{id}?done=…`).
fn org_of(response: &reqwest::Response) -> String {
    let location = response.headers()["location"].to_str().unwrap();
    location
        .strip_prefix("/orgs/")
        .and_then(|rest| rest.split('?').next())
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned()
}

async fn orgs_and_members_from_the_console(app: TestApp) {
    let (_, admin) = app.sign_in("admin", ADMIN_PASSWORD).await;
    let page = admin.get(app.url("/orgs")).text_body().await;
    assert_eq!(page.matches("data-testid=\"org-row\"").count(), 1);
    assert!(
        page.contains("Create organization"),
        "an instance owner creates orgs"
    );

    let created = console_post(&app, &admin, "create_org", &[("name", "Acme")], true).await;
    let acme = org_of(&created);
    let page = admin
        .get(app.url(&format!("/orgs/{acme}")))
        .text_body()
        .await;
    assert!(page.contains("<title>Acme · Mailroom</title>"));
    let refused = console_post(&app, &admin, "create_org", &[("name", "Acme")], false).await;
    assert_eq!(refused.status(), 409, "the name is taken");
    let refused = console_post(&app, &admin, "create_org", &[("name", " ")], false).await;
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Organisation name is empty"));

    // Members: added with roles, then they may read (and, as owner, manage) it.
    let mia = app.console_user("mia", "mia-password", None).await;
    let added = console_post(
        &app,
        &admin,
        "add_org_member",
        &[("id", &acme), ("user", "mia"), ("roles[0]", "ORG_OWNER")],
        true,
    )
    .await;
    assert_eq!(
        added.headers()["location"],
        format!("/orgs/{acme}?done=member-added").as_str()
    );
    let page = admin
        .get(app.url(&format!("/orgs/{acme}")))
        .text_body()
        .await;
    assert_eq!(page.matches("data-testid=\"member-row\"").count(), 1);
    assert!(page.contains("ORG_OWNER"));
    for (form, status, message) in [
        (vec![("user", "mia")], 400, "Roles are empty"),
        (
            vec![("user", "nobody"), ("roles[0]", "ORG_OWNER")],
            404,
            "User could not be found",
        ),
        (
            vec![("user", "mia"), ("roles[0]", "IAM_OWNER")],
            400,
            "Role is not an organization role",
        ),
    ] {
        let mut form = form;
        form.push(("id", &acme));
        let refused = console_post(&app, &admin, "add_org_member", &form, false).await;
        assert_eq!(refused.status(), status, "{form:?}");
        assert!(refused.text().await.unwrap().contains(message), "{form:?}");
    }
    let (_, mia_client) = app.sign_in("mia", "mia-password").await;
    let page = mia_client.get(app.url("/orgs")).text_body().await;
    assert!(page.contains(&format!("/orgs/{acme}")));
    assert!(
        !page.contains(&format!("/orgs/{}", app.org_id)),
        "only the orgs mia may read"
    );
    assert!(!page.contains("Create organization"));

    // The target rule: mia (owner of Acme) cannot remove the instance owner from it.
    let admin_id = app
        .mailroom
        .store()
        .user_by_username("admin")
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    console_post(
        &app,
        &admin,
        "add_org_member",
        &[
            ("id", &acme),
            ("user", &admin_id),
            ("roles[0]", "ORG_OWNER_VIEWER"),
        ],
        true,
    )
    .await;
    let refused = console_post(
        &app,
        &mia_client,
        "remove_org_member",
        &[("id", &acme), ("user_id", &admin_id)],
        false,
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("The user holds roles the caller does not have"));
    // An org's viewer sees the members but may not change them.
    let viewer = app.console_user("val", "val-password", None).await;
    console_post(
        &app,
        &admin,
        "add_org_member",
        &[
            ("id", &acme),
            ("user", "val"),
            ("roles[0]", "ORG_OWNER_VIEWER"),
        ],
        true,
    )
    .await;
    let (_, val) = app.sign_in("val", "val-password").await;
    let page = val.get(app.url(&format!("/orgs/{acme}"))).text_body().await;
    assert_eq!(page.matches("data-testid=\"member-row\"").count(), 3);
    assert!(!page.contains("Add member"));
    let forced = console_post(
        &app,
        &val,
        "add_org_member",
        &[("id", &acme), ("user", "val"), ("roles[0]", "ORG_OWNER")],
        false,
    )
    .await;
    assert_eq!(forced.status(), 403);

    // Removed: mia no longer reads Acme.
    let removed = console_post(
        &app,
        &admin,
        "remove_org_member",
        &[("id", &acme), ("user_id", &mia.to_string())],
        true,
    )
    .await;
    assert_eq!(
        removed.headers()["location"],
        format!("/orgs/{acme}?done=member-removed").as_str()
    );
    let page = mia_client.get(app.url("/orgs")).text_body().await;
    assert!(!page.contains(&format!("/orgs/{acme}")));
    let gone = mia_client
        .get(app.url(&format!("/orgs/{acme}")))
        .text_body()
        .await;
    assert!(gone.contains("Organisation not found"));
    let _ = viewer;
}

/// The job id a start went to (`/jobs/{id}`).
fn job_of(response: &reqwest::Response) -> String {
    let location = response.headers()["location"].to_str().unwrap();
    location
        .strip_prefix("/jobs/")
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned()
}

/// A job page's figures as words: "3 of 4 users handled (done) … Sent 2 Skipped 1 Failed 0".
async fn job_figures(app: &TestApp, client: &reqwest::Client, job: &str) -> String {
    let page = client
        .get(app.url(&format!("/jobs/{job}")))
        .text_body()
        .await;
    let start = page.find("data-testid=\"job-figures\"").expect("figures");
    let start = start + page[start..].find('>').unwrap() + 1;
    let end = start + page[start..].find("</p>").unwrap();
    // Leptos's `<!>` markers sit inside numbers' text: gone, not a space.
    words(&page[start..end].replace("<!>", ""))
}

async fn bulk_sends_as_background_jobs(app: TestApp) {
    let fresh = |n: &str| format!("{n}@bulk.example.com");
    let a = app.human(&fresh("a"), false).await;
    let b = app.human(&fresh("b"), false).await;
    let verified = app.human(&fresh("v"), true).await;
    // A code was mailed to this one a moment ago: over the send interval.
    let mailed = app
        .post_ok("/v2/users/human", json!({"profile": {"givenName": "M", "familyName": "M"}, "email": {"email": fresh("m"), "sendCode": {}}}))
        .await;
    let mailed = UserId::parse(mailed.body["userId"].as_str().unwrap()).unwrap();
    let (_, admin) = app.sign_in("admin", ADMIN_PASSWORD).await;

    // Picked users (the boxes ticked: a sparse list), as the users list posts them.
    let ids: Vec<String> = [a, b, verified, mailed]
        .iter()
        .map(|u| u.to_string())
        .collect();
    let started = console_post(
        &app,
        &admin,
        "start_job",
        &[
            ("action", "send_code"),
            ("scope", "picked"),
            ("users[0]", &ids[0]),
            ("users[2]", &ids[1]),
            ("users[5]", &ids[2]),
            ("users[7]", &ids[3]),
        ],
        true,
    )
    .await;
    let job = job_of(&started);
    let figures = job_figures(&app, &admin, &job).await;
    assert!(
        figures.starts_with("0 of 4 users handled (running)"),
        "{figures}"
    );
    assert_eq!(app.run_jobs().await, 4);
    let figures = job_figures(&app, &admin, &job).await;
    assert!(
        figures.starts_with("4 of 4 users handled (done)"),
        "{figures}"
    );
    assert!(figures.contains("Sent 2 Skipped 2 Failed 0"), "{figures}");
    assert!(
        figures.contains("1 over the send limits, 1 already verified or set up, 0 not allowed"),
        "{figures}"
    );
    // Each send is the admin's console action on that user.
    for user in [a, b] {
        let events = app
            .get(&format!("/mailroom/v1/users/{user}/events"))
            .await
            .body["events"]
            .clone();
        let last = events.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["type"], "user.human.email.code.added");
        assert_eq!(last["transport"], "console");
        assert_eq!(last["creator"], app.admin_id.to_string());
        assert_eq!(app.mails(user).await.len(), 1, "one mail each");
    }
    assert_eq!(
        app.event_types(verified).await.len(),
        2,
        "nothing sent to a verified address"
    );

    // Every user matching a filter (two hours on, every code has expired); items
    // claimed and not finished (a process that died) are taken again once their lease
    // ends; two workers never share an item.
    app.clock.advance_secs(2 * 3600);
    let matching = console_post(
        &app,
        &admin,
        "start_job",
        &[
            ("action", "send_code"),
            ("scope", "matching"),
            ("q", "bulk.example.com"),
            ("email", "unverified"),
        ],
        true,
    )
    .await;
    let second = job_of(&matching);
    let claim = mailroom_core::store::Claim {
        now: app.mailroom.clock().now(),
        lease_until: app.mailroom.clock().now().plus_secs(60),
        limit: 1,
        owner: "a process that died",
    };
    assert_eq!(
        app.mailroom
            .store()
            .claim_job_items(&claim)
            .await
            .unwrap()
            .len(),
        1
    );
    let other = mailroom_core::jobs::JobWorker::new(
        app.mailroom.clone(),
        "another",
        std::time::Duration::from_millis(10),
    );
    let (one, two) = tokio::join!(app.run_jobs(), mailroom_core::jobs::drain(&other));
    assert_eq!(
        one + two.unwrap(),
        2,
        "the claimed item waits for its lease"
    );
    let figures = job_figures(&app, &admin, &second).await;
    assert!(
        figures.starts_with("2 of 3 users handled (running)"),
        "{figures}"
    );
    app.clock.advance_secs(61);
    assert_eq!(app.run_jobs().await, 1);
    let figures = job_figures(&app, &admin, &second).await;
    assert!(
        figures.starts_with("3 of 3 users handled (done)"),
        "{figures}"
    );
    assert!(figures.contains("Sent 3 Skipped 0 Failed 0"), "{figures}");
    // One code from each job that sent to the user, none twice (plus the creation's).
    for (user, codes) in [(a, 3), (b, 3), (mailed, 2)] {
        let added = app
            .event_types(user)
            .await
            .iter()
            .filter(|t| *t == "user.human.email.code.added")
            .count();
        assert_eq!(added, codes, "{user}");
    }

    // Seen by the admins of its users' orgs only; dismissed, it leaves the list.
    let other_org = app.add_org("Elsewhere").await;
    let oscar = app
        .console_user("oscar", "oscar-password", Some(other_org))
        .await;
    app.grant(oscar, Some(other_org), Role::OrgOwner).await;
    let (_, oscar) = app.sign_in("oscar", "oscar-password").await;
    let list = oscar.get(app.url("/jobs")).text_body().await;
    assert!(list.contains("No jobs."));
    let hidden = oscar
        .get(app.url(&format!("/jobs/{job}")))
        .text_body()
        .await;
    assert!(hidden.contains("Job not found"));
    let list = admin.get(app.url("/jobs")).text_body().await;
    assert_eq!(list.matches("data-testid=\"job\"").count(), 2);
    let dismissed = console_post(&app, &admin, "dismiss_job", &[("id", &job)], true).await;
    assert_eq!(dismissed.headers()["location"], "/jobs");
    let list = admin.get(app.url("/jobs")).text_body().await;
    assert_eq!(list.matches("data-testid=\"job\"").count(), 1);

    // Bad input changes nothing.
    for (form, message) in [
        (
            vec![("action", "send_code"), ("scope", "picked")],
            "No users were chosen",
        ),
        (
            vec![
                ("action", "shout"),
                ("scope", "picked"),
                ("users[0]", ids[0].as_str()),
            ],
            "Choose what to send",
        ),
        (
            vec![
                ("action", "send_code"),
                ("scope", "matching"),
                ("q", "no such user at all"),
            ],
            "No users were chosen",
        ),
    ] {
        let refused = console_post(&app, &admin, "start_job", &form, false).await;
        assert_eq!(refused.status(), 400, "{form:?}");
        assert!(refused.text().await.unwrap().contains(message), "{form:?}");
    }
    let viewer = app.console_user("vince", "vince-password", None).await;
    app.grant(viewer, Some(app.org_id), Role::OrgOwnerViewer)
        .await;
    let (_, vince) = app.sign_in("vince", "vince-password").await;
    let forced = console_post(
        &app,
        &vince,
        "start_job",
        &[
            ("action", "send_code"),
            ("scope", "picked"),
            ("users[0]", &ids[0]),
        ],
        false,
    )
    .await;
    assert_eq!(forced.status(), 403);
    assert_eq!(app.run_jobs().await, 0, "no job was started");
}

/// SPEC §4: two processes on one Postgres never send a job's mail twice. A second
/// process runs its workers while this one drains the same job.
async fn two_processes_share_a_job_without_sending_twice(app: TestApp) {
    if !app.config.database_url.starts_with("postgres") {
        return;
    }
    let mut users = Vec::new();
    for i in 0..24 {
        users.push(
            app.human(&format!("shared{i}@jobs.example.com"), false)
                .await,
        );
    }
    let _second = app
        .second_process(|config| {
            config.worker_enabled = true;
            config.worker_poll = std::time::Duration::from_millis(20);
        })
        .await;
    let (_, admin) = app.sign_in("admin", ADMIN_PASSWORD).await;
    let started = console_post(
        &app,
        &admin,
        "start_job",
        &[
            ("action", "send_code"),
            ("scope", "matching"),
            ("q", "jobs.example.com"),
        ],
        true,
    )
    .await;
    let job = job_of(&started);
    let mine = app.run_jobs().await;
    let mut figures = String::new();
    for _ in 0..100 {
        figures = job_figures(&app, &admin, &job).await;
        if figures.contains("(done)") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        figures.starts_with("24 of 24 users handled (done)"),
        "{figures}"
    );
    assert!(figures.contains("Sent 24"), "{figures}");
    for user in users {
        let added = app
            .event_types(user)
            .await
            .iter()
            .filter(|t| *t == "user.human.email.code.added")
            .count();
        assert_eq!(added, 2, "{user}: the creation's code and one from the job");
    }
    eprintln!("this process ran {mine} of 24 items; the other the rest");
}

both_backends!(
    two_processes_share_a_job_without_sending_twice,
    bulk_sends_as_background_jobs,
    dashboard_counts_what_the_caller_may_read,
    lifecycle_from_the_user_page,
    the_audit_log_says_who_what_when_and_through_which_door,
    new_users_from_the_console,
    a_machine_users_tokens_from_its_page,
    orgs_and_members_from_the_console
);
