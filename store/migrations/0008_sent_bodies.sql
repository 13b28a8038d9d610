-- The exact body of each Kendo request, so a call shows what was sent rather than a
-- recomputation. Kept once per call and content: a retry usually sends the same bytes,
-- so the attempt names its body by SHA-256 and the bytes are stored once. A body over
-- Kendo's 5 MiB limit is never sent (the client refuses it) and not kept; its attempt
-- keeps the hash and size. A purge or an erasure deletes the call's bodies.
CREATE TABLE ak_sent_bodies (
    aloware_call_id TEXT NOT NULL,
    sha256          TEXT NOT NULL,
    body            BLOB NOT NULL,
    PRIMARY KEY (aloware_call_id, sha256)
);
ALTER TABLE ak_attempts ADD COLUMN body_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE ak_attempts ADD COLUMN body_size INTEGER NOT NULL DEFAULT 0;
