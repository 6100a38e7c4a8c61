-- Invite codes (SPEC §3.2): an initialization code can come from CreateInviteCode,
-- which names an application for the mail and may hand the code back instead of
-- mailing it. ResendInviteCode reuses the name and refuses a code that was returned.
ALTER TABLE codes ADD COLUMN application_name TEXT;
ALTER TABLE codes ADD COLUMN returned INTEGER NOT NULL DEFAULT 0;
