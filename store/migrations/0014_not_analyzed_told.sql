-- A delivered call Kendo has not analysed within --analysis-expected-within is told once
-- (calls.not_analyzed): the flag remembers it across restarts and replicas. The partial
-- index holds only the delivered calls not told yet, in delivery order, so the periodic
-- check reads the overdue ones without a scan.
ALTER TABLE ak_calls ADD COLUMN not_analyzed_told INTEGER NOT NULL DEFAULT 0;
CREATE INDEX ak_calls_analysis_due ON ak_calls (delivered_ms) WHERE status = 'delivered' AND not_analyzed_told = 0;
