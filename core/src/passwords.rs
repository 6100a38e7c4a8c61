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
    /// Jobs for the hashing threads.
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce(&mut secrets::HashMemory) + Send>;

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
    ///
    /// The hashes run on that many threads of their own, each with argon2's ~19 MiB of
    /// working memory allocated once and reused: allocated afresh per hash, freed
    /// blocks stayed with the process (measured: +19 MiB per sign-in, up to ~200 MiB).
    pub fn new(concurrent: usize, max_wait: Duration) -> Self {
        let concurrent = if concurrent == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            concurrent
        };
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..concurrent {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut memory = secrets::HashMemory::default();
                    loop {
                        // The lock is held only while taking the next job.
                        let next = match queue.lock() {
                            Ok(queue) => queue.try_recv(),
                            Err(_) => return,
                        };
                        let job = match next {
                            Ok(job) => job,
                            Err(std::sync::mpsc::TryRecvError::Empty) => {
                                // Idle: the working memory goes back to the system
                                // until the next burst (a steady load keeps it).
                                memory = secrets::HashMemory::default();
                                release_free_memory();
                                match queue.lock().map(|queue| queue.recv()) {
                                    Ok(Ok(job)) => job,
                                    // The `PasswordWork` is gone.
                                    _ => return,
                                }
                            }
                            Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
                        };
                        job(&mut memory);
                    }
                });
            if let Err(err) = spawned {
                tracing::error!(%err, "could not start a password hashing thread");
            }
        }
        PasswordWork {
            permits: Arc::new(Semaphore::new(concurrent)),
            max_wait,
            jobs: std::sync::Mutex::new(jobs),
        }
    }

    /// Runs `work` on a hashing thread once a permit is free. There are as many
    /// permits as threads, so a job never queues behind another; the permit goes with
    /// the job, so a request dropped mid-hash holds it until the hash is done.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut secrets::HashMemory) -> T + Send + 'static,
    ) -> Result<T> {
        let permit = tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|_| busy())?;
        let (done, outcome) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _permit = permit;
            let _ = done.send(work(memory));
        });
        self.jobs
            .lock()
            .map_err(|_| Error::internal("the password threads are gone"))?
            .send(job)
            .map_err(|_| Error::internal("the password threads are gone"))?;
        outcome
            .await
            .map_err(|_| Error::internal("a password hash did not finish"))
    }

    /// An argon2id hash (PHC string) of `password`.
    pub async fn hash(&self, password: String) -> Result<String> {
        self.run(move |memory| secrets::hash_password_in(memory, &password))
            .await?
    }

    /// Checks `password` against `phc`; with no hash, spends the same time on a
    /// dummy, so that timing does not tell unknown users from known ones.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool> {
        self.run(move |memory| match phc {
            Some(phc) => secrets::verify_password_in(memory, &password, &phc),
            None => {
                secrets::verify_against_dummy_in(memory, &password);
                false
            }
        })
        .await
    }
}

/// Hands freed memory back to the system. glibc keeps freed blocks in the arena of
/// the thread that used them (argon2's working memory, a burst of page renders);
/// `malloc_trim` returns the free pages. It takes each arena's lock for a moment:
/// call it when the process is idle, not per request.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free heap pages to the kernel; it touches no
    // memory that is in use and is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
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
