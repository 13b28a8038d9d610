-- Kendo's webhook deliveries are looked up by the callId they name: an analysis that
-- arrived before its 201 was committed is matched when it is, and erasing a call drops
-- the bodies that name it.
CREATE INDEX ak_kendo_webhooks_call ON ak_kendo_webhooks (kendo_call_id);
