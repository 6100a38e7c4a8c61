-- Bulk sends from the console (core/src/jobs.rs): a job, and one item per user that
-- records what became of it. Pending items are claimed with a lease, like mails.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    created_by   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    -- The orgs of its users, comma-separated: their admins see the job.
    orgs         TEXT NOT NULL,
    total        INTEGER NOT NULL,
    finished_at  INTEGER,
    dismissed_at INTEGER
);

CREATE TABLE job_items (
    job_id      INTEGER NOT NULL REFERENCES jobs (id),
    user_id     INTEGER NOT NULL,
    outcome     TEXT,
    done_at     INTEGER,
    lease_until INTEGER,
    claimed_by  TEXT,
    PRIMARY KEY (job_id, user_id)
);
CREATE INDEX job_items_pending ON job_items (job_id, user_id) WHERE outcome IS NULL;

-- An org's members (the console's org page).
CREATE INDEX memberships_org ON memberships (org_id);
