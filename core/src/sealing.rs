//! Sealing code-bearing mail content at rest (SPEC §7 "Codes at rest"): XChaCha20-
//! Poly1305 under a key derived from the master key for this purpose only (HKDF-
//! SHA-256), with a random nonce per message and the mail's id as associated data, so
//! that a sealed value cannot be moved to another row. A database dump without the
//! master key yields no code and no link.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

use crate::error::{Error, Result};
use crate::secrets::MasterKey;

/// Names the key and the format; a new scheme gets a new label and prefix.
const KEY_LABEL: &[u8] = b"mailroom/outbox-sealing/v1";
const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<redacted>)")
    }
}

impl Sealer {
    pub fn new(master: &MasterKey) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, master.bytes())
            .expand(KEY_LABEL, &mut key)
            .expect("32 bytes is a valid HKDF-SHA-256 output length");
        Sealer {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// `v1.<base64url(nonce ‖ ciphertext)>`, bound to `context` (e.g. the mail's id).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any message of this size");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        )
    }

    /// The plaintext of `seal(_, context)`; an error for anything else (another key,
    /// another context, a changed byte).
    pub fn open(&self, sealed: &str, context: &[u8]) -> Result<Vec<u8>> {
        let broken = || Error::internal("a sealed value could not be opened");
        let encoded = sealed.strip_prefix(PREFIX).ok_or_else(broken)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| broken())?;
        if bytes.len() < NONCE_LEN {
            return Err(broken());
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| broken())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_keys_contexts_and_changes() {
        let key = MasterKey::generate();
        let sealer = Sealer::new(&key);
        let sealed = sealer.seal(b"AB12CD", b"mail 1");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("AB12CD"));
        assert_eq!(sealer.open(&sealed, b"mail 1").unwrap(), b"AB12CD");
        // A fresh nonce each time.
        assert_ne!(sealer.seal(b"AB12CD", b"mail 1"), sealed);
        assert!(sealer.open(&sealed, b"mail 2").is_err());
        assert!(Sealer::new(&MasterKey::generate())
            .open(&sealed, b"mail 1")
            .is_err());
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(sealer
            .open(std::str::from_utf8(&tampered).unwrap(), b"mail 1")
            .is_err());
        assert!(sealer.open("plain text", b"mail 1").is_err());
    }
}
