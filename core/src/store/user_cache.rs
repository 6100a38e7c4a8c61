//! Users by id, kept in memory for the SQLite store. SQLite has one writer, this
//! process, and every write goes through `Store::commit`, which drops the users it
//! wrote before it returns: a read after an acknowledged write never sees an older
//! row. A read that raced a write may not fill the cache with what it read (the
//! generation moved on), so a stale row never lands after the invalidation.
//! Postgres has no such cache: other processes write too.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::ids::UserId;
use crate::model::User;

/// Beyond this many users the cache starts over (about 300 bytes each).
const MAX_USERS: usize = 20_000;

#[derive(Default)]
pub(crate) struct UserCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    users: HashMap<UserId, User>,
}

impl UserCache {
    /// The cached user, or the generation to hand to `fill` after reading it.
    pub(crate) fn get(&self, id: UserId) -> Result<User, u64> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.users.get(&id).cloned().ok_or(inner.generation)
    }

    /// Keeps `user`, read from the database at `generation`, unless a write since.
    pub(crate) fn fill(&self, generation: u64, user: &User) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.generation != generation {
            return;
        }
        if inner.users.len() >= MAX_USERS {
            inner.users.clear();
        }
        inner.users.insert(user.id, user.clone());
    }

    /// Called with the users a write touched, whether it committed or not.
    pub(crate) fn invalidate(&self, ids: &[UserId]) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.generation += 1;
        for id in ids {
            inner.users.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, name: &str) -> User {
        use crate::model::{Machine, UserKind};
        let at = crate::clock::Timestamp(0);
        User::new(
            UserId(id),
            crate::ids::OrgId(1),
            name.into(),
            UserKind::Machine(Machine {
                name: name.into(),
                description: String::new(),
            }),
            at,
            1,
        )
    }

    #[test]
    fn a_read_that_raced_a_write_does_not_fill() {
        let cache = UserCache::default();
        let generation = cache.get(UserId(1)).unwrap_err();
        // A write to user 1 lands between the read and the fill.
        cache.invalidate(&[UserId(1)]);
        cache.fill(generation, &user(1, "old"));
        assert!(cache.get(UserId(1)).is_err(), "the stale row was not kept");
        let generation = cache.get(UserId(1)).unwrap_err();
        cache.fill(generation, &user(1, "new"));
        assert_eq!(cache.get(UserId(1)).unwrap().username, "new");
        cache.invalidate(&[UserId(1)]);
        assert!(cache.get(UserId(1)).is_err());
    }
}
