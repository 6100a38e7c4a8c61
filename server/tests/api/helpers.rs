//! `spawn_app`: a server on a fresh database, plus fixtures written through the store.

use std::sync::Arc;

use mailroom_core::clock::{OffsetClock, Timestamp};
use mailroom_core::ids::{OrgId, TokenId, UserId};
use mailroom_core::model::{
    Human, Machine, Membership, Org, OrgState, PersonalAccessToken, User, UserKind,
};
use mailroom_core::permissions::Role;
use mailroom_core::secrets;
use mailroom_core::store::{Op, Write};
use mailroom_core::Mailroom;
use mailroom_server::{Application, Config};
use serde_json::Value;

pub const ADMIN_PASSWORD: &str = "correct-horse-battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body on both backends: `both_backends!(name)` expects `async fn name(app: TestApp)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

/// Like `both_backends!`, for tests that start their own app: `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! per_backend {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
            )*
        }
        mod on_postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::helpers::postgres_available() {
                        super::$name($crate::helpers::Backend::Postgres).await;
                    }
                }
            )*
        }
    };
}

/// Whether the Postgres half runs (see `fresh_postgres_url`).
pub fn postgres_available() -> bool {
    let available = std::env::var("MAILROOM_TEST_POSTGRES_URL").is_ok();
    assert!(
        available || std::env::var("MAILROOM_REQUIRE_POSTGRES").is_err(),
        "MAILROOM_REQUIRE_POSTGRES is set but MAILROOM_TEST_POSTGRES_URL is not"
    );
    available
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub pat: String,
    pub admin_id: UserId,
    pub api_admin_id: UserId,
    pub org_id: OrgId,
    pub mailroom: Mailroom,
    pub clock: Arc<OffsetClock>,
    pub config: Config,
    pub worker: mailroom_core::mail::Worker,
    /// The bulk jobs' worker (`TestApp::run_jobs`).
    pub job_worker: mailroom_core::jobs::JobWorker,
    _data_dir: tempfile::TempDir,
}

/// A fresh Postgres database on the server named by `MAILROOM_TEST_POSTGRES_URL`.
/// Without it the Postgres half is skipped, unless `MAILROOM_REQUIRE_POSTGRES=1`
/// (set by `make test`) makes that a failure.
pub async fn fresh_postgres_url() -> Option<String> {
    let Ok(admin_url) = std::env::var("MAILROOM_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("MAILROOM_REQUIRE_POSTGRES").is_err(),
            "MAILROOM_REQUIRE_POSTGRES is set but MAILROOM_TEST_POSTGRES_URL is not"
        );
        eprintln!("skipping the Postgres run: MAILROOM_TEST_POSTGRES_URL is not set");
        return None;
    };
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to MAILROOM_TEST_POSTGRES_URL");
    let name = format!("mailroom_test_{:016x}", rand::random::<u64>());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("URL with a database name");
    Some(format!("{base}/{name}"))
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// A server whose outbox worker the test drives (`TestApp::deliver`), after `adjust`
/// changed the configuration.
/// An app on Postgres whose processes trust a token check for a minute: what reaches
/// another process then comes from the announcement, not from the cache aging out.
/// `None` without Postgres.
pub async fn spawn_postgres_with_long_auth_cache() -> Option<TestApp> {
    if !postgres_available() {
        return None;
    }
    spawn_app_with(Backend::Postgres, |config| {
        config.policy.auth_cache_secs = 60
    })
    .await
}

pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::with_data_dir(data_dir.path());
    if backend == Backend::Postgres {
        config.database_url = fresh_postgres_url().await?;
    }
    config.site_addr = "127.0.0.1:0".parse().unwrap();
    config.admin_password = Some(mailroom_server::config::Secret(ADMIN_PASSWORD.into()));
    config.worker_enabled = false;
    adjust(&mut config);
    // MAILROOM_TEST_LOG=1 (with RUST_LOG) prints the servers' logs, for a hunt.
    if std::env::var("MAILROOM_TEST_LOG").is_ok() {
        mailroom_server::telemetry::init(false);
    }
    let clock = OffsetClock::new();
    let mut app = Application::build_with_clock(config.clone(), clock.clone())
        .await
        .expect("build app");
    let first = app.bootstrapped.take().expect("first start bootstraps");
    let base = format!("http://{}", app.address());
    let mailroom = app.mailroom().clone();
    let worker = mailroom_core::mail::Worker::new(
        mailroom.clone(),
        mailroom_server::startup::mail_transport(&config).expect("transport"),
        mailroom_core::mail::WorkerConfig {
            from: config.mail_from.clone(),
            ..Default::default()
        },
    );
    let job_worker = mailroom_core::jobs::JobWorker::new(
        mailroom.clone(),
        "test",
        std::time::Duration::from_millis(50),
    );
    tokio::spawn(app.run_until(std::future::pending()));
    let pat = std::fs::read_to_string(&config.first_pat_path)
        .expect("PAT file")
        .trim()
        .to_owned();
    assert_eq!(pat, first.api_admin_token);
    Some(TestApp {
        base,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap(),
        pat,
        admin_id: first.admin_id,
        api_admin_id: first.api_admin_id,
        org_id: first.org_id,
        mailroom,
        clock,
        config,
        worker,
        job_worker,
        _data_dir: data_dir,
    })
}

/// A response's status, headers and JSON body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// GET with a bearer token and an optional org header.
    /// A request with a bearer token and an optional `x-zitadel-orgid`.
    fn authorized(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        org: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        match org {
            Some(org) => request.header("x-zitadel-orgid", org),
            None => request,
        }
    }

    /// GET with a bearer token and an optional org header.
    pub async fn get_as(&self, token: &str, path: &str, org: Option<&str>) -> Answer {
        self.send(self.authorized(reqwest::Method::GET, token, path, org))
            .await
    }

    /// Runs every pending bulk-job item; returns how many.
    pub async fn run_jobs(&self) -> usize {
        mailroom_core::jobs::drain(&self.job_worker)
            .await
            .expect("job round")
    }

    /// Runs the outbox worker until nothing is due; returns how many mails it handled.
    pub async fn deliver(&self) -> usize {
        mailroom_core::mail::worker::drain(&self.worker)
            .await
            .expect("worker round")
    }

    pub async fn commit(&self, write: Write) {
        assert!(self
            .mailroom
            .store()
            .commit(write)
            .await
            .expect("fixture write"));
    }

    pub async fn add_org(&self, name: &str) -> OrgId {
        let org = Org {
            id: OrgId::generate(),
            name: name.into(),
            state: OrgState::Active,
            created_at: self.clock_now(),
        };
        let id = org.id;
        self.commit(Write {
            ops: vec![Op::InsertOrg(org)],
        })
        .await;
        id
    }

    fn clock_now(&self) -> Timestamp {
        use mailroom_core::clock::Clock;
        self.clock.now()
    }

    /// A human user with one `user.human.added` event.
    pub async fn add_human(
        &self,
        org: OrgId,
        username: &str,
        email: &str,
        verified: bool,
    ) -> UserId {
        let now = self.clock_now();
        let kind = UserKind::Human(Human {
            given_name: "Test".into(),
            family_name: username.into(),
            display_name: String::new(),
            nick_name: String::new(),
            preferred_language: String::new(),
            email: mailroom_core::email::EmailAddress::parse(email).expect("a fixture address"),
            email_verified: verified,
            password_hash: None,
        });
        let user = User::new(UserId::generate(), org, username.into(), kind, now, 1);
        let id = user.id;
        self.commit(Write {
            ops: vec![
                Op::InsertUser(user),
                Op::AppendEvents(vec![mailroom_core::model::Event {
                    user_id: id,
                    sequence: 1,
                    event_type: "user.human.added".into(),
                    payload: serde_json::json!({"email": email}),
                    creator: None,
                    created_at: now,
                    via: None,
                }]),
            ],
        })
        .await;
        id
    }

    /// A machine user with the given roles (org or instance scope) and a PAT.
    pub async fn add_machine_with_token(
        &self,
        org: OrgId,
        username: &str,
        roles: &[(Option<OrgId>, Role)],
        expires_at: Option<Timestamp>,
    ) -> (UserId, String) {
        let now = self.clock_now();
        let kind = UserKind::Machine(Machine {
            name: username.into(),
            description: String::new(),
        });
        let user = User::new(UserId::generate(), org, username.into(), kind, now, 1);
        let id = user.id;
        let token = secrets::new_token();
        let mut ops = vec![Op::InsertUser(user)];
        for (scope, role) in roles {
            ops.push(Op::PutMembership(Membership {
                user_id: id,
                org_id: *scope,
                roles: vec![*role],
            }));
        }
        ops.push(Op::InsertToken(PersonalAccessToken {
            id: TokenId::generate(),
            user_id: id,
            token_hash: secrets::token_hash(&token),
            expires_at,
            created_at: now,
        }));
        self.commit(Write { ops }).await;
        (id, token)
    }
}

/// Asserts a REST error: status, gRPC code, and the id in message and details.
pub fn assert_rest_error(answer: &Answer, status: u16, code: i64, id: &str, message: &str) {
    assert_eq!(answer.status, status, "status of {}", answer.body);
    assert_eq!(answer.body["code"], code, "code of {}", answer.body);
    assert_eq!(
        answer.body["message"],
        format!("{message} ({id})"),
        "message of {}",
        answer.body
    );
    assert_eq!(
        answer.body["details"][0]["id"], id,
        "details of {}",
        answer.body
    );
    assert_eq!(answer.body["details"][0]["message"], message);
    assert_eq!(
        answer.body["details"][0]["@type"],
        "type.googleapis.com/zitadel.v1.ErrorDetail"
    );
    assert!(answer.headers.contains_key("x-request-id"));
}

impl TestApp {
    /// POST with a bearer token, without an org header.
    pub async fn post_by(&self, token: &str, path: &str, body: Value) -> Answer {
        self.post_as(token, path, body, None).await
    }

    /// PUT with a bearer token, without an org header.
    pub async fn put_by(&self, token: &str, path: &str, body: Value) -> Answer {
        self.put_as(token, path, body, None).await
    }

    /// GET with a bearer token, without an org header.
    pub async fn get_by(&self, token: &str, path: &str) -> Answer {
        self.get_as(token, path, None).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: Value, org: Option<&str>) -> Answer {
        self.send(
            self.authorized(reqwest::Method::POST, token, path, org)
                .json(&body),
        )
        .await
    }

    pub async fn put_as(&self, token: &str, path: &str, body: Value, org: Option<&str>) -> Answer {
        self.send(
            self.authorized(reqwest::Method::PUT, token, path, org)
                .json(&body),
        )
        .await
    }

    /// A Connect unary call: `POST /<service>/<method>` with the message as the body.
    pub async fn connect(&self, token: &str, method: &str, body: Value) -> Answer {
        self.send(
            self.client
                .post(self.url(method))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body.to_string()),
        )
        .await
    }

    /// A human created through the v2 API with its address verified (or a returned code).
    pub async fn human(&self, email: &str, verified: bool) -> UserId {
        let mode = if verified {
            serde_json::json!({"email": email, "isVerified": true})
        } else {
            serde_json::json!({"email": email, "returnCode": {}})
        };
        let answer = self.post("/v2/users/human", serde_json::json!({"profile": {"givenName": "Test", "familyName": "User"}, "email": mode}))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        UserId::parse(answer.body["userId"].as_str().unwrap()).unwrap()
    }

    /// The user's event types in order, read through the API.
    pub async fn event_types(&self, user: UserId) -> Vec<String> {
        let answer = self.get(&format!("/mailroom/v1/users/{user}/events")).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn mails(&self, user: UserId) -> Vec<mailroom_core::model::MailRecord> {
        self.mailroom
            .store()
            .mails(&mailroom_core::store::MailQuery {
                user: Some(user),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
    }

    /// The code and link of a mail, as the console's preview shows them to api-admin
    /// (an instance owner may see them whole while they are sealed).
    pub async fn mail_secret(
        &self,
        mail_id: mailroom_core::ids::MailId,
    ) -> mailroom_core::model::MailSecret {
        let caller = self.mailroom.authenticate_token(&self.pat).await.unwrap();
        self.mailroom
            .mail_content(&caller, mail_id)
            .await
            .expect("mail content")
            .secret
            .expect("the code and link are sealed in the mail")
    }

    pub async fn user(&self, user: UserId) -> User {
        self.mailroom.store().user(user).await.unwrap().unwrap()
    }
}

/// Asserts a field-validation error (no id, no details).
pub fn assert_invalid_field(answer: &Answer, message: &str) {
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.body["code"], 3, "{}", answer.body);
    assert_eq!(answer.body["message"], message);
    assert!(answer.body.get("details").is_none(), "{}", answer.body);
}

/// Asserts a Connect error body.
pub fn assert_connect_error(answer: &Answer, status: u16, code: &str, id: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body["code"], code, "{}", answer.body);
    assert!(
        answer.body["message"]
            .as_str()
            .unwrap()
            .ends_with(&format!("({id})")),
        "{}",
        answer.body
    );
}

/// A client that keeps cookies and does not follow redirects, as a browser session.
/// No request of a test waits longer: a hang fails the test, naming the request.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// A header's value as text ("" when missing or not text).
pub fn header_text(response: &reqwest::Response, name: &str) -> String {
    let value = response.headers().get(name).and_then(|v| v.to_str().ok());
    value.unwrap_or_default().to_owned()
}

impl TestApp {
    /// The console's sign-in form post, same-origin as a browser sends it, with `client`.
    pub async fn sign_in_with(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/api/login"))
            .header("accept", "text/html")
            .header("origin", self.base.clone())
            .header("referer", self.url("/login"))
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// Signs in through the console's form post; the status of the answer (a redirect
    /// on success) and the client holding the session.
    pub async fn sign_in(&self, username: &str, password: &str) -> (u16, reqwest::Client) {
        let client = browser();
        let response = self.sign_in_with(&client, username, password).await;
        let location = header_text(&response, "location");
        // A refused form post goes back to /login with the error in the URL.
        let status = if location == "/" {
            303
        } else {
            response.status().as_u16().max(400)
        };
        (status, client)
    }

    /// Grants `role` to `user` in `scope` (None = the instance), as a fixture.
    pub async fn grant(&self, user: UserId, scope: Option<OrgId>, role: Role) {
        self.commit(Write {
            ops: vec![Op::PutMembership(Membership {
                user_id: user,
                org_id: scope,
                roles: vec![role],
            })],
        })
        .await;
    }

    /// A human who can sign in to the console (created through the v1 API).
    pub async fn console_user(&self, username: &str, password: &str, org: Option<OrgId>) -> UserId {
        let org_header = org.map(|o| o.to_string());
        let created = self
            .post_as(
                &self.pat,
                "/management/v1/users/human",
                serde_json::json!({
                    "userName": username,
                    "profile": {"firstName": "Console", "lastName": username},
                    "email": {"email": format!("{username}@example.com"), "isEmailVerified": true},
                    "initialPassword": password,
                }),
                org_header.as_deref(),
            )
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        UserId::parse(created.body["userId"].as_str().unwrap()).unwrap()
    }

    /// A second server process on the same database (and key), serving at the
    /// returned base URL; `adjust` changes its configuration.
    pub async fn second_process(&self, adjust: impl FnOnce(&mut Config)) -> String {
        let mut config = self.config.clone();
        config.site_addr = "127.0.0.1:0".parse().unwrap();
        adjust(&mut config);
        let app = Application::build(config).await.expect("second process");
        let base = format!("http://{}", app.address());
        tokio::spawn(app.run_until(std::future::pending()));
        base
    }
}

impl TestApp {
    /// A human in state *initial* (v1, no password, unverified): it has an
    /// initialization mail queued.
    pub async fn initial_user(&self, username: &str) -> UserId {
        let answer = self.post("/management/v1/users/human", serde_json::json!({"userName": username, "profile": {"firstName": "In", "lastName": "Itial"},
                       "email": {"email": format!("{username}@example.com")}}))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(answer.body["details"]["sequence"].is_string());
        UserId::parse(answer.body["userId"].as_str().unwrap()).unwrap()
    }

    /// POST as api-admin (an instance owner), without an org header.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.post_by(&self.pat, path, body).await
    }

    /// PUT as api-admin, without an org header.
    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.put_by(&self.pat, path, body).await
    }

    /// GET as api-admin, without an org header.
    pub async fn get(&self, path: &str) -> Answer {
        self.get_by(&self.pat, path).await
    }

    /// POST as api-admin that must answer 200.
    pub async fn post_ok(&self, path: &str, body: Value) -> Answer {
        let answer = self.post(path, body).await;
        assert_eq!(answer.status, 200, "POST {path}: {}", answer.body);
        answer
    }

    /// POST as api-admin to another process of this app (its base URL).
    pub async fn post_at(&self, base: &str, path: &str, body: Value) -> Answer {
        let request = self
            .client
            .post(format!("{base}{path}"))
            .bearer_auth(&self.pat);
        self.send(request.json(&body)).await
    }

    /// A plain GET, as a browser without a session sends it.
    pub async fn fetch(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// SendEmailCode with returnCode as api-admin: the new code.
    pub async fn returned_code(&self, user: impl std::fmt::Display) -> String {
        let answer = self
            .post(
                &format!("/v2/users/{user}/email/send"),
                serde_json::json!({"returnCode": {}}),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["verificationCode"].as_str().unwrap().to_owned()
    }

    /// DELETE as api-admin.
    pub async fn delete(&self, path: &str) -> Answer {
        self.delete_as(&self.pat, path).await
    }

    /// A DELETE with a bearer token.
    pub async fn delete_as(&self, token: &str, path: &str) -> Answer {
        self.send(self.authorized(reqwest::Method::DELETE, token, path, None))
            .await
    }

    /// A machine user of `org` with one role there (or on the instance) and a token.
    pub async fn machine(&self, org: OrgId, username: &str, role: Role) -> (UserId, String) {
        let scope = (role != Role::IamOwner).then_some(org);
        self.add_machine_with_token(org, username, &[(scope, role)], None)
            .await
    }
}

/// A request sent and its body read, where the test only wants the body.
pub trait Fetch {
    async fn text_body(self) -> String;
    async fn json_body(self) -> Value;
}

impl Fetch for reqwest::RequestBuilder {
    async fn text_body(self) -> String {
        let response = self.send().await.expect("request");
        response.text().await.expect("body")
    }

    async fn json_body(self) -> Value {
        let response = self.send().await.expect("request");
        response.json().await.expect("a JSON body")
    }
}
