//! One-time codes (SPEC §1 "Codes"): generation, the keyed hash stored at rest, and
//! the constant-time check.

use std::fmt;

use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::ids::UserId;
use crate::secrets::MasterKey;

pub const CODE_LENGTH: usize = 6;
const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Failed attempts after which a code is used up.
pub const MAX_ATTEMPTS: i64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeKind {
    /// Email verification (1 hour by default).
    Email,
    /// Account initialization (72 hours by default).
    Init,
}

impl CodeKind {
    pub fn as_db(self) -> &'static str {
        match self {
            CodeKind::Email => "email",
            CodeKind::Init => "init",
        }
    }

    pub fn from_db(text: &str) -> Option<Self> {
        match text {
            "email" => Some(CodeKind::Email),
            "init" => Some(CodeKind::Init),
            _ => None,
        }
    }
}

/// A freshly drawn code. Its plaintext leaves the process only in an API response
/// (`returnCode`) or in a mail.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainCode(String);

impl PlainCode {
    /// Six characters drawn uniformly from A–Z and 0–9 by the OS CSPRNG.
    /// (`gen_range` samples by rejection, so there is no modulo bias.)
    pub fn generate() -> Self {
        let mut rng = rand::rngs::OsRng;
        PlainCode(
            (0..CODE_LENGTH)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PlainCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainCode(<redacted>)")
    }
}

/// What is stored: HMAC-SHA-256 under the master key over the code's kind, its user
/// and the normalized code, so a hash is useless for any other user or kind.
pub fn code_hash(key: &MasterKey, kind: CodeKind, user: UserId, code: &str) -> String {
    let normalized = code.trim().to_ascii_uppercase();
    let mut mac = Hmac::<Sha256>::new_from_slice(key.bytes()).expect("HMAC takes any key length");
    mac.update(kind.as_db().as_bytes());
    mac.update(b":");
    mac.update(user.to_string().as_bytes());
    mac.update(b":");
    mac.update(normalized.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Constant-time comparison of a typed code against the stored hash.
pub fn code_matches(
    key: &MasterKey,
    kind: CodeKind,
    user: UserId,
    input: &str,
    stored_hash: &str,
) -> bool {
    let candidate = code_hash(key, kind, user, input);
    candidate.as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_characters_of_the_alphabet() {
        for _ in 0..200 {
            let code = PlainCode::generate();
            assert_eq!(code.as_str().len(), CODE_LENGTH);
            assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
        }
        assert_eq!(
            format!("{:?}", PlainCode::generate()),
            "PlainCode(<redacted>)"
        );
    }

    #[test]
    fn codes_are_roughly_uniform() {
        // 36 symbols × 6 positions: every symbol shows up, none dominates.
        let mut counts = [0u32; 36];
        for _ in 0..6000 {
            for b in PlainCode::generate().as_str().bytes() {
                counts[ALPHABET.iter().position(|a| *a == b).unwrap()] += 1;
            }
        }
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(*min > 700 && *max < 1300, "{min}..{max}");
    }

    #[test]
    fn matching_ignores_case_and_spaces_but_not_user_or_kind() {
        let key = MasterKey::generate();
        let user = UserId(42);
        let hash = code_hash(&key, CodeKind::Email, user, "AB12CD");
        assert!(code_matches(
            &key,
            CodeKind::Email,
            user,
            " ab12cd\n",
            &hash
        ));
        assert!(!code_matches(&key, CodeKind::Email, user, "AB12CE", &hash));
        assert!(!code_matches(&key, CodeKind::Init, user, "AB12CD", &hash));
        assert!(!code_matches(
            &key,
            CodeKind::Email,
            UserId(43),
            "AB12CD",
            &hash
        ));
        assert!(!code_matches(
            &MasterKey::generate(),
            CodeKind::Email,
            user,
            "AB12CD",
            &hash
        ));
    }
}
