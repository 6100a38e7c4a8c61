//! Secrets: personal access tokens, password hashes and the instance's master key.
//! Nothing here ever logs or prints a secret (`Debug` is redacted).

use std::fmt;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A PAT as handed to its owner once: 32 random bytes, base64url.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a PAT. A plain SHA-256 is enough: the token has 256 bits of
/// entropy, so there is nothing to brute-force, and lookups stay one index probe.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An argon2id hash (PHC string) of `password`.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(Error::internal)
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a fixed password, to spend the same time on unknown users as on known ones.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default());
    let _ = verify_password(password, phc);
}

/// A readable random password (for the generated admin password).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The instance's master key: the HMAC key under which codes are stored.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        MasterKey(bytes)
    }

    /// Accepts 64 hex digits (what `to_hex` writes) or any other text of at least 32
    /// bytes, which is stretched with SHA-256.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if let Ok(bytes) = hex::decode(text) {
            if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
                return Ok(MasterKey(key));
            }
        }
        if text.len() < 32 {
            return Err("the master key must be 64 hex digits or at least 32 characters");
        }
        Ok(MasterKey(Sha256::digest(text.as_bytes()).into()))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn passwords_round_trip_as_argon2id() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong", &phc));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn master_key_parses_hex_and_redacts() {
        let key = MasterKey::generate();
        assert_eq!(
            MasterKey::parse(&key.to_hex()).unwrap().bytes(),
            key.bytes()
        );
        assert!(MasterKey::parse("short").is_err());
        assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
    }
}
