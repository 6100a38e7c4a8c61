//! Who is calling: personal access tokens for the API, passwords for the console.

use crate::clock::Timestamp;
use crate::error::{Code, Error, Result};
use crate::ids::UserId;
use crate::model::{User, UserState};
use crate::permissions::{Caller, Permission};
use crate::secrets;
use crate::service::Mailroom;
use crate::store::{Op, Write};

/// The one answer for any unusable token, so that probing learns nothing.
fn invalid_token() -> Error {
    Error::unauthenticated("AUTH-7fs1e", "Errors.Token.Invalid")
}

/// Authenticated tokens, for `Settings::auth_cache_secs`: steady API traffic costs no
/// database round trip per request for the token and memberships. Role, state and
/// org changes clear it in this process and are announced to the others
/// (`Mailroom::auth_changed`); the lifetime bounds announcements that were missed.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: std::sync::RwLock<std::collections::HashMap<String, CachedCaller>>,
}

#[derive(Debug, Clone)]
struct CachedCaller {
    caller: std::sync::Arc<Caller>,
    token_expires_at: Option<crate::clock::Timestamp>,
    fresh_until: crate::clock::Timestamp,
}

impl TokenCache {
    /// Forgets everything: this process changed roles, tokens or user states.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }

    fn get(&self, hash: &str, now: crate::clock::Timestamp) -> Option<std::sync::Arc<Caller>> {
        let entries = self.entries.read().ok()?;
        let entry = entries.get(hash)?;
        let usable = entry.fresh_until > now && entry.token_expires_at.is_none_or(|at| at > now);
        usable.then(|| entry.caller.clone())
    }

    fn put(
        &self,
        hash: String,
        caller: std::sync::Arc<Caller>,
        token_expires_at: Option<crate::clock::Timestamp>,
        now: crate::clock::Timestamp,
        fresh_secs: i64,
    ) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() > 10_000 {
                entries.retain(|_, e| e.fresh_until > now);
            }
            entries.insert(
                hash,
                CachedCaller {
                    caller,
                    token_expires_at,
                    fresh_until: now.plus_secs(fresh_secs),
                },
            );
        }
    }
}

/// The same message for an unknown user and a wrong password (SPEC §4).
pub const LOGIN_FAILED: &str = "Invalid username or password";

impl Mailroom {
    /// Authenticates a bearer token: unknown, revoked, expired, or owned by a user who
    /// may not act (deleted, deactivated, locked) → `AUTH-7fs1e`.
    /// Shared, not cloned: a hit in the cache costs one reference count.
    pub async fn authenticate_token(&self, token: &str) -> Result<std::sync::Arc<Caller>> {
        let hash = secrets::token_hash(token);
        let now = self.clock.now();
        if let Some(caller) = self.token_cache.get(&hash, now) {
            return Ok(caller);
        }
        let owner = self
            .store
            .token_owner(&hash)
            .await?
            .ok_or_else(invalid_token)?;
        let expired = owner.expires_at.is_some_and(|expires_at| expires_at <= now);
        if expired || owner.user_state != UserState::Active {
            return Err(invalid_token());
        }
        let caller = std::sync::Arc::new(
            self.caller(owner.user_id)
                .await?
                .ok_or_else(invalid_token)?,
        );
        self.token_cache.put(
            hash,
            caller.clone(),
            owner.expires_at,
            now,
            self.settings.policy.auth_cache_secs,
        );
        Ok(caller)
    }

    /// The caller for a user id (the console's session holds only the id).
    pub async fn caller(&self, user_id: UserId) -> Result<Option<Caller>> {
        Ok(self
            .caller_and_user(user_id)
            .await?
            .map(|(caller, _)| caller))
    }

    /// The caller and its user row (the console shows who is signed in): `None`
    /// unless the user exists and is active.
    pub async fn caller_and_user(&self, user_id: UserId) -> Result<Option<(Caller, User)>> {
        let Some(user) = self.store.user(user_id).await? else {
            return Ok(None);
        };
        if user.state != UserState::Active {
            return Ok(None);
        }
        let memberships = self.store.memberships(user.id).await?;
        let caller = Caller {
            user_id: user.id,
            org_id: user.org_id,
            memberships,
        };
        Ok(Some((caller, user)))
    }

    /// Console login. Only active humans with a password and `user.read` somewhere may
    /// sign in; every refusal gives the same message. Failures count per username and
    /// per client address in the database (so the budget holds across processes),
    /// and the attempt is reserved *before* the password is looked at: concurrent
    /// guesses cannot exceed the budget, and over it the answer is 429 at once.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<Caller> {
        let limits = LoginLimits::new(&self.settings, username, client);
        self.reserve_login_attempt(&limits).await?;
        let result = self.check_login(username, password).await;
        let mut write = Write::new();
        match &result {
            // A success clears the username's failures and gives the address its
            // attempt back; a failure keeps both.
            Ok(_) => limits.after_success(&mut write),
            Err(err) if err.code == Code::Unauthenticated => {}
            // Not evaluated (e.g. the password work was busy): nothing is counted.
            Err(_) => limits.after_no_verdict(&mut write),
        }
        if !write.ops.is_empty() {
            self.store.commit(write).await?;
        }
        result
    }

    async fn reserve_login_attempt(&self, limits: &LoginLimits) -> Result<()> {
        let now = self.clock.now();
        let window_open = |start: Timestamp| start.plus_secs(self.settings.login_window_secs) > now;
        // A key known to be at its limit is refused from a read: an attacker's
        // flood costs no write. The reservation below stays the authority.
        let mut over_until = None;
        for (key, limit) in limits.budgets() {
            if let Some((start, attempts)) = self.store.login_window(key).await? {
                if window_open(start) && attempts >= limit {
                    over_until =
                        over_until.max(Some(start.plus_secs(self.settings.login_window_secs)));
                }
            }
        }
        if over_until.is_none() {
            let mut write = Write::new();
            limits.reserve(&mut write, now);
            if write.ops.is_empty() || self.store.commit(write).await? {
                return Ok(());
            }
            // Refused: the key whose window ends last says when to come back.
            for key in limits.keys() {
                if let Some((start, _)) = self.store.login_window(key).await? {
                    over_until =
                        over_until.max(Some(start.plus_secs(self.settings.login_window_secs)));
                }
            }
        }
        let until = over_until.unwrap_or(now).max(now.plus_secs(1));
        let mut err = Error::new(
            Code::ResourceExhausted,
            "MAILROOM-LOGIN-LIMIT",
            "Too many failed sign-ins, try again later",
        );
        err.retry_after_secs = Some(((until.0 - now.0).max(0) as u64).div_ceil(1_000_000).max(1));
        Err(err)
    }

    async fn check_login(&self, username: &str, password: &str) -> Result<Caller> {
        let failed = || Error::unauthenticated("MAILROOM-LOGIN", LOGIN_FAILED);
        let user = self.store.user_by_username(username.trim()).await?;
        let phc = user
            .as_ref()
            .and_then(|u| u.human())
            .and_then(|h| h.password_hash.clone());
        // Without a hash the check runs against a dummy: timing does not reveal the user.
        let matches = self.password_work.verify(password.to_owned(), phc).await?;
        let user = user.filter(|_| matches).ok_or_else(failed)?;
        let caller = self.caller(user.id).await?.ok_or_else(failed)?;
        let may_read = caller
            .orgs_with(Permission::UserRead)
            .is_none_or(|orgs| !orgs.is_empty());
        if !may_read {
            return Err(failed());
        }
        Ok(caller)
    }
}

/// The two budgets one sign-in draws on (SPEC §7): its username's and its client
/// address's, each a number of failures per window (0 turns one off).
struct LoginLimits {
    user: Option<(String, u32)>,
    address: Option<(String, u32)>,
    window_secs: i64,
}

/// Usernames are at most this long; a longer one still counts, by its first part.
const MAX_USERNAME_KEY_CHARS: usize = 200;

impl LoginLimits {
    fn new(settings: &crate::Settings, username: &str, client: Option<std::net::IpAddr>) -> Self {
        let name: String = username
            .trim()
            .to_lowercase()
            .chars()
            .take(MAX_USERNAME_KEY_CHARS)
            .collect();
        let per_user = settings.login_failures_per_user;
        let per_address = settings.login_failures_per_address;
        LoginLimits {
            user: (per_user > 0).then(|| (format!("user:{name}"), per_user)),
            address: client
                .filter(|_| per_address > 0)
                .map(|ip| (format!("addr:{ip}"), per_address)),
            window_secs: settings.login_window_secs,
        }
    }

    fn budgets(&self) -> impl Iterator<Item = (&str, i64)> {
        [&self.user, &self.address]
            .into_iter()
            .flatten()
            .map(|(key, limit)| (key.as_str(), i64::from(*limit)))
    }

    fn keys(&self) -> impl Iterator<Item = &str> {
        [&self.user, &self.address]
            .into_iter()
            .flatten()
            .map(|(key, _)| key.as_str())
    }

    fn reserve(&self, write: &mut Write, now: crate::clock::Timestamp) {
        for (key, limit) in [&self.user, &self.address].into_iter().flatten() {
            write.push(Op::ReserveLoginAttempt {
                key: key.clone(),
                limit: i64::from(*limit),
                now,
                window_starts_after: now.plus_secs(-self.window_secs),
            });
        }
    }

    fn after_success(&self, write: &mut Write) {
        if let Some((key, _)) = &self.user {
            write.push(Op::ClearLoginAttempts { key: key.clone() });
        }
        if let Some((key, _)) = &self.address {
            write.push(Op::ReturnLoginAttempt { key: key.clone() });
        }
    }

    fn after_no_verdict(&self, write: &mut Write) {
        for key in self.keys() {
            write.push(Op::ReturnLoginAttempt {
                key: key.to_owned(),
            });
        }
    }
}
