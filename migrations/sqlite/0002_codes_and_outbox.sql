-- The live one-time codes (one per user and kind, hashed) and the mail outbox.

CREATE TABLE codes (
    user_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('email', 'init')),
    code_hash    TEXT NOT NULL,
    email        TEXT NOT NULL,
    url_template TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE mails (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    org_id          INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    -- What the template needs (link, code, names). Holds the plaintext code until the
    -- mail is delivered; redacted after that.
    payload         TEXT NOT NULL,
    body_text       TEXT,
    body_html       TEXT,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    -- For code mails: which code it carries, to skip it once that code is replaced.
    code_kind       TEXT,
    code_hash       TEXT,
    code_expires_at INTEGER,
    message_id      TEXT NOT NULL
);
CREATE INDEX mails_due ON mails (status, next_attempt_at);
CREATE INDEX mails_user ON mails (user_id, created_at);
