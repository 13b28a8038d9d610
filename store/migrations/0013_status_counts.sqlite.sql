-- Calls per status, kept exact by triggers in the transaction of every insert, status
-- change and delete of a call: the overview and /metrics read a few rows instead of
-- counting every call (a year of calls is a million rows). SQLite has one writer, so
-- one row per status (shard 0) takes no contention; PostgreSQL spreads each status over
-- shards (see its half of this migration).
CREATE TABLE ak_status_counts (
	status TEXT NOT NULL,
	shard INTEGER NOT NULL,
	calls INTEGER NOT NULL,
	PRIMARY KEY (status, shard)
);

CREATE TRIGGER ak_calls_count_insert AFTER INSERT ON ak_calls BEGIN
	INSERT INTO ak_status_counts (status, shard, calls) VALUES (NEW.status, 0, 1)
		ON CONFLICT (status, shard) DO UPDATE SET calls = calls + 1;
END;

CREATE TRIGGER ak_calls_count_update AFTER UPDATE OF status ON ak_calls WHEN OLD.status <> NEW.status BEGIN
	UPDATE ak_status_counts SET calls = calls - 1 WHERE status = OLD.status AND shard = 0;
	INSERT INTO ak_status_counts (status, shard, calls) VALUES (NEW.status, 0, 1)
		ON CONFLICT (status, shard) DO UPDATE SET calls = calls + 1;
END;

CREATE TRIGGER ak_calls_count_delete AFTER DELETE ON ak_calls BEGIN
	UPDATE ak_status_counts SET calls = calls - 1 WHERE status = OLD.status AND shard = 0;
END;

INSERT INTO ak_status_counts (status, shard, calls) SELECT status, 0, COUNT(*) FROM ak_calls GROUP BY status;
