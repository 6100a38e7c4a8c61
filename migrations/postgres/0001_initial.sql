-- Orgs, users, memberships, personal access tokens and the per-user event streams.
-- Ids are time-ordered 64-bit integers; times are microseconds since the Unix epoch.

CREATE TABLE instance (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE orgs (
    id         BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX orgs_name ON orgs (lower(name)) WHERE state <> 'removed';

CREATE TABLE users (
    id                  BIGINT PRIMARY KEY,
    org_id              BIGINT NOT NULL REFERENCES orgs (id),
    kind                TEXT NOT NULL CHECK (kind IN ('human', 'machine')),
    username            TEXT NOT NULL,
    state               TEXT NOT NULL,
    given_name          TEXT NOT NULL DEFAULT '',
    family_name         TEXT NOT NULL DEFAULT '',
    display_name        TEXT NOT NULL DEFAULT '',
    nick_name           TEXT NOT NULL DEFAULT '',
    preferred_language  TEXT NOT NULL DEFAULT '',
    email               TEXT,
    email_verified      BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash       TEXT,
    machine_name        TEXT,
    machine_description TEXT,
    created_at          BIGINT NOT NULL,
    sequence            BIGINT NOT NULL,
    change_sequence     BIGINT NOT NULL,
    changed_at          BIGINT NOT NULL
);
-- Usernames are unique in the instance, ignoring case; a deleted user frees its name.
CREATE UNIQUE INDEX users_username ON users (lower(username)) WHERE state <> 'deleted';
CREATE INDEX users_org ON users (org_id);

CREATE TABLE memberships (
    user_id BIGINT NOT NULL REFERENCES users (id),
    org_id  BIGINT NOT NULL, -- 0 = the instance
    roles   TEXT NOT NULL,
    PRIMARY KEY (user_id, org_id)
);

CREATE TABLE pats (
    id         BIGINT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE events (
    user_id    BIGINT NOT NULL,
    sequence   BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    payload    TEXT NOT NULL,
    creator    BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, sequence)
);
