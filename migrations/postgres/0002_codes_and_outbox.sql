-- The live one-time codes (one per user and kind, hashed) and the mail outbox.

CREATE TABLE codes (
    user_id      BIGINT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('email', 'init')),
    code_hash    TEXT NOT NULL,
    email        TEXT NOT NULL,
    url_template TEXT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE mails (
    id              BIGINT PRIMARY KEY,
    user_id         BIGINT NOT NULL,
    org_id          BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    -- What the template needs (link, code, names). Holds the plaintext code until the
    -- mail is delivered; redacted after that.
    payload         TEXT NOT NULL,
    body_text       TEXT,
    body_html       TEXT,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    -- For code mails: which code it carries, to skip it once that code is replaced.
    code_kind       TEXT,
    code_hash       TEXT,
    code_expires_at BIGINT,
    message_id      TEXT NOT NULL
);
CREATE INDEX mails_due ON mails (status, next_attempt_at);
CREATE INDEX mails_user ON mails (user_id, created_at);
