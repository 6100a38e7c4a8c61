//! Secrets: personal access tokens, password hashes and the instance's master key.
//! Nothing here ever logs or prints a secret (`Debug` is redacted).

use std::fmt;

use argon2::password_hash::{
    self, rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString,
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

/// Argon2's working memory (~19 MiB), kept and reused by one hashing thread. A fresh
/// allocation per hash is what the allocator then keeps per thread, for good
/// (`passwords` runs every hash on a few threads that each own one of these).
#[derive(Default)]
pub struct HashMemory(Vec<argon2::Block>);

impl HashMemory {
    fn blocks(&mut self, params: &argon2::Params) -> &mut [argon2::Block] {
        let count = params.block_count();
        if self.0.len() < count {
            self.0.resize(count, argon2::Block::default());
        }
        &mut self.0[..count]
    }
}

/// An argon2id hash (PHC string) of `password`, computed in `memory`.
pub fn hash_password_in(memory: &mut HashMemory, password: &str) -> Result<String> {
    let argon2 = Argon2::default();
    let params = argon2.params().clone();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(Error::internal)?;
    let output_len = params
        .output_len()
        .unwrap_or(argon2::Params::DEFAULT_OUTPUT_LEN);
    let output = argon2_output(&argon2, &params, memory, password, salt_bytes, output_len)
        .map_err(Error::internal)?;
    let hash = PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(Error::internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// The Argon2 output of `password` and `salt`, computed in `memory`.
fn argon2_output(
    argon2: &Argon2<'_>,
    params: &argon2::Params,
    memory: &mut HashMemory,
    password: &str,
    salt: &[u8],
    len: usize,
) -> password_hash::Result<Output> {
    Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, out, memory.blocks(params))
            .map_err(|_| password_hash::Error::Crypto)
    })
}

/// Whether `password` matches the PHC string `phc`, computed in `memory` (the output
/// is compared in constant time).
pub fn verify_password_in(memory: &mut HashMemory, password: &str, phc: &str) -> bool {
    let mut check = || -> Option<bool> {
        let hash = PasswordHash::new(phc).ok()?;
        let (salt, expected) = (hash.salt?, hash.hash?);
        let algorithm = argon2::Algorithm::try_from(hash.algorithm).ok()?;
        let version = match hash.version {
            Some(v) => argon2::Version::try_from(v).ok()?,
            None => argon2::Version::default(),
        };
        let params = argon2::Params::try_from(&hash).ok()?;
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buf).ok()?;
        let computed = argon2_output(
            &argon2,
            &params,
            memory,
            password,
            salt_bytes,
            expected.len(),
        )
        .ok()?;
        Some(computed == expected)
    };
    check().unwrap_or(false)
}

/// A hash of a fixed password, to spend the same time on unknown users as on known ones.
pub fn verify_against_dummy_in(memory: &mut HashMemory, password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| {
        hash_password_in(&mut HashMemory::default(), "not-a-real-password").unwrap_or_default()
    });
    let _ = verify_password_in(memory, password, phc);
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
        use argon2::{PasswordHasher, PasswordVerifier};
        let mut memory = HashMemory::default();
        let phc = hash_password_in(&mut memory, "correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password_in(&mut memory, "correct horse", &phc));
        assert!(!verify_password_in(&mut memory, "wrong", &phc));
        assert!(!verify_password_in(&mut memory, "x", "not a hash"));
        // Interchangeable with the argon2 crate's own PHC strings, both ways.
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        let theirs = Argon2::default()
            .hash_password(b"other horse", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_password_in(&mut memory, "other horse", &theirs));
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
