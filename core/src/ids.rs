//! Resource ids: time-ordered 64-bit numbers, shown as decimal strings (SPEC §1).

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use rand::Rng;

/// Milliseconds from the Unix epoch to 2020-01-01, the start of our id clock.
const ID_EPOCH_MS: i64 = 1_577_836_800_000;
/// Low bits filled at random so that several processes rarely meet.
const RANDOM_BITS: u32 = 22;

static LAST_ID: AtomicI64 = AtomicI64::new(0);

/// A new id: milliseconds since 2020 in the high bits, random low bits, and strictly
/// increasing within this process.
pub fn next_id() -> i64 {
    let millis = chrono::Utc::now().timestamp_millis() - ID_EPOCH_MS;
    let random: i64 = rand::thread_rng().gen_range(0..(1 << RANDOM_BITS));
    let candidate = (millis << RANDOM_BITS) | random;
    let mut last = LAST_ID.load(Ordering::Relaxed);
    loop {
        let id = candidate.max(last + 1);
        match LAST_ID.compare_exchange_weak(last, id, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return id,
            Err(actual) => last = actual,
        }
    }
}

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            /// The id of nothing: what a malformed id from outside becomes
            /// (`parse_or_nobody`), so that every use case answers it exactly as it
            /// answers an unknown one. Never stored: generated ids are positive.
            pub const NOBODY: Self = $name(0);

            pub fn generate() -> Self {
                $name(next_id())
            }

            /// The id a transport hands to core: `NOBODY` for text that is no id.
            pub fn parse_or_nobody(text: &str) -> Self {
                Self::parse(text).unwrap_or(Self::NOBODY)
            }

            /// Parses the decimal form; anything else is not an id of ours. Zero is
            /// never an id (SPEC §1: it must not collide with any internal marker),
            /// and ids we generate are always positive.
            pub fn parse(text: &str) -> Option<Self> {
                if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                text.parse::<i64>().ok().filter(|id| *id > 0).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(UserId);
id_type!(OrgId);
id_type!(TokenId);
id_type!(MailId);
id_type!(JobId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_parse_back() {
        let a = UserId::generate();
        let b = UserId::generate();
        assert!(b > a);
        assert_eq!(UserId::parse(&a.to_string()), Some(a));
        assert!(a.to_string().len() >= 17);
    }

    #[test]
    fn parse_rejects_non_ids() {
        for bad in [
            "",
            "0",
            "000",
            "abc",
            "-1",
            "1 ",
            "99999999999999999999",
            "+5",
        ] {
            assert_eq!(UserId::parse(bad), None, "{bad:?}");
        }
    }
}
