-- Calendar feeds (issue 8, item 7). Keep in step with the PostgreSQL migration.
--
-- A feed is a secret iCalendar URL for one staff member, chair or room, or patient. Only the
-- SHA-256 of the secret is stored (like API tokens), so a copy of the database does not open
-- anyone's calendar; the secret is looked up by its hash. Revoking sets revoked_at; rows stay.
-- The target is one of three tables, so it carries no foreign key; the app checks it exists.
CREATE TABLE calendar_feeds (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('staff', 'space', 'patient')),
    target_id  TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX calendar_feeds_created ON calendar_feeds (created_at);
