-- Calls waiting for a pacing slot, each at the time its turn comes: a backlog then wakes
-- one call per freed slot instead of every waiting call at once.
CREATE TABLE ak_rate_waits (
    key_id          TEXT    NOT NULL,
    aloware_call_id TEXT    NOT NULL,
    at_ms           INTEGER NOT NULL,
    PRIMARY KEY (key_id, aloware_call_id)
);
CREATE INDEX ak_rate_waits_key ON ak_rate_waits (key_id, at_ms);
