-- An artifact (recording, transcript, summary) that arrives after its call was sent is
-- new content Kendo never gets: the event says which artifacts it brought and which the
-- call had when it was sent, "transcript;recording" ('' for every other event).
ALTER TABLE ak_events ADD COLUMN late TEXT NOT NULL DEFAULT '';
