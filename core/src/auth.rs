//! Who is calling: personal access tokens for the API, passwords for the console.

use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::model::{User, UserState};
use crate::permissions::{Caller, Permission};
use crate::secrets;
use crate::service::Mailroom;

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

/// Failed sign-ins per username in this process: after a few, each answer waits
/// longer (0.5 s doubling up to 8 s), which makes guessing slow without locking
/// the real user out. A success clears the count; a quiet quarter hour forgets it.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Instant)>>,
}

const FREE_FAILURES: u32 = 3;
const FORGET_AFTER: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl LoginThrottle {
    fn delay(&self, username: &str) -> std::time::Duration {
        let failures = self.failures.lock().map_or(0, |map| {
            map.get(username)
                .filter(|(_, last)| last.elapsed() < FORGET_AFTER)
                .map_or(0, |(n, _)| *n)
        });
        if failures < FREE_FAILURES {
            return std::time::Duration::ZERO;
        }
        let exponent = (failures - FREE_FAILURES).min(4);
        std::time::Duration::from_millis(500 << exponent)
    }

    fn failed(&self, username: &str) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                map.retain(|_, (_, last)| last.elapsed() < FORGET_AFTER);
            }
            let entry = map
                .entry(username.to_owned())
                .or_insert((0, std::time::Instant::now()));
            if entry.1.elapsed() >= FORGET_AFTER {
                entry.0 = 0;
            }
            entry.0 += 1;
            entry.1 = std::time::Instant::now();
        }
    }

    fn succeeded(&self, username: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(username);
        }
    }
}

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
            self.settings.auth_cache_secs,
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
    /// sign in; every refusal gives the same message.
    pub async fn login(&self, username: &str, password: &str) -> Result<Caller> {
        let key = username.trim().to_lowercase();
        tokio::time::sleep(self.login_throttle.delay(&key)).await;
        let result = self.check_login(username, password).await;
        match &result {
            Ok(_) => self.login_throttle.succeeded(&key),
            Err(err) if err.code == crate::error::Code::Unauthenticated => {
                self.login_throttle.failed(&key)
            }
            Err(_) => {}
        }
        result
    }

    async fn check_login(&self, username: &str, password: &str) -> Result<Caller> {
        let failed = || Error::unauthenticated("MAILROOM-LOGIN", LOGIN_FAILED);
        let user = self.store.user_by_username(username.trim()).await?;
        let Some(phc) = user
            .as_ref()
            .and_then(|u| u.human())
            .and_then(|h| h.password_hash.clone())
        else {
            // Spend the time a real check takes, so timing does not reveal the user.
            let password = password.to_owned();
            let _ =
                tokio::task::spawn_blocking(move || secrets::verify_against_dummy(&password)).await;
            return Err(failed());
        };
        let password = password.to_owned();
        let matches =
            tokio::task::spawn_blocking(move || secrets::verify_password(&password, &phc))
                .await
                .map_err(Error::internal)?;
        let user = user.ok_or_else(failed)?;
        if !matches {
            return Err(failed());
        }
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
