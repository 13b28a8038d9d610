-- Notifications: the outbox of events raised inside the call transaction (written in it,
-- so nothing is told that did not commit), the window of each type and team (at most one
-- message per interval), and the grouped messages the notify jobs send.
CREATE TABLE ak_notify_events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	type TEXT NOT NULL,
	team TEXT NOT NULL,
	aloware_call_id TEXT NOT NULL,
	cause TEXT NOT NULL,
	at_ms INTEGER NOT NULL
);
CREATE INDEX ak_notify_events_group ON ak_notify_events (type, team, at_ms);
CREATE TABLE ak_notify_windows (
	type TEXT NOT NULL,
	team TEXT NOT NULL,
	next_ms INTEGER NOT NULL,
	PRIMARY KEY (type, team)
);
CREATE TABLE ak_notify_messages (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	type TEXT NOT NULL,
	team TEXT NOT NULL,
	created_ms INTEGER NOT NULL,
	data TEXT NOT NULL
);
