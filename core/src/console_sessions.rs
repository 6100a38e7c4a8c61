//! Console sessions at rest: stored under a hash of the cookie's id (a dump yields no
//! usable session), with the user they belong to, so that a user's write that must
//! end its sessions (password change, deactivation, lock, removal) deletes them in
//! the same transaction (SPEC §7 "Sessions"). The session layer itself lives in the
//! server; this is what it stores through.

use sha2::{Digest, Sha256};

use crate::clock::Timestamp;
use crate::error::Result;
use crate::ids::UserId;
use crate::service::Mailroom;
use crate::store::{Op, Write};

/// The stored key of a session id: SHA-256 suffices, the id is 128 random bits.
fn id_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

impl Mailroom {
    /// The data of a live session.
    pub async fn load_session(&self, id: &str) -> Result<Option<String>> {
        let now = self.clock.now();
        Ok(self
            .store
            .session(&id_hash(id))
            .await?
            .filter(|(_, expires_at)| *expires_at > now)
            .map(|(data, _)| data))
    }

    /// Stores a session; with `create_only`, `Ok(false)` when the id is taken.
    pub async fn store_session(
        &self,
        id: &str,
        user_id: Option<UserId>,
        data: String,
        expires_at: Timestamp,
        create_only: bool,
    ) -> Result<bool> {
        let mut write = Write::new();
        write.push(Op::PutSession {
            id_hash: id_hash(id),
            user_id,
            data,
            expires_at,
            create_only,
        });
        self.store.commit(write).await
    }

    pub async fn delete_session(&self, id: &str) -> Result<()> {
        let mut write = Write::new();
        write.push(Op::DeleteSession {
            id_hash: id_hash(id),
        });
        self.store.commit(write).await.map(|_| ())
    }
}
