use mailroom_server::{Application, Config};

use crate::both_backends;
use crate::helpers::TestApp;

async fn first_start_creates_admin_and_api_admin(app: TestApp) {
    let store = app.mailroom.store();
    let admin = store.user(app.admin_id).await.unwrap().unwrap();
    assert_eq!(admin.username, "admin");
    let human = admin.human().unwrap();
    assert_eq!(
        (human.email.as_str(), human.email_verified),
        ("admin@localhost", true)
    );
    assert!(human
        .password_hash
        .as_deref()
        .unwrap()
        .starts_with("$argon2id$"));
    let api_admin = store.user(app.api_admin_id).await.unwrap().unwrap();
    assert_eq!(api_admin.username, "api-admin");
    assert!(api_admin.human().is_none());
    for user in [app.admin_id, app.api_admin_id] {
        let roles: Vec<_> = store.memberships(user).await.unwrap().into_iter().collect();
        assert_eq!(roles.len(), 1);
        assert_eq!(roles[0].org_id, None, "instance membership");
        assert_eq!(
            roles[0].roles,
            vec![mailroom_core::permissions::Role::IamOwner]
        );
    }
    let events: Vec<String> = store
        .events(&mailroom_core::store::EventQuery {
            user: app.admin_id,
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.sequence, e.event_type))
        .collect();
    assert_eq!(
        events,
        [
            "1 user.human.added",
            "2 user.human.email.verified",
            "3 user.human.password.changed"
        ]
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [&app.config.first_pat_path, &app.config.master_key_path] {
            let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
    }
}

async fn later_starts_change_nothing(app: TestApp) {
    let pat_before = std::fs::read_to_string(&app.config.first_pat_path).unwrap();
    let users_before = user_count(&app).await;
    let mut config = app.config.clone();
    config.site_addr = "127.0.0.1:0".parse().unwrap();
    let second = Application::build(config).await.expect("second start");
    assert!(second.bootstrapped.is_none());
    assert_eq!(
        std::fs::read_to_string(&app.config.first_pat_path).unwrap(),
        pat_before
    );
    let users_after = user_count(&app).await;
    assert_eq!(users_before, users_after);
    // The first token still works.
    let answer = app
        .get(&format!("/management/v1/users/{}/email", app.admin_id))
        .await;
    assert_eq!(answer.status, 200);
}

both_backends!(
    first_start_creates_admin_and_api_admin,
    later_starts_change_nothing
);

#[tokio::test]
async fn bad_settings_fail_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::with_data_dir(dir.path());
    config.site_addr = "127.0.0.1:0".parse().unwrap();

    config.database_url = "mysql://localhost/x".into();
    let err = Application::build(config.clone()).await.err().unwrap();
    assert!(err.starts_with("unsupported database URL"), "{err}");
    assert!(!err.contains('\n'));

    config.database_url = "postgres://nobody:secret@127.0.0.1:1/none".into();
    let err = Application::build(config.clone()).await.err().unwrap();
    assert!(err.starts_with("cannot connect to the database"), "{err}");
    assert!(
        !err.contains("secret"),
        "the password is not printed: {err}"
    );
    assert!(!err.contains('\n'));
}

/// A data directory that cannot be created (here: a file is in the way; permission
/// bits would not stop root, which the CI runs as) stops the start with one line.
#[tokio::test]
async fn unusable_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::write(&data, b"not a directory").unwrap();
    let mut config = Config::with_data_dir(&data);
    config.site_addr = "127.0.0.1:0".parse().unwrap();
    let err = Application::build(config).await.err().expect("refused");
    assert!(err.starts_with("cannot create the data directory"), "{err}");
    assert!(!err.contains('\n'));
}

async fn user_count(app: &TestApp) -> u64 {
    let query = mailroom_core::store::UserQuery {
        limit: 100,
        ..Default::default()
    };
    app.mailroom.store().users(&query).await.unwrap().1
}
