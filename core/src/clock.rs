//! Time as the domain sees it: an injectable clock and microsecond timestamps.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};

/// Microseconds since the Unix epoch, UTC. Stored as a 64-bit integer in both databases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Timestamp(at.timestamp_micros())
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.0).unwrap_or_default()
    }

    pub fn plus_secs(self, secs: i64) -> Self {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1_000_000)))
    }

    /// RFC 3339 in UTC with fractional seconds, as protobuf JSON prints it
    /// (`2025-03-25T07:19:33.732Z`; 3, 6 digits as needed).
    pub fn to_rfc3339(self) -> String {
        let at = self.to_datetime();
        let format = if self.0 % 1000 == 0 {
            SecondsFormat::Millis
        } else {
            SecondsFormat::Micros
        };
        at.to_rfc3339_opts(format, true)
    }

    /// The inverse of `to_rfc3339` (any RFC 3339 moment); `None` for other text.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|at| Timestamp::from_datetime(at.with_timezone(&Utc)))
    }
}

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(Utc::now())
    }
}

/// The system clock plus an offset that tests can move forward (expiry, send limits).
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_micros: AtomicI64,
}

impl OffsetClock {
    pub fn new() -> Arc<Self> {
        Arc::new(OffsetClock::default())
    }

    pub fn advance_secs(&self, secs: i64) {
        self.offset_micros
            .fetch_add(secs * 1_000_000, Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        let base = Timestamp::from_datetime(Utc::now());
        Timestamp(base.0 + self.offset_micros.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_protobuf_json() {
        assert_eq!(
            Timestamp(1_742_887_173_732_000).to_rfc3339(),
            "2025-03-25T07:19:33.732Z"
        );
        assert_eq!(
            Timestamp(1_742_887_173_732_001).to_rfc3339(),
            "2025-03-25T07:19:33.732001Z"
        );
    }
}
