-- Security (SPEC §1 target protection, §7): the instance scope in a table of its own,
-- sealed code-bearing mail content, consumed codes kept as proof, login limits that
-- hold across processes, and console sessions stored by the hash of their id.

-- Instance memberships were rows with org id 0, which an org could be given too.
CREATE TABLE instance_memberships (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    roles   TEXT NOT NULL
);
INSERT INTO instance_memberships (user_id, roles)
    SELECT user_id, 'IAM_OWNER' FROM memberships
    WHERE org_id = 0 AND (',' || roles || ',') LIKE '%,IAM_OWNER,%';
-- Org roles "on org 0" acted instance-wide; they are dropped, not promoted.
DELETE FROM memberships WHERE org_id <= 0;
UPDATE orgs SET state = 'removed' WHERE id <= 0;

-- The code and link of a mail, encrypted (AEAD under a key derived from the master
-- key); NULL once the mail can no longer be sent. `payload` keeps only what is not
-- secret. Existing plaintext payloads are sealed or redacted at the next start.
ALTER TABLE mails ADD COLUMN sealed TEXT;

-- A used code stays (hashed) until the next one replaces it: only someone who holds
-- it learns "already verified".
ALTER TABLE codes ADD COLUMN used_at INTEGER;

-- Failed sign-ins per username and per client address in a fixed window.
CREATE TABLE login_limits (
    key          TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    attempts     INTEGER NOT NULL
);

-- Console sessions: the cookie's id is stored only as a hash, with the user it
-- belongs to, so that ending a user's sessions is one DELETE in the user's write.
CREATE TABLE console_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
-- tower-sessions' own table held the ids in clear; those sessions end here.
DROP TABLE IF EXISTS tower_sessions;
