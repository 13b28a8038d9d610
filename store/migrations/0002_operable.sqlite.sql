-- Round 2: names that say which call id they hold, the merged call kept in its row (an
-- event's cost no longer grows with the call), routing, pauses, retention, quarantine,
-- the attempt log and Kendo's analysis webhook.
ALTER TABLE ak_calls RENAME COLUMN call_id TO aloware_call_id;
ALTER TABLE ak_calls ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE ak_calls ADD COLUMN outcome_unknown INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ak_calls ADD COLUMN by_operator INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ak_calls ADD COLUMN paused_key TEXT NOT NULL DEFAULT '';
ALTER TABLE ak_calls ADD COLUMN analyzed_ms INTEGER;
ALTER TABLE ak_calls ADD COLUMN purged_ms INTEGER;
ALTER TABLE ak_calls ADD COLUMN job_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ak_calls ADD COLUMN merged BLOB;
ALTER TABLE ak_calls ADD COLUMN merged_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ak_calls ADD COLUMN raw_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ak_calls ADD COLUMN direction TEXT NOT NULL DEFAULT '';
ALTER TABLE ak_calls ADD COLUMN rep_email TEXT NOT NULL DEFAULT '';
ALTER TABLE ak_calls ADD COLUMN call_date_ms INTEGER;
ALTER TABLE ak_calls ADD COLUMN ai_score TEXT NOT NULL DEFAULT '';
ALTER TABLE ak_calls ADD COLUMN agent_name TEXT NOT NULL DEFAULT '';
-- One next-send time instead of two (settle and pacing/retry).
UPDATE ak_calls SET deliver_after_ms = MAX(COALESCE(deliver_after_ms, 0), next_attempt_ms) WHERE next_attempt_ms IS NOT NULL;
ALTER TABLE ak_calls DROP COLUMN next_attempt_ms;
DROP INDEX IF EXISTS ak_calls_status;
CREATE INDEX ak_calls_status ON ak_calls (status, first_seen_ms, aloware_call_id);
CREATE INDEX ak_calls_first_seen ON ak_calls (first_seen_ms, aloware_call_id);
CREATE INDEX ak_calls_kendo ON ak_calls (kendo_call_id) WHERE kendo_call_id <> '';
CREATE INDEX ak_calls_unpurged ON ak_calls (updated_ms) WHERE purged_ms IS NULL;
CREATE INDEX ak_calls_delivered ON ak_calls (delivered_ms) WHERE delivered_ms IS NOT NULL;

-- Raw bodies are bytes (PostgreSQL's text refuses 0x00); an empty raw is one not kept.
ALTER TABLE ak_events RENAME COLUMN call_id TO aloware_call_id;
ALTER TABLE ak_events ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ak_events ADD COLUMN warnings TEXT NOT NULL DEFAULT '';
UPDATE ak_events SET size = length(CAST(raw AS BLOB));
DROP INDEX IF EXISTS ak_events_call;
CREATE INDEX ak_events_call ON ak_events (aloware_call_id, id);
CREATE INDEX ak_events_received ON ak_events (received_ms);
