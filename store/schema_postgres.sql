-- One row per Aloware call id: the idempotency key of the whole service.
CREATE TABLE IF NOT EXISTS ak_calls (
    call_id          TEXT PRIMARY KEY,
    kind             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    reason           TEXT    NOT NULL DEFAULT '',
    kendo_call_id    TEXT    NOT NULL DEFAULT '',
    attempts         BIGINT NOT NULL DEFAULT 0,
    generation       BIGINT NOT NULL DEFAULT 0,
    shrunk           BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT    NOT NULL DEFAULT '',
    first_seen_ms    BIGINT NOT NULL,
    updated_ms       BIGINT NOT NULL,
    complete_ms      BIGINT,
    ready_ms         BIGINT,
    deliver_after_ms BIGINT,
    next_attempt_ms  BIGINT,
    first_attempt_ms BIGINT,
    delivered_ms     BIGINT
);
CREATE INDEX IF NOT EXISTS ak_calls_status ON ak_calls (status, complete_ms);

-- Every raw event exactly as it arrived, committed before /push answers.
CREATE TABLE IF NOT EXISTS ak_events (
    id          BIGSERIAL PRIMARY KEY,
    call_id     TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    received_ms BIGINT NOT NULL,
    raw         TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS ak_events_call ON ak_events (call_id, id);

-- Pacing: one lock row per API key (by its KeyID, never the key) and the recent send times.
CREATE TABLE IF NOT EXISTS ak_rate_keys (
    key_id TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS ak_rate_slots (
    id     BIGSERIAL PRIMARY KEY,
    key_id TEXT    NOT NULL,
    at_ms  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ak_rate_slots_key ON ak_rate_slots (key_id, at_ms);
