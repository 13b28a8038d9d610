-- The completeness ledger counts every call of a window by its final state and lists the
-- calls a person should look at. A skipped call says whether nobody talked (unanswered,
-- read back from the reasons mapping wrote so far); whether Kendo's analysis named
-- another agent (or none) is the rep state 'mismatch' (0010). One index covers what the
-- ledger reads, in first-seen order: a window of 100,000 calls is read from it alone.
ALTER TABLE ak_calls ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
UPDATE ak_calls SET unanswered = 1 WHERE status = 'skipped' AND by_operator = 0 AND reason LIKE '%: nothing to analyse%';
CREATE INDEX ak_calls_ledger ON ak_calls (first_seen_ms, aloware_call_id, status, unanswered, outcome_unknown,
    rep_state, delivered_ms, analyzed_ms, updated_ms, rep_email);
