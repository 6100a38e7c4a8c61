//! Argon2 behind a process-wide limit (SPEC §7 "Unauthenticated work is bounded"):
//! at most about one hash per core runs at a time, and a request that would wait
//! longer than a short while is refused with 503 and `Retry-After`, never queued
//! without bound. Every password hash and check in the process goes through here.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::{Code, Error, Result};
use crate::secrets;

pub struct PasswordWork {
    permits: Arc<Semaphore>,
    max_wait: Duration,
}

/// The answer when every permit stays taken for `max_wait`.
fn busy() -> Error {
    let mut err = Error::new(
        Code::Unavailable,
        "MAILROOM-BUSY",
        "Too many password checks at once, try again shortly",
    );
    err.retry_after_secs = Some(1);
    err
}

impl PasswordWork {
    /// `concurrent` hashes at once (0 means one per core); callers wait at most `max_wait`.
    pub fn new(concurrent: usize, max_wait: Duration) -> Self {
        let concurrent = if concurrent == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            concurrent
        };
        PasswordWork {
            permits: Arc::new(Semaphore::new(concurrent)),
            max_wait,
        }
    }

    /// Runs `work` on a blocking thread once a permit is free. The permit moves into
    /// the thread, so a request that is dropped mid-hash still holds it until the
    /// hash is done: the limit counts running hashes, not waiting requests.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let permit = tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(Error::internal)
    }

    /// An argon2id hash (PHC string) of `password`.
    pub async fn hash(&self, password: String) -> Result<String> {
        self.run(move || secrets::hash_password(&password)).await?
    }

    /// Checks `password` against `phc`; with no hash, spends the same time on a
    /// dummy, so that timing does not tell unknown users from known ones.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool> {
        self.run(move || match phc {
            Some(phc) => secrets::verify_password(&password, &phc),
            None => {
                secrets::verify_against_dummy(&password);
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waits_are_bounded_and_refused_with_retry_after() {
        let work = Arc::new(PasswordWork::new(1, Duration::from_millis(50)));
        let held = work.permits.clone().acquire_owned().await.unwrap();
        let err = work.hash("correct horse".into()).await.unwrap_err();
        assert_eq!(
            (err.code, err.id),
            (Code::Unavailable, Some("MAILROOM-BUSY"))
        );
        assert_eq!(err.retry_after_secs, Some(1));
        drop(held);
        let phc = work.hash("correct horse".into()).await.unwrap();
        assert!(work
            .verify("correct horse".into(), Some(phc))
            .await
            .unwrap());
        assert!(!work.verify("x".into(), None).await.unwrap());
    }
}
