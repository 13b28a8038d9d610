-- Attribution: Kendo credits a call to a rep only by repEmail. Each call keeps its agent's
-- Aloware user id, the rep's name it sends (or would send), and what became of the rep:
-- 'mapped' (an e-mail is sent), 'missing' (none was known), 'invalid' (one was known and
-- dropped, as Kendo would refuse it), 'mismatch' (sent, and Kendo's call.uploaded named
-- another agent or none); '' for a call with no payload (not a call, or not mapped yet).
-- GET /reps groups by agent, newest call first; the ledger and the list filter on the state.
ALTER TABLE ak_calls ADD COLUMN agent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE ak_calls ADD COLUMN rep_name TEXT NOT NULL DEFAULT '';
ALTER TABLE ak_calls ADD COLUMN rep_state TEXT NOT NULL DEFAULT '';
CREATE INDEX ak_calls_agent ON ak_calls (agent_id, first_seen_ms) WHERE rep_state <> '';
CREATE INDEX ak_calls_rep_state ON ak_calls (rep_state, first_seen_ms) WHERE rep_state IN ('missing', 'invalid', 'mismatch');
