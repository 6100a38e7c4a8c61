-- Reliability (SPEC §1): who claimed a mail that is being sent, so that a process
-- that starts again hands its own stale claims back at once instead of waiting out
-- the lease (a process's owner id lives in its data directory, `instance.id`).
ALTER TABLE mails ADD COLUMN claimed_by TEXT;
