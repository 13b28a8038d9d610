-- Each Kendo request of a call and what Kendo answered (the ops page shows them).
CREATE TABLE ak_attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    aloware_call_id TEXT    NOT NULL,
    n               INTEGER NOT NULL,
    started_ms      INTEGER NOT NULL,
    finished_ms     INTEGER,
    outcome         TEXT    NOT NULL DEFAULT 'unknown',
    http_status     INTEGER NOT NULL DEFAULT 0,
    message         TEXT    NOT NULL DEFAULT '',
    kendo_call_id   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX ak_attempts_call ON ak_attempts (aloware_call_id, id);
CREATE INDEX ak_attempts_finished ON ak_attempts (finished_ms);

-- JSON objects /push stored but could not use (no readable call id, an unknown shape).
CREATE TABLE ak_quarantine (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_ms INTEGER NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    problems    TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    raw         BLOB    NOT NULL
);
CREATE INDEX ak_quarantine_received ON ak_quarantine (received_ms);

-- Keys Kendo refused (401/403): their deliveries wait; one request per interval tests them.
CREATE TABLE ak_key_pauses (
    key_id         TEXT PRIMARY KEY,
    team           TEXT    NOT NULL DEFAULT '',
    since_ms       INTEGER NOT NULL,
    http_status    INTEGER NOT NULL,
    message        TEXT    NOT NULL DEFAULT '',
    probe_after_ms INTEGER NOT NULL
);

-- Kendo's outbound webhook deliveries, once each (the delivery id is Kendo's).
CREATE TABLE ak_kendo_webhooks (
    delivery_id   TEXT PRIMARY KEY,
    event         TEXT    NOT NULL,
    kendo_call_id TEXT    NOT NULL DEFAULT '',
    result        TEXT    NOT NULL,
    received_ms   INTEGER NOT NULL,
    raw           BLOB    NOT NULL
);
CREATE INDEX ak_kendo_webhooks_received ON ak_kendo_webhooks (received_ms);

-- One row the readiness probe writes: ready means a write succeeds now.
CREATE TABLE ak_health (
    id    INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL
);
INSERT INTO ak_health (id, at_ms) VALUES (1, 0);
