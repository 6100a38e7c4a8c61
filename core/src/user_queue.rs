//! Writes to one user run one after another (SPEC §1, "Concurrency").
//!
//! Every use case that reads a user, decides and writes (`Mailroom::write_to_user`)
//! first takes that user's place in this process's queue, so its read sees the
//! previous write and nothing is refused for a write that was merely in flight. On
//! SQLite this process is the only writer, so that is all the ordering there is. On
//! Postgres the turn also holds the user's row (`Store::hold_user`: a row lock in the
//! transaction the write commits in), so writers in other processes wait for it too.
//! The write's guard on the user's sequence stays as the last line: should it still
//! find another write first (a write that took no turn), the use case reads and
//! decides again after a short random pause, until it wins or its attempts run out
//! (then 409 Aborted).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OwnedMutexGuard;

use crate::change::UserChange;
use crate::error::{Code, Result};
use crate::ids::UserId;
use crate::model::Details;
use crate::service::Mailroom;
use crate::store::{HeldUser, Write};

/// Above this many idle entries the map is swept (entries whose queue is empty).
const SWEEP_ABOVE: usize = 4096;

/// How often a write that lost a race with another process is read, decided and
/// written again before the client gets 409 Aborted.
const WRITE_ATTEMPTS: u32 = 32;

/// One async lock per user with a write in flight.
#[derive(Default)]
pub(crate) struct UserQueue {
    users: Mutex<HashMap<UserId, Arc<tokio::sync::Mutex<()>>>>,
}

impl UserQueue {
    /// Waits for this process's earlier writes to `user` to finish.
    pub(crate) async fn turn(&self, user: UserId) -> OwnedMutexGuard<()> {
        let lock = {
            let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
            if users.len() > SWEEP_ABOVE {
                // Only the map holds an idle user's lock.
                users.retain(|_, lock| Arc::strong_count(lock) > 1);
            }
            users.entry(user).or_default().clone()
        };
        lock.lock_owned().await
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.users.lock().unwrap().len()
    }
}

/// The pause after the `tries`-th lost race: random, up to 2^tries ms (at most 64).
fn backoff(tries: u32) -> Duration {
    let ceiling_micros = 1_000u64 << tries.min(6);
    Duration::from_micros(rand::random::<u64>() % ceiling_micros)
}

/// A use case's turn on one user: its write commits here, in the transaction that
/// holds the user where the store holds one.
pub(crate) struct Turn<'a> {
    mailroom: &'a Mailroom,
    held: Option<Box<dyn HeldUser>>,
}

impl Turn<'_> {
    /// Commits the change and reports its `details`.
    pub(crate) async fn commit(&mut self, change: UserChange) -> Result<Details> {
        let (write, details) = change.into_write();
        self.commit_write(write).await?;
        Ok(details)
    }

    /// Commits a write; the first one of a turn lets go of the user.
    pub(crate) async fn commit_write(&mut self, write: Write) -> Result<bool> {
        match self.held.take() {
            Some(held) => held.commit(write).await,
            None => self.mailroom.store.commit(write).await,
        }
    }
}

impl Mailroom {
    /// Runs a read–decide–write use case on `user` in its turn, and again from a
    /// fresh read should another write to the user still have come first.
    pub(crate) async fn write_to_user<'a, T, F, Fut>(
        &'a self,
        user: UserId,
        mut attempt: F,
    ) -> Result<T>
    where
        // The turn is passed by value: with a borrowed one (`AsyncFnMut(&mut Turn)`)
        // the compiler cannot yet prove the caller's future `Send`.
        F: FnMut(Turn<'a>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let _queued = self.user_queue.turn(user).await;
        let mut tries = 1;
        loop {
            let turn = Turn {
                mailroom: self,
                held: self.store.hold_user(user).await?,
            };
            match attempt(turn).await {
                Err(err) if err.code == Code::Aborted && tries < WRITE_ATTEMPTS => {
                    self.write_retries
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(backoff(tries)).await;
                    tries += 1;
                }
                result => return result,
            }
        }
    }

    /// Writes that found another write to their user first and ran again, since start.
    pub fn write_retries(&self) -> u64 {
        self.write_retries
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_user_at_a_time_others_alongside() {
        let queue = Arc::new(UserQueue::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (queue, inside, most) = (queue.clone(), inside.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                let _turn = queue.turn(UserId(7)).await;
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        // Another user is not held up by user 7's queue.
        let other = tokio::time::timeout(Duration::from_millis(20), queue.turn(UserId(8))).await;
        assert!(other.is_ok());
        drop(other);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn idle_users_are_swept() {
        let queue = UserQueue::default();
        for id in 1..=(SWEEP_ABOVE as i64 + 2) {
            drop(queue.turn(UserId(id)).await);
        }
        assert!(queue.len() < 10, "{}", queue.len());
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        for tries in 1..40 {
            assert!(backoff(tries) < Duration::from_millis(64));
        }
    }
}
