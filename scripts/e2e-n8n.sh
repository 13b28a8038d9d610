#!/usr/bin/env bash
# End-to-end test through a REAL n8n: Aloware fixtures → n8n (the shipped workflows, imported and
# published with n8n's own CLI) → aloware-kendo serve → the Kendo emulator.
#
#   scripts/e2e-n8n.sh            # from anywhere inside the repo
#
# n8n@2.8.4 (the newest n8n that runs on Node 20) is installed from the npm registry once into
# ${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo}/n8n-2.8.4 and reused while
# `node_modules/.bin/n8n --version` prints 2.8.4 (a first install takes minutes; see install.log
# there). An install failure fails this script loudly; it never passes silently.
# Everything else (service, emulator, n8n data) lives in a temp dir and is removed on exit.
# The last line is "N passed, M failed"; the exit status is non-zero unless M is 0.
set -uo pipefail

N8N_VERSION=2.8.4
XLSX_OVERRIDE=npm:@e965/xlsx@0.20.3 # n8n-nodes-base pins xlsx to cdn.sheetjs.com; use its npm mirror
TOKEN=e2e-inbound-token-not-secret
OUTBOUND_ID=940868616
INBOUND_ID=940870001
FLAT_ID=940880001 # the call of testdata/aloware/n8n-trigger-flat-lifecycle.json
NOTIFY_SECRET=whsec_ZTJlLW5vdGlmeS1zZWNyZXQtbm90LXNlY3JldCE= # signs the service's notifications to the alerts workflow

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null || (cd "$(dirname "$0")/.." && pwd))
cache=${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo}
n8n_dir=$cache/n8n-$N8N_VERSION
n8n=$n8n_dir/node_modules/.bin/n8n
started=$(date +%s)
passed=0
failed=0
pids=()
tmp=

say() { printf '%s e2e-n8n: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() {
  say "total $(($(date +%s) - started)) s"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit
}
# abort: a step without which nothing else can be tested.
abort() { fail "$*"; finish; }
loud() {
  {
    echo
    echo "################################################################################"
    for line in "$@"; do echo "## $line"; done
    echo "################################################################################"
    echo
  } >&2
}

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null
  done
  [ -n "$tmp" ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$tmp"
  [ -n "$tmp" ] && [ -n "${E2E_KEEP:-}" ] && say "kept $tmp (E2E_KEEP set)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: runs CMD in its own process group (so cleanup stops its children too),
# output in $tmp/NAME.log.
start() {
  local name=$1
  shift
  setsid "$@" >"$tmp/$name.log" 2>&1 &
  pids+=($!)
}

. "$root/scripts/lib/http.sh" # free_port, wait_http

# post URL FILE: POSTs FILE as JSON; prints "STATUS BODY"; the response headers go to $tmp/headers.
post() {
  curl -sS --max-time 120 -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary "@$2" "$1" 2>"$tmp/curl.err" || true
  printf ' %s' "$(head -c 400 "$tmp/body" 2>/dev/null)"
}
header() { tr -d '\r' <"$tmp/headers" | awk -v h="$(echo "$1" | tr 'A-Z' 'a-z')" -F': ' 'tolower($1)==h {print $2}'; }
# answer EXPR: EXPR (JavaScript, the answer's JSON as j) on the body of the last post; "?" when
# the body is not JSON.
answer() { node -e 'try { const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = eval(process.argv[2]); console.log(typeof v === "string" ? v : JSON.stringify(v)) } catch { console.log("?") }' "$tmp/body" "$1"; }
# quarantined: how many events the service holds in its quarantine (GET /quarantine's total).
quarantined() { curl -sS --max-time 5 -H "Authorization: Bearer $TOKEN" "$svc/quarantine" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).total)}catch{console.log("?")}})'; }

command -v node >/dev/null || abort "node is not installed"
command -v npm >/dev/null || abort "npm is not installed"
command -v go >/dev/null || abort "go is not installed"
command -v curl >/dev/null || abort "curl is not installed"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit((a===20&&b>=19)||(a>20&&a<=24)?0:1)' ||
  abort "n8n $N8N_VERSION needs Node >=20.19 <=24.x, this is $(node --version)"

# --- n8n: reuse the cached install or install it -------------------------------------------------
n8n_version() { [ -x "$n8n" ] && (cd "$n8n_dir" && timeout 120 "$n8n" --version 2>/dev/null | tail -n 1); }
if [ "$(n8n_version)" = "$N8N_VERSION" ]; then
  say "reusing n8n $N8N_VERSION in $n8n_dir"
else
  mkdir -p "$n8n_dir"
  exec 8>"$cache/n8n-$N8N_VERSION.lock"
  say "waiting for the n8n install lock $cache/n8n-$N8N_VERSION.lock"
  flock 8
  if [ "$(n8n_version)" != "$N8N_VERSION" ]; then
    say "installing n8n@$N8N_VERSION from the npm registry into $n8n_dir (first run on this machine: several minutes)"
    cat >"$n8n_dir/package.json" <<EOF
{ "name": "aloware-kendo-n8n-e2e", "private": true,
  "dependencies": { "n8n": "$N8N_VERSION" },
  "overrides": { "xlsx": "$XLSX_OVERRIDE" } }
EOF
    t0=$(date +%s)
    (cd "$n8n_dir" && JOBS=${JOBS:-2} npm install --no-audit --no-fund) >"$n8n_dir/install.log" 2>&1
    rc=$?
    echo "exit $rc after $(($(date +%s) - t0)) s" >>"$n8n_dir/install.log"
    if [ $rc -ne 0 ] || [ "$(n8n_version)" != "$N8N_VERSION" ]; then
      tail -n 40 "$n8n_dir/install.log" >&2
      loud "n8n@$N8N_VERSION INSTALL FAILED (npm exit $rc) -- the n8n end-to-end test DID NOT RUN." \
        "Full log: $n8n_dir/install.log" \
        "sqlite3 builds from source when its prebuilt binary cannot be fetched: it needs python3, make," \
        "g++ and Node headers (nodedir=/usr in ~/.npmrc when they are in /usr/include/node)."
      abort "install n8n@$N8N_VERSION"
    fi
    say "installed n8n $N8N_VERSION in $(($(date +%s) - t0)) s ($(du -sh "$n8n_dir/node_modules" | cut -f1))"
  fi
  flock -u 8
fi

# --- fixtures ------------------------------------------------------------------------------------
shopt -s nullglob
outbound=("$root"/testdata/lifecycle/outbound-$OUTBOUND_ID/*.json)
inbound=("$root"/testdata/lifecycle/inbound-$INBOUND_ID/*.json)
[ ${#outbound[@]} -gt 0 ] || abort "no fixtures in testdata/lifecycle/outbound-$OUTBOUND_ID"
[ ${#inbound[@]} -gt 0 ] || abort "no fixtures in testdata/lifecycle/inbound-$INBOUND_ID"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aloware-kendo-e2e-n8n.XXXXXX")

# --- the service and the Kendo emulator ----------------------------------------------------------
say "building aloware-kendo"
(cd "$root" && go build -o "$tmp/aloware-kendo" ./cmd/aloware-kendo) >"$tmp/build.log" 2>&1 ||
  { cat "$tmp/build.log" >&2; abort "go build ./cmd/aloware-kendo"; }

emu_port=$(free_port)
svc_port=$(free_port)
n8n_port=$(free_port) # known before the service starts: its notifications go to n8n's alerts workflow
slack_port=$(free_port)
slack=http://127.0.0.1:$slack_port
emu=http://127.0.0.1:$emu_port
svc=http://127.0.0.1:$svc_port
start emulator "$tmp/aloware-kendo" kendo-emulator --listen "127.0.0.1:$emu_port" --kendo-rate 30/min
wait_http "$emu/calls" 30 || { tail -n 30 "$tmp/emulator.log" >&2; abort "kendo-emulator answers GET /calls"; }
start service "$tmp/aloware-kendo" serve --listen "127.0.0.1:$svc_port" --db "sqlite:$tmp/db" \
  --kendo-url "$emu/api/integrations/push-api/ingest" --kendo-api-key pk_e2e_test \
  --settle 2s --inbound-token "$TOKEN" \
  --notify-url "http://127.0.0.1:$n8n_port/webhook/aloware-kendo-alerts" --notify-secret "$NOTIFY_SECRET" --notify-interval 2s
# A Slack-compatible receiver: keeps every body the alerts workflow forwards, one a line.
start slack node -e 'require("http").createServer((q, s) => { let b = ""; q.on("data", (d) => (b += d)).on("end", () => {
  if (q.method === "POST") require("fs").appendFileSync(process.argv[1], b.replace(/\n/g, " ") + "\n"); s.writeHead(q.method === "POST" ? 200 : 204); s.end(); }); }).listen(Number(process.argv[2]), "127.0.0.1")' \
  "$tmp/slack.jsonl" "$slack_port"
wait_http "$svc/readyz" 30 || { tail -n 30 "$tmp/service.log" >&2; abort "aloware-kendo serve answers GET /readyz"; }
say "service on $svc, emulator on $emu"

# --- n8n: import the shipped workflows (pointed at this service), publish, start ----------------
# Besides the two shipped workflows, two copies of the plain one exercise its error branch:
# one with a wrong token (the service's 401 must reach the caller) and one pointed at a closed
# port (502 after its retries). Only the URL and the token are changed, as a user would.
dead_port=$(free_port)
node - "$root/workflows/n8n/aloware-to-kendo.json" "$root/workflows/n8n/aloware-to-kendo-wait.json" \
  "$svc/push" "Bearer $TOKEN" "http://127.0.0.1:$dead_port/push" "$tmp/workflows.json" >"$tmp/workflows.txt" <<'EOF' ||
// Writes the workflows to import into the last argument; prints "id webhook-path" per workflow.
const fs = require('fs');
const [plainFile, waitFile, url, auth, deadUrl, outFile] = process.argv.slice(2);
const load = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const only = (wf, type) => {
  const nodes = wf.nodes.filter((n) => n.type === type);
  if (nodes.length !== 1) throw new Error(`${wf.name}: expected one ${type} node, got ${nodes.length}`);
  return nodes[0];
};
// edit changes what a user edits, the HTTP Request node's URL and Authorization header; a copy
// also gets its own id and webhook path.
const edit = (wf, u, a, copy) => {
  const http = only(wf, 'n8n-nodes-base.httpRequest');
  http.parameters.url = u;
  const h = http.parameters.headerParameters.parameters.find((p) => p.name === 'Authorization');
  if (!h) throw new Error(`${wf.name}: no Authorization header on the HTTP Request node`);
  h.value = a;
  if (copy) {
    const hook = only(wf, 'n8n-nodes-base.webhook');
    [wf.id, hook.parameters.path, hook.webhookId] = copy;
    wf.name += ` (${copy[1]})`;
  }
  return wf;
};
const out = [
  edit(load(plainFile), url, auth),
  edit(load(waitFile), url, auth),
  edit(load(plainFile), url, 'Bearer wrong-token', ['AlowareKendoE2EBad', 'e2e-bad-token', '00000000-0000-4000-8000-00000000e2e1']),
  edit(load(plainFile), deadUrl, auth, ['AlowareKendoE2EDead', 'e2e-dead', '00000000-0000-4000-8000-00000000e2e2']),
];
fs.writeFileSync(outFile, JSON.stringify(out));
for (const wf of out) console.log(wf.id, only(wf, 'n8n-nodes-base.webhook').parameters.path);
EOF
  abort "prepare the workflows for import"
# The alerts workflow, edited as a user would: the secret in its Code node, Slack's URL.
node - "$root/workflows/n8n/aloware-kendo-alerts.json" "$NOTIFY_SECRET" "$slack/hooks/e2e" "$tmp/workflows.json" >>"$tmp/workflows.txt" <<'EOF' ||
const fs = require('fs');
const [file, secret, slackUrl, outFile] = process.argv.slice(2);
const wf = JSON.parse(fs.readFileSync(file, 'utf8'));
const one = (type) => wf.nodes.find((n) => n.type === type);
const code = one('n8n-nodes-base.code');
if (!code.parameters.jsCode.includes('whsec_REPLACE-WITH-NOTIFY-SECRET')) throw new Error('no SECRET placeholder in the Code node');
code.parameters.jsCode = code.parameters.jsCode.replace('whsec_REPLACE-WITH-NOTIFY-SECRET', secret);
one('n8n-nodes-base.httpRequest').parameters.url = slackUrl;
const all = JSON.parse(fs.readFileSync(outFile, 'utf8'));
all.push(wf);
fs.writeFileSync(outFile, JSON.stringify(all));
console.log(wf.id, one('n8n-nodes-base.webhook').parameters.path);
EOF
  abort "prepare the alerts workflow for import"
ids=$(cut -d' ' -f1 "$tmp/workflows.txt")
path_of() { awk -v id="$1" '$1 == id { print $2 }' "$tmp/workflows.txt"; }
plain_path=$(path_of AlowareKendo0001)
wait_path=$(path_of AlowareKendoWait01)
bad_path=$(path_of AlowareKendoE2EBad)
dead_path=$(path_of AlowareKendoE2EDead)

export N8N_USER_FOLDER=$tmp/n8n N8N_PORT=$n8n_port N8N_LISTEN_ADDRESS=127.0.0.1 \
  N8N_RUNNERS_BROKER_PORT=$(free_port) N8N_RUNNERS_BROKER_LISTEN_ADDRESS=127.0.0.1 \
  N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_TEMPLATES_ENABLED=false \
  N8N_PERSONALIZATION_ENABLED=false N8N_HIRING_BANNER_ENABLED=false N8N_PUBLIC_API_DISABLED=true \
  N8N_DIAGNOSTICS_CONFIG_FRONTEND= N8N_DIAGNOSTICS_CONFIG_BACKEND= EXTERNAL_FRONTEND_HOOKS_URLS= \
  N8N_ENCRYPTION_KEY=e2e-not-secret N8N_LOG_LEVEL=info N8N_SECURE_COOKIE=false \
  N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=false
mkdir -p "$N8N_USER_FOLDER"
t0=$(date +%s)
(cd "$n8n_dir" && "$n8n" import:workflow --input="$tmp/workflows.json") >"$tmp/n8n-import.log" 2>&1 ||
  { tail -n 30 "$tmp/n8n-import.log" >&2; abort "n8n import:workflow"; }
for id in $ids; do
  (cd "$n8n_dir" && "$n8n" publish:workflow --id="$id") >>"$tmp/n8n-import.log" 2>&1 ||
    { tail -n 30 "$tmp/n8n-import.log" >&2; abort "n8n publish:workflow --id=$id"; }
done
say "imported and published $(echo $ids | wc -w) workflows in $(($(date +%s) - t0)) s"
t0=$(date +%s)
start n8n sh -c "cd '$n8n_dir' && exec '$n8n' start"
deadline=$(($(date +%s) + 180))
until grep -q 'Editor is now accessible' "$tmp/n8n.log" 2>/dev/null; do
  if ! kill -0 "${pids[-1]}" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
    tail -n 40 "$tmp/n8n.log" >&2
    abort "n8n start (no 'Editor is now accessible' within 180 s)"
  fi
  sleep 0.5
done
say "n8n started in $(($(date +%s) - t0)) s on port $n8n_port"
hook=http://127.0.0.1:$n8n_port/webhook

# --- the two calls' full lifecycles ---------------------------------------------------------------
# Every event goes through the plain workflow, except the inbound call's last one: it goes through
# the wait workflow, which must see the call delivered (201) within its 30 s.
for f in "${outbound[@]}" "${inbound[@]}"; do
  name=${f#"$root"/testdata/lifecycle/}
  if [ "$f" = "${inbound[-1]}" ]; then
    r=$(post "$hook/$wait_path" "$f")
    outcome=$(header X-Aloware-Kendo-Outcome)
    if [[ ${r%% *} == 201 && $outcome == delivered ]]; then
      pass "n8n $wait_path ← $name: outcome=$outcome $r"
    else
      fail "n8n $wait_path ← $name (want 201, outcome delivered): outcome=$outcome $r $(cat "$tmp/curl.err")"
    fi
    continue
  fi
  r=$(post "$hook/$plain_path" "$f")
  if [[ ${r%% *} == 2?? ]]; then pass "n8n $plain_path ← $name: $r"; else fail "n8n $plain_path ← $name: $r $(cat "$tmp/curl.err")"; fi
done

# --- Aloware's own n8n trigger node, flattened ----------------------------------------------------
# Its "Flatten Payload" option (on by default) outputs {"event": …, …body}: the communication's
# fields beside "event", with the SMS text field "body": "" among them. The node is not on npm, so
# what it outputs for a Recording-Saved is posted to the plain workflow, which forwards it as is.
# It must map exactly as its envelope: the same call, the status its envelope's mapping implies
# (ready → scheduled), the same warnings, and Kendo gets the very payload POST /map gives for the
# envelope (checked with the other calls below).
node - "$root/testdata/aloware/n8n-trigger-flat-lifecycle.json" "$FLAT_ID" "$tmp/flat.json" "$tmp/envelope.json" <<'EOF' ||
const fs = require('fs');
const [file, id, flatOut, envelopeOut] = process.argv.slice(2);
const flat = JSON.parse(fs.readFileSync(file, 'utf8')).find((e) => e.event === 'Recording-Saved');
if (!flat || String(flat.id) !== id || flat.body !== '') throw new Error(`${file}: no flat Recording-Saved of call ${id} with "body": ""`);
const { event, ...body } = flat; // the trigger's flattening undone: {event, ...body} → {event, body}
fs.writeFileSync(flatOut, JSON.stringify(flat));
fs.writeFileSync(envelopeOut, JSON.stringify({ event, body }));
EOF
  abort "prepare the flat form of the n8n trigger's Recording-Saved"
curl -sS --max-time 10 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data-binary "@$tmp/envelope.json" -o "$tmp/envelope-map.json" "$svc/map" ||
  abort "POST /map with the envelope of the flat Recording-Saved"
r=$(post "$hook/$plain_path" "$tmp/flat.json")
got=$(answer '[j.alowareCallId, j.status, JSON.stringify(j.warnings)].join(" ")')
want=$(node -e 'const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log([m.alowareCallId, m.ready ? "scheduled" : "received", JSON.stringify(m.warnings)].join(" "))' "$tmp/envelope-map.json")
if [[ ${r%% *} == 202 && $got == "$want" && $got == "$FLAT_ID "* ]]; then
  pass "n8n $plain_path ← the n8n trigger's flat Recording-Saved: maps as its envelope ($got): $r"
else
  fail "n8n $plain_path ← the n8n trigger's flat Recording-Saved (want 202, \"$want\" as its envelope maps): \"$got\" $r"
fi

# assert_calls: the emulator's GET /calls holds exactly the three calls: the two lifecycles, with
# the right fields, and the flat form's, with exactly the payload /map gave for its envelope.
assert_calls() {
  node - "$tmp/calls.json" "$OUTBOUND_ID" "$INBOUND_ID" "$FLAT_ID" "$tmp/envelope-map.json" <<'EOF'
const fs = require('fs');
const { isDeepStrictEqual } = require('util');
const [file, outId, inId, flatId, mapFile] = process.argv.slice(2);
const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
const list = Array.isArray(raw) ? raw : raw.calls ?? raw.items ?? raw.data ?? [];
// An entry is the accepted payload, or a record wrapping it ({callId, payload|body, ...}).
const calls = list.map((c) => ({ rec: c, p: c.payload ?? c.body ?? c.request ?? c }));
const problems = [];
const lines = [];
if (calls.length !== 3) problems.push(`expected exactly 3 calls at the emulator, got ${calls.length}`);
const email = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
for (const [id, dir] of [[outId, 'outbound'], [inId, 'inbound']]) {
  const mine = calls.filter((c) => c.p?.metadata?.alowareCallId === id);
  if (mine.length !== 1) { problems.push(`call ${id}: ${mine.length} payloads with metadata.alowareCallId "${id}" (want 1)`); continue; }
  const { rec, p } = mine[0];
  const m = p.metadata;
  if (!p.audioUrl) problems.push(`call ${id}: no audioUrl`);
  if (dir === 'outbound' && !(typeof p.transcript === 'string' && p.transcript.trim())) problems.push(`call ${id}: no transcript`);
  if (!email.test(p.repEmail ?? '')) problems.push(`call ${id}: repEmail ${JSON.stringify(p.repEmail)}`);
  if (m.source !== 'aloware') problems.push(`call ${id}: metadata.source ${JSON.stringify(m.source)}`);
  if (m.syncMethod !== 'webhook') problems.push(`call ${id}: metadata.syncMethod ${JSON.stringify(m.syncMethod)}`);
  if (m.alowareDirection !== dir) problems.push(`call ${id}: metadata.alowareDirection ${JSON.stringify(m.alowareDirection)} (want ${dir})`);
  lines.push(`${id}: callId=${rec.callId ?? rec.id ?? '?'} repEmail=${p.repEmail} duration=${p.duration} audioUrl=${p.audioUrl ? 'yes' : 'no'} transcript=${(p.transcript ?? '').length} chars`);
}
const flat = calls.filter((c) => c.p?.metadata?.alowareCallId === flatId);
const envelopePayload = JSON.parse(fs.readFileSync(mapFile, 'utf8')).payload;
if (flat.length !== 1) problems.push(`call ${flatId} (the flat form): ${flat.length} payloads (want 1)`);
else if (!isDeepStrictEqual(flat[0].p, envelopePayload)) {
  problems.push(`call ${flatId} (the flat form): Kendo got\n       ${JSON.stringify(flat[0].p)}\n     but POST /map of its envelope gives\n       ${JSON.stringify(envelopePayload)}`);
} else lines.push(`${flatId}: callId=${flat[0].rec.callId ?? '?'} (the n8n trigger's flat form), payload identical to POST /map of its envelope`);
for (const l of lines) console.log(l);
for (const p of problems) console.log(p);
process.exit(problems.length ? 1 : 0);
EOF
}

say "waiting (up to 60 s) for the three calls at the emulator"
deadline=$(($(date +%s) + 60))
while :; do
  curl -fsS --max-time 5 "$emu/calls" >"$tmp/calls.json" 2>/dev/null || echo '[]' >"$tmp/calls.json"
  out=$(assert_calls 2>&1) && break
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 1
done
if assert_calls >"$tmp/assert.out" 2>&1; then
  pass "emulator GET /calls: exactly the 3 calls, fields right"$'\n'"$(sed 's/^/     /' "$tmp/assert.out")"
else
  fail "emulator GET /calls:"$'\n'"$(sed 's/^/     /' "$tmp/assert.out")"$'\n'"     body: $(head -c 1500 "$tmp/calls.json")"
fi

for id in $OUTBOUND_ID $INBOUND_ID $FLAT_ID; do
  body=$(curl -sS --max-time 5 -H "Authorization: Bearer $TOKEN" "$svc/calls/$id" 2>&1)
  st=$(printf '%s' "$body" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);console.log(j.status+" callId="+(j.callId??""))}catch{console.log("?")}})')
  if [[ $st == "delivered callId="?* ]]; then pass "service GET /calls/$id: $st"; else fail "service GET /calls/$id: $(printf '%s' "$body" | head -c 600)"; fi
done

# --- the other paths a user meets ----------------------------------------------------------------
echo '{"test_payload":true}' >"$tmp/test-payload.json"
r=$(post "$hook/$plain_path" "$tmp/test-payload.json")
if [[ ${r%% *} == 2?? ]]; then pass "Aloware 'Save & Test' ping via n8n: $r"; else fail "Aloware 'Save & Test' ping via n8n: $r"; fi

# Every JSON object is stored: one it cannot use is quarantined (202), one with a field it cannot
# read is used without that field (202 with warnings). Only a body that is not a JSON object is
# refused (4xx, nothing kept): n8n lets a JSON array through, so that is the refused input here.
echo '{"hello":"not an Aloware event"}' >"$tmp/not-aloware.json"
r=$(post "$hook/$plain_path" "$tmp/not-aloware.json")
qid=$(answer 'j.status === "quarantined" && j.problems?.length > 0 && j.quarantineId')
listed=$(curl -sS --max-time 5 -H "Authorization: Bearer $TOKEN" "$svc/quarantine" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).items.some(i=>String(i.id)===process.argv[1]))}catch{console.log(false)}})' "$qid")
if [[ ${r%% *} == 202 && $listed == true ]]; then
  pass "not an Aloware event: stored in quarantine (202, GET /quarantine lists id $qid): $r"
else
  fail "not an Aloware event (want 202 quarantined, listed by GET /quarantine): listed=$listed $r"
fi

echo '{"event":"InboundPhoneCall","body":{"id":940870099,"type":1,"direction":1,"wait_time":{"ring":2},"talk_time":"742.0","created_at":"2026-10-15T09:30:00z"}}' >"$tmp/bad-field.json"
r=$(post "$hook/$plain_path" "$tmp/bad-field.json")
got=$(answer '[j.alowareCallId, j.status, j.warnings.length === 1 && j.warnings[0].includes("wait_time")].join(" ")')
if [[ ${r%% *} == 202 && $got == "940870099 received true" ]]; then
  pass "an unreadable field: stored and used, the field named in warnings: $r"
else
  fail "an unreadable field (want 202, call 940870099 received, one warning naming wait_time): \"$got\" $r"
fi

node -e 'const fs = require("fs"); fs.writeFileSync(process.argv[2], JSON.stringify([JSON.parse(fs.readFileSync(process.argv[1], "utf8"))]))' \
  "${outbound[0]}" "$tmp/array.json"
before=$(quarantined)
r=$(post "$hook/$plain_path" "$tmp/array.json")
ctype=$(header Content-Type)
if [[ ${r%% *} == 4?? && $ctype == application/problem+json* && $(quarantined) == "$before" ]]; then
  pass "a JSON array (not an object): the service's 4xx problem reaches the caller, nothing kept: $r"
else
  fail "a JSON array (want the service's 4xx problem+json, quarantine still $before): $ctype $r"
fi

r=$(post "$hook/$bad_path" "${outbound[0]}")
ctype=$(header Content-Type)
if [[ ${r%% *} == 401 && $ctype == application/problem+json* && $r == *'"Unauthorized"'* ]]; then
  pass "wrong token: the service's 401 problem reaches the caller: $r"
else
  fail "wrong token (want the service's 401 problem+json): $ctype $r"
fi

t0=$(date +%s)
r=$(post "$hook/$dead_path" "${outbound[0]}")
if [[ ${r%% *} == 502 ]]; then pass "service down: 502 after the retries ($(($(date +%s) - t0)) s): $r"; else fail "service down (want 502): $r"; fi

last=${outbound[-1]}
r=$(post "$hook/$wait_path" "$last")
outcome=$(header X-Aloware-Kendo-Outcome)
if [[ ${r%% *} == 2?? && $outcome == delivered ]]; then
  pass "wait workflow, repeat of a delivered call: outcome=$outcome $r"
else
  fail "wait workflow, repeat of a delivered call (want 2xx, outcome delivered): outcome=$outcome $r"
fi
r=$(post "$hook/$wait_path" "$tmp/test-payload.json")
outcome=$(header X-Aloware-Kendo-Outcome)
if [[ ${r%% *} == 2?? && $outcome != refused && -n $outcome ]]; then pass "wait workflow, 'Save & Test' ping: outcome=$outcome $r"; else fail "wait workflow, 'Save & Test' ping: outcome=$outcome $r"; fi
r=$(post "$hook/$wait_path" "$tmp/not-aloware.json")
outcome=$(header X-Aloware-Kendo-Outcome)
if [[ ${r%% *} == 202 && $outcome == quarantined && $(answer j.status) == quarantined ]]; then
  pass "wait workflow, not an Aloware event: outcome=$outcome $r"
else
  fail "wait workflow, not an Aloware event (want 202, outcome quarantined): outcome=$outcome $r"
fi
r=$(post "$hook/$wait_path" "$tmp/array.json")
outcome=$(header X-Aloware-Kendo-Outcome)
if [[ ${r%% *} == 4?? && $outcome == refused ]]; then pass "wait workflow, a JSON array: outcome=$outcome $r"; else fail "wait workflow, a JSON array (want 4xx, outcome refused): outcome=$outcome $r"; fi
n=$(quarantined)
if [[ $n == 2 ]]; then pass "quarantine holds exactly the 2 unusable objects (the arrays were not kept)"; else fail "quarantine holds $n events (want the 2 unusable objects)"; fi

# --- notifications: the service → the alerts workflow (signature checked) → Slack -----------------
# The unusable objects above were quarantined: the service tells it (quarantine.growing), signed;
# n8n verifies the signature and forwards the text to the Slack-compatible receiver.
deadline=$(($(date +%s) + 90))
until grep -q 'stored in the quarantine' "$tmp/slack.jsonl" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.5; done
if grep -q 'stored in the quarantine' "$tmp/slack.jsonl" 2>/dev/null; then
  pass "notification: service → n8n alerts (signature verified) → Slack: $(grep -m1 'stored in the quarantine' "$tmp/slack.jsonl" | head -c 300)"
else
  fail "notification: no quarantine.growing message reached Slack through the alerts workflow within 90 s; $(grep -i notif "$tmp/service.log" | tail -n 3)"
fi
printf '{"type":"calls.failed","timestamp":"2026-10-15T09:30:00Z","data":{"summary":"forged"}}' >"$tmp/forged.json"
r=$(curl -sS --max-time 30 -o "$tmp/body" -w '%{http_code}' -H 'Content-Type: application/json' -H 'webhook-id: msg_forged' \
  -H "webhook-timestamp: $(date +%s)" -H 'webhook-signature: v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' \
  --data-binary "@$tmp/forged.json" "$hook/aloware-kendo-alerts" 2>"$tmp/curl.err" || true)
sleep 1
# Nothing forwarded: no Slack message carries the forged summary (genuine messages of other
# types may still arrive meanwhile, so the count of lines proves nothing).
if [[ $r == 401 ]] && ! grep -q forged "$tmp/slack.jsonl"; then
  pass "notification with a forged signature: 401, nothing forwarded"
else
  fail "notification with a forged signature (want 401, nothing forwarded): $r $(cat "$tmp/body")"
fi

curl -fsS --max-time 5 "$emu/calls" >"$tmp/calls.json" 2>/dev/null || echo '[]' >"$tmp/calls.json"
if assert_calls >"$tmp/assert.out" 2>&1; then pass "emulator still holds exactly the 3 calls (no double delivery)"; else fail "emulator after the repeats:"$'\n'"$(sed 's/^/     /' "$tmp/assert.out")"; fi

if [ "$failed" -gt 0 ]; then
  for log in service emulator n8n slack; do
    echo "--- last lines of $log.log" >&2
    tail -n 25 "$tmp/$log.log" >&2
  done
fi
finish
