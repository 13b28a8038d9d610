// Calls the real service through a client generated from openapi.yaml: openapi-typescript
// makes api.d.ts, openapi-fetch makes the calls, tsc --strict checks both, node --test runs
// them. scripts/ts-client.sh starts the service (AK_BASE) and sets AK_TESTDATA.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import createClient from "openapi-fetch";
import type { components, paths } from "../api.js";

type Schemas = components["schemas"];

const base = process.env.AK_BASE;
const testdata = process.env.AK_TESTDATA;
if (!base || !testdata) throw new Error("AK_BASE and AK_TESTDATA must be set (scripts/ts-client.sh does)");
const client = createClient<paths>({ baseUrl: base });

function lifecycle(name: string): Schemas["AlowareEvent"][] {
  const dir = join(testdata!, "lifecycle", name);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Schemas["AlowareEvent"]);
}

// What the types promise, checked by tsc: a payload needs a transcript or an audioUrl,
// the fields are typed, lists are never null, a 503 says when to retry.
const withTranscript: Schemas["KendoPushPayload"] = { transcript: "Rep: Hi.", repEmail: "sam@example.com", duration: 63 };
const withAudio: Schemas["KendoPushPayload"] = { audioUrl: "https://example.com/r.mp3" };
// @ts-expect-error neither transcript nor audioUrl
const neither: Schemas["KendoPushPayload"] = { repEmail: "sam@example.com" };
// @ts-expect-error transcript is a string, not unknown
const wrongType: Schemas["KendoPushPayload"] = { transcript: 5 };
const retryAfter: NonNullable<paths["/push"]["post"]["responses"][503]["headers"]["Retry-After"]> = 5;
const noNullLists = (r: Schemas["CallRecord"], m: Schemas["MapResult"]): [number, number, number] =>
  [r.events.length, r.warnings.length, m.warnings.length];
void [neither, wrongType, retryAfter, noNullLists];

test("POST /map: one call's events make a ready, typed payload", async () => {
  const { data, error, response } = await client.POST("/map", { body: lifecycle("outbound-940868616") });
  assert.equal(response.status, 200, JSON.stringify(error));
  assert.ok(data);
  assert.equal(data.ready, true);
  assert.equal(data.state, "ready");
  assert.deepEqual(data.warnings, []);
  assert.equal(data.payload?.metadata?.["source"], "aloware");
  assert.equal(data.alowareCallId, "940868616");
});

test("POST /map: what is not an Aloware event is a 422 naming the field", async () => {
  const { error, response } = await client.POST("/map", {
    body: { event: "InboundPhoneCall", body: { id: "abc", type: 1 } },
  });
  assert.equal(response.status, 422);
  assert.ok(error);
  assert.ok(error.errors?.some((e) => e.location === "body.body.id"), JSON.stringify(error));
});

test("POST /validate: a valid payload, and one with every problem reported", async () => {
  for (const body of [withTranscript, withAudio]) {
    const { data, response } = await client.POST("/validate", { body });
    assert.equal(response.status, 200);
    assert.deepEqual(data, { valid: true });
  }
  // The invalid example of the docs, sent as raw JSON: its types are wrong on purpose.
  const invalid = JSON.parse('{"callTitle":"Demo","repEmail":"not-an-email","duration":"66","metadata":{"nested":{"a":1}}}');
  const { error, response } = await client.POST("/validate", { body: invalid });
  assert.equal(response.status, 422);
  const locations = (error?.errors ?? []).map((e) => e.location).sort();
  assert.deepEqual(locations, ["body", "body.duration", "body.metadata.nested", "body.repEmail"]);
});

test("POST /push and GET /calls/{alowareCallId}: a call stored, delivered once, shown", async () => {
  const events = lifecycle("inbound-940870001");
  const last = events.pop()!;
  for (const body of events) {
    const { data, response } = await client.POST("/push", { body });
    assert.equal(response.status, 202);
    assert.equal(data?.alowareCallId, "940870001");
    assert.ok(Array.isArray(data?.warnings));
  }
  const pushed = await client.POST("/push", { body: last, params: { query: { wait: "30s" } } });
  assert.equal(pushed.response.status, 201, JSON.stringify(pushed.data ?? pushed.error));
  const kendoCallId = pushed.data?.callId;
  assert.ok(kendoCallId);
  assert.equal(pushed.data?.status, "delivered");

  const { data, response } = await client.GET("/calls/{alowareCallId}", {
    params: { path: { alowareCallId: "940870001" } },
  });
  assert.equal(response.status, 200);
  assert.ok(data);
  const status: Schemas["CallStatus"] = data.status;
  assert.equal(status, "delivered");
  assert.equal(data.callId, kendoCallId);
  assert.equal(data.events.length, events.length + 1);
  assert.ok(data.events.every((e) => typeof e.name === "string" && typeof e.receivedAt === "string"));

  const again = await client.POST("/push", { body: last });
  assert.equal(again.response.status, 200);
  assert.equal(again.data?.duplicate, true);
  assert.equal(again.data?.callId, kendoCallId);
});

test("GET /calls/{alowareCallId}: an id that cannot exist is a 404 problem", async () => {
  const { error, response } = await client.GET("/calls/{alowareCallId}", {
    params: { path: { alowareCallId: "not-an-id" } },
  });
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal(error?.status, 404);
});
