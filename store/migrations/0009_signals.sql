-- A Kendo key whose requests never reach Kendo (connection refused, DNS, TLS): since
-- when, and the last error. Distinct from a pause (Kendo answered and refused the key):
-- the row is dropped at the first request Kendo answers.
CREATE TABLE ak_key_unreachable (
    key_id   TEXT    PRIMARY KEY,
    team     TEXT    NOT NULL,
    since_ms INTEGER NOT NULL,
    last_ms  INTEGER NOT NULL,
    message  TEXT    NOT NULL
);

-- One row per call whose delivery ended (delivered, failed, skipped), written in the
-- transaction that ended it: the ops page's chart counts calls, not Kendo requests.
CREATE TABLE ak_call_ends (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    aloware_call_id TEXT    NOT NULL,
    team            TEXT    NOT NULL,
    result          TEXT    NOT NULL,
    at_ms           INTEGER NOT NULL
);
CREATE INDEX ak_call_ends_at ON ak_call_ends (at_ms);
