-- One row per Aloware call id: the idempotency key of the whole service.
CREATE TABLE IF NOT EXISTS ak_calls (
    call_id          TEXT PRIMARY KEY,
    kind             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    reason           TEXT    NOT NULL DEFAULT '',
    kendo_call_id    TEXT    NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    generation       INTEGER NOT NULL DEFAULT 0,
    shrunk           INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT    NOT NULL DEFAULT '',
    first_seen_ms    INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL,
    complete_ms      INTEGER,
    ready_ms         INTEGER,
    deliver_after_ms INTEGER,
    next_attempt_ms  INTEGER,
    first_attempt_ms INTEGER,
    delivered_ms     INTEGER
);
CREATE INDEX IF NOT EXISTS ak_calls_status ON ak_calls (status, complete_ms);

-- Every raw event exactly as it arrived, committed before /push answers.
CREATE TABLE IF NOT EXISTS ak_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id     TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    received_ms INTEGER NOT NULL,
    raw         TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS ak_events_call ON ak_events (call_id, id);

-- Pacing: one lock row per API key (by its KeyID, never the key) and the recent send times.
CREATE TABLE IF NOT EXISTS ak_rate_keys (
    key_id TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS ak_rate_slots (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id TEXT    NOT NULL,
    at_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ak_rate_slots_key ON ak_rate_slots (key_id, at_ms);
