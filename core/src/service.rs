//! `Mailroom`: the handle every transport holds. It carries the store, the clock and
//! the settings; the use cases are its methods, grouped by module (`users`, `auth`, …).

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::secrets::MasterKey;
use crate::store::Store;

/// How codes, their mails and cached token checks behave: the settings an operator
/// tunes (`MAILROOM_EMAIL_CODE_EXPIRY`, …; defaults in the server's `Config`).
#[derive(Debug, Clone)]
pub struct Policy {
    pub email_code_expiry_secs: i64,
    pub init_code_expiry_secs: i64,
    /// Send limits for mails that carry a code (0 disables each).
    pub code_mail_min_interval_secs: u64,
    pub code_mail_per_hour: u64,
    /// Mail the old verified address when it is changed.
    pub notify_old_address: bool,
    /// How long a process trusts a token check it cached. Changes made by this process
    /// (and, on Postgres, announced by others) drop the cache at once; this bounds the
    /// rest (an announcement missed while the listening connection was down).
    pub auth_cache_secs: i64,
}

/// What the use cases need to know about the installation. Built by the server
/// from its configuration (`Config::settings`), which holds the one set of defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base of the links in mails, e.g. `http://127.0.0.1:3000`.
    pub public_url: String,
    pub master_key: MasterKey,
    pub policy: Policy,
    /// Password hashes running at once (0: one per core), and how long a request
    /// waits for one before it is refused (SPEC §7).
    pub password_hash_concurrency: usize,
    pub password_hash_max_wait_ms: u64,
    /// Failed sign-ins allowed per username and per client address in one window.
    pub login_failures_per_user: u32,
    pub login_failures_per_address: u32,
    pub login_window_secs: i64,
}

/// The use cases over one store. Every request clones it (axum state), so it is one
/// shared pointer: one reference count to touch, not one per part.
#[derive(Clone)]
pub struct Mailroom(Arc<Parts>);

pub struct Parts {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: Settings,
    pub(crate) password_work: crate::passwords::PasswordWork,
    /// Seals code-bearing mail content at rest (key derived from the master key).
    pub(crate) sealer: crate::sealing::Sealer,
    pub(crate) token_cache: crate::auth::TokenCache,
    /// Writes to one user wait for this process's earlier ones (`user_queue`).
    pub(crate) user_queue: crate::user_queue::UserQueue,
    /// See `Mailroom::write_retries`.
    pub(crate) write_retries: std::sync::atomic::AtomicU64,
    pub(crate) dashboards: crate::dashboard::DashboardCache,
}

impl std::ops::Deref for Mailroom {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

impl Mailroom {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        Mailroom::with_clock(store, settings, Arc::new(SystemClock))
    }

    pub fn with_clock(store: Arc<dyn Store>, settings: Settings, clock: Arc<dyn Clock>) -> Self {
        let password_work = crate::passwords::PasswordWork::new(
            settings.password_hash_concurrency,
            std::time::Duration::from_millis(settings.password_hash_max_wait_ms),
        );
        let sealer = crate::sealing::Sealer::new(&settings.master_key);
        Mailroom(Arc::new(Parts {
            store,
            clock,
            settings,
            password_work,
            sealer,
            token_cache: Default::default(),
            user_queue: Default::default(),
            write_retries: Default::default(),
            dashboards: Default::default(),
        }))
    }

    /// Roles, tokens or user states changed: this process forgets its cached callers
    /// at once, and tells the others (see `listen_for_auth_changes`).
    pub(crate) async fn auth_changed(&self) {
        self.token_cache.clear();
        if let Err(err) = self.store.announce_auth_change().await {
            // The others still drop their entries within `auth_cache_secs`.
            tracing::warn!(
                cause = err.internal_cause().unwrap_or_default(),
                "could not announce an auth change"
            );
        }
    }

    /// Drops cached callers whenever another process announces an auth change (on
    /// Postgres: LISTEN/NOTIFY). Runs in the background for as long as this `Mailroom`.
    pub async fn listen_for_auth_changes(&self) -> crate::error::Result<()> {
        let parts = Arc::downgrade(&self.0);
        self.store
            .listen_auth_changes(Box::new(move || match parts.upgrade() {
                Some(parts) => {
                    parts.token_cache.clear();
                    true
                }
                None => false,
            }))
            .await
    }

    /// The store is core's own: transports go through use cases. Integration tests
    /// write fixtures through it with the `fixtures` feature (a dev-dependency).
    #[cfg(feature = "fixtures")]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Closes the database pools (graceful shutdown).
    pub async fn close(&self) {
        self.store.close().await;
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}
