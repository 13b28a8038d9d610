-- Calls per status, kept exact by a trigger in the transaction of every insert, status
-- change and delete of a call: the overview and /metrics read a few rows instead of
-- counting every call (a year of calls is a million rows).
--
-- Each status is spread over 16 rows (shards, by a hash of the call's id) so that
-- replicas changing different calls at once rarely wait for the same counter row until
-- the other commits. A status change touches its two rows in the order of the statuses'
-- names, so two transactions of one call each never lock them in opposite orders.
CREATE TABLE ak_status_counts (
	status TEXT NOT NULL,
	shard INT NOT NULL,
	calls BIGINT NOT NULL,
	PRIMARY KEY (status, shard)
);

CREATE FUNCTION ak_count_status(counted TEXT, in_shard INT, delta INT) RETURNS void AS $$
BEGIN
	INSERT INTO ak_status_counts AS c (status, shard, calls) VALUES (counted, in_shard, delta)
		ON CONFLICT (status, shard) DO UPDATE SET calls = c.calls + delta;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ak_calls_count_status() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM ak_count_status(NEW.status, hashtext(NEW.aloware_call_id) & 15, 1);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM ak_count_status(OLD.status, hashtext(OLD.aloware_call_id) & 15, -1);
	ELSIF OLD.status < NEW.status THEN
		PERFORM ak_count_status(OLD.status, hashtext(OLD.aloware_call_id) & 15, -1);
		PERFORM ak_count_status(NEW.status, hashtext(NEW.aloware_call_id) & 15, 1);
	ELSIF OLD.status > NEW.status THEN
		PERFORM ak_count_status(NEW.status, hashtext(NEW.aloware_call_id) & 15, 1);
		PERFORM ak_count_status(OLD.status, hashtext(OLD.aloware_call_id) & 15, -1);
	END IF;
	RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Created before the counts are taken: creating it locks ak_calls against writers until
-- this migration commits, so no change falls between the two.
CREATE TRIGGER ak_calls_count_status AFTER INSERT OR DELETE OR UPDATE OF status ON ak_calls
	FOR EACH ROW EXECUTE FUNCTION ak_calls_count_status();

INSERT INTO ak_status_counts (status, shard, calls)
	SELECT status, hashtext(aloware_call_id) & 15, COUNT(*) FROM ak_calls GROUP BY 1, 2;
