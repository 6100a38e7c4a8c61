-- The console's dashboard (SPEC §4) counts from indexes, not from the tables:
-- humans by state and verified flag per org, live verification codes, codes sent
-- (and used) since a time, mails per status per org and per hour.
CREATE INDEX users_email_state ON users (kind, state, email_verified, org_id);
CREATE INDEX codes_live ON codes (kind, expires_at) WHERE used_at IS NULL;
CREATE INDEX codes_sent ON codes (kind, created_at, used_at);
CREATE INDEX mails_org_status ON mails (org_id, status);
CREATE INDEX mails_created ON mails (created_at, status, org_id);
