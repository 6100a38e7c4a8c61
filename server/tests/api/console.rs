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
    let mut text = String::new();
    let mut in_tag = false;
    for c in rest[marker.len()..end].chars() {
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

both_backends!(
    dashboard_counts_what_the_caller_may_read,
    lifecycle_from_the_user_page
);
