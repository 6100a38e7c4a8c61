//! Process-wide delivery counters for `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct MailCounters {
    pub sent: AtomicU64,
    pub captured: AtomicU64,
    pub skipped: AtomicU64,
    /// Attempts that failed and will be retried.
    pub retried: AtomicU64,
    /// Mails given up on after the last retry.
    pub failed: AtomicU64,
}

pub static COUNTERS: MailCounters = MailCounters {
    sent: AtomicU64::new(0),
    captured: AtomicU64::new(0),
    skipped: AtomicU64::new(0),
    retried: AtomicU64::new(0),
    failed: AtomicU64::new(0),
};

pub fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}
