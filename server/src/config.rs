//! Settings from the environment (SPEC §6). Every setting is listed in the README.

use std::net::SocketAddr;
use std::path::PathBuf;

use mailroom_core::secrets::MasterKey;
use mailroom_core::Policy;

#[derive(Debug, Clone)]
pub struct Config {
    /// `MAILROOM_DATA_DIR`: created (or tightened) to 0700 at start.
    pub data_dir: PathBuf,
    /// `sqlite://data/mailroom.db` (default) or `postgres://…`.
    pub database_url: String,
    /// Where to listen (`LEPTOS_SITE_ADDR`); port 0 picks a free port.
    pub site_addr: SocketAddr,
    /// The built front end: `pkg/mailroom-<build id>.{js,_bg.wasm,css}` and `assets.env`
    /// (see `assets.rs`).
    pub site_root: PathBuf,
    /// Base of the links in mails.
    pub public_url: String,
    /// The first admin's password; generated and printed once when unset.
    pub admin_password: Option<Secret>,
    /// Where the first start writes the `api-admin` PAT (mode 0600).
    pub first_pat_path: PathBuf,
    /// `MAILROOM_MASTER_KEY`; when unset, `master_key_path` holds a generated one.
    pub master_key: Option<MasterKey>,
    pub master_key_path: PathBuf,
    /// Send the session cookie only over HTTPS (default: when the public URL is https).
    pub cookie_secure: bool,
    /// `smtp://…` / `smtps://…`; `None` = the dev mailbox.
    pub smtp_url: Option<Secret>,
    pub mail_from: String,
    /// SMTP connections (and mails in flight) per process.
    pub smtp_pool_size: u32,
    /// Run the outbox worker in this process.
    pub worker_enabled: bool,
    pub worker_poll: std::time::Duration,
    /// A mail claimed by a process that then stopped is claimed again after this
    /// long (a process that starts again hands its own claims back at once).
    pub mail_lease_secs: i64,
    /// Code lifetimes, code-mail limits, the token-check cache.
    pub policy: Policy,
    /// A console session ends after this long without a page request.
    pub session_idle_secs: i64,
    /// Proxies whose `X-Forwarded-For` names the client (sign-in limits per address).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Failed sign-ins per username and per client address in 15 minutes (0 = off).
    pub login_failures_per_user: u32,
    pub login_failures_per_address: u32,
    /// Postgres pool size per process (`MAILROOM_DATABASE_MAX_CONNECTIONS`).
    pub database_max_connections: u32,
    /// `MAILROOM_LOG_FORMAT=json`: structured logs.
    pub log_json: bool,
}

/// A string whose `Debug` prints nothing.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Config {
    /// Defaults for a data directory; what `from_env` starts from.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Config {
        let data_dir = data_dir.into();
        Config {
            database_url: format!("sqlite://{}", data_dir.join("mailroom.db").display()),
            data_dir: data_dir.clone(),
            site_addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: PathBuf::from("target/site"),
            public_url: "http://127.0.0.1:3000".into(),
            admin_password: None,
            first_pat_path: data_dir.join("admin.pat"),
            master_key: None,
            master_key_path: data_dir.join("master.key"),
            cookie_secure: false,
            smtp_url: None,
            mail_from: "Mailroom <mailroom@localhost>".into(),
            smtp_pool_size: 8,
            worker_enabled: true,
            worker_poll: std::time::Duration::from_millis(500),
            mail_lease_secs: 120,
            policy: Policy {
                email_code_expiry_secs: 3600,
                init_code_expiry_secs: 72 * 3600,
                code_mail_min_interval_secs: 30,
                code_mail_per_hour: 10,
                notify_old_address: true,
                auth_cache_secs: 1,
            },
            session_idle_secs: 8 * 60 * 60,
            trusted_proxies: Vec::new(),
            login_failures_per_user: 5,
            login_failures_per_address: 30,
            database_max_connections: 10,
            log_json: false,
        }
    }

    pub fn from_env() -> Result<Config, String> {
        let data_dir = var("MAILROOM_DATA_DIR").unwrap_or_else(|| "data".into());
        let mut config = Config::with_data_dir(&data_dir);
        if let Some(url) = var("MAILROOM_DATABASE_URL") {
            config.database_url = url;
        }
        if let Some(addr) = var("LEPTOS_SITE_ADDR") {
            config.site_addr = addr.parse().map_err(|_| {
                format!("LEPTOS_SITE_ADDR {addr:?} is not host:port, e.g. 127.0.0.1:3000")
            })?;
        }
        if let Some(root) = var("LEPTOS_SITE_ROOT") {
            config.site_root = root.into();
        }
        if let Some(url) = var("MAILROOM_PUBLIC_URL") {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!(
                    "MAILROOM_PUBLIC_URL {url:?} must start with http:// or https://"
                ));
            }
            config.public_url = url.trim_end_matches('/').to_owned();
        }
        config.admin_password = var("MAILROOM_ADMIN_PASSWORD").map(Secret);
        if let Some(path) = var("MAILROOM_FIRST_PAT_PATH") {
            config.first_pat_path = path.into();
        }
        if let Some(key) = var("MAILROOM_MASTER_KEY") {
            config.master_key =
                Some(MasterKey::parse(&key).map_err(|why| format!("MAILROOM_MASTER_KEY: {why}"))?);
        }
        config.cookie_secure = match var("MAILROOM_COOKIE_SECURE").as_deref() {
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(format!(
                    "MAILROOM_COOKIE_SECURE {other:?} must be true or false"
                ))
            }
            None => config.public_url.starts_with("https://"),
        };
        config.smtp_url = var("MAILROOM_SMTP_URL").map(Secret);
        if let Some(from) = var("MAILROOM_MAIL_FROM") {
            config.mail_from = from;
        }
        config.smtp_pool_size = number("MAILROOM_SMTP_POOL_SIZE", config.smtp_pool_size)?;
        config.worker_enabled = flag("MAILROOM_WORKER", config.worker_enabled)?;
        config.worker_poll =
            std::time::Duration::from_millis(number("MAILROOM_WORKER_POLL_MS", 500)?);
        config.mail_lease_secs = number("MAILROOM_MAIL_LEASE_SECS", config.mail_lease_secs)?;
        if config.mail_lease_secs < 1 {
            return Err("MAILROOM_MAIL_LEASE_SECS must be at least 1".into());
        }
        let policy = &mut config.policy;
        policy.email_code_expiry_secs =
            number("MAILROOM_EMAIL_CODE_EXPIRY", policy.email_code_expiry_secs)?;
        policy.init_code_expiry_secs =
            number("MAILROOM_INIT_CODE_EXPIRY", policy.init_code_expiry_secs)?;
        policy.code_mail_min_interval_secs = number(
            "MAILROOM_CODE_MAIL_MIN_INTERVAL",
            policy.code_mail_min_interval_secs,
        )?;
        policy.code_mail_per_hour =
            number("MAILROOM_CODE_MAIL_PER_HOUR", policy.code_mail_per_hour)?;
        policy.notify_old_address = flag("MAILROOM_NOTIFY_OLD_ADDRESS", policy.notify_old_address)?;
        policy.auth_cache_secs = number("MAILROOM_AUTH_CACHE_SECS", policy.auth_cache_secs)?;
        config.session_idle_secs = number("MAILROOM_SESSION_IDLE_SECS", config.session_idle_secs)?;
        if let Some(proxies) = var("MAILROOM_TRUSTED_PROXIES") {
            config.trusted_proxies = crate::client_addr::TrustedProxies::parse(&proxies)
                .map_err(|why| format!("MAILROOM_TRUSTED_PROXIES: {why}"))?;
        }
        config.login_failures_per_user = number(
            "MAILROOM_LOGIN_FAILURES_PER_USER",
            config.login_failures_per_user,
        )?;
        config.login_failures_per_address = number(
            "MAILROOM_LOGIN_FAILURES_PER_ADDRESS",
            config.login_failures_per_address,
        )?;
        config.database_max_connections = number(
            "MAILROOM_DATABASE_MAX_CONNECTIONS",
            config.database_max_connections,
        )?;
        config.log_json = match var("MAILROOM_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(format!(
                    "MAILROOM_LOG_FORMAT {other:?} must be text or json"
                ))
            }
        };
        Ok(config)
    }
}

impl Config {
    /// What the use cases need, from this configuration (its defaults are the only ones).
    pub fn settings(&self, master_key: MasterKey) -> mailroom_core::Settings {
        mailroom_core::Settings {
            public_url: self.public_url.clone(),
            master_key,
            policy: self.policy.clone(),
            // One hash per core; a request waits at most 2 s for one (SPEC §7).
            password_hash_concurrency: 0,
            password_hash_max_wait_ms: 2000,
            login_failures_per_user: self.login_failures_per_user,
            login_failures_per_address: self.login_failures_per_address,
            login_window_secs: 15 * 60,
        }
    }
}

fn number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        Some(text) => text
            .parse()
            .map_err(|_| format!("{name} {text:?} must be a non-negative whole number")),
        None => Ok(default),
    }
}

fn flag(name: &str, default: bool) -> Result<bool, String> {
    match var(name).as_deref() {
        Some("true" | "1" | "on") => Ok(true),
        Some("false" | "0" | "off") => Ok(false),
        Some(other) => Err(format!("{name} {other:?} must be true or false")),
        None => Ok(default),
    }
}
