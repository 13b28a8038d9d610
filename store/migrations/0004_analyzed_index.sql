-- The ops page's "analyzed in the last 24 h" tile read every call (a full table scan on
-- each page load); delivered_ms has had its partial index since 0002, analyzed_ms gets one.
CREATE INDEX ak_calls_analyzed ON ak_calls (analyzed_ms) WHERE analyzed_ms IS NOT NULL;
