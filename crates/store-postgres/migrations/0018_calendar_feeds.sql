-- Calendar feeds (issue 8, item 7). Keep in step with the SQLite migration.
--
-- A feed is a secret iCalendar URL for one staff member, chair or room, or patient. Only the
-- SHA-256 of the secret is stored (like API tokens), so a copy of the database does not open
-- anyone's calendar; the secret is looked up by its hash. Revoking sets revoked_at; rows stay.
-- The target is one of three tables, so it carries no foreign key; the app checks it exists.
CREATE TABLE calendar_feeds (
    id         UUID PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('staff', 'space', 'patient')),
    target_id  UUID NOT NULL,
    created_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX calendar_feeds_created ON calendar_feeds (created_at);
