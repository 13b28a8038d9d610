package handlers_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// The committed openapi.yaml is exactly what the code describes. Regenerate it with
// `go run ./cmd/aloware-kendo openapi > openapi.yaml`.
func TestCommittedOpenAPIIsCurrent(t *testing.T) {
	want, err := handlers.OpenAPIYAML()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(repoRoot, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("openapi.yaml is stale: run `go run ./cmd/aloware-kendo openapi > openapi.yaml`")
	}
}

func TestServedSpecAndDocs(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	want, _ := handlers.OpenAPIYAML()
	if resp := get(t, srv.URL+"/openapi.yaml"); resp.status != 200 || !bytes.Equal(resp.body, want) {
		t.Errorf("/openapi.yaml: %d, equal to OpenAPIYAML: %v", resp.status, bytes.Equal(resp.body, want))
	}
	v30, _ := handlers.OpenAPI30YAML()
	if resp := get(t, srv.URL+"/openapi-3.0.yaml"); resp.status != 200 || !bytes.Equal(resp.body, v30) || !bytes.Contains(v30, []byte("openapi: 3.0.3")) {
		t.Errorf("/openapi-3.0.yaml: %d", resp.status)
	}
	if resp := get(t, srv.URL+"/openapi.json"); resp.status != 200 || !bytes.Contains(resp.body, []byte(`"openapi":"3.1.0"`)) {
		t.Errorf("/openapi.json: %d", resp.status)
	}
	resp := get(t, srv.URL+"/docs")
	if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") ||
		!bytes.Contains(resp.body, []byte("<html")) || !bytes.Contains(resp.body, []byte("/openapi")) {
		t.Errorf("/docs: %d %q %s", resp.status, resp.header.Get("Content-Type"), clip(resp.body))
	}
}

// What the document promises: ids, the payload schema, security on protected routes.
func TestSpecContents(t *testing.T) {
	spec, _ := handlers.OpenAPIYAML()
	s := string(spec)
	for _, want := range []string{
		"openapi: 3.1.0", "title: aloware-kendo",
		"operationId: map-events", "operationId: validate-payload", "operationId: push-event",
		"operationId: get-call", "operationId: redeliver-call", "operationId: get-health",
		"operationId: get-readiness", "operationId: get-metrics", "operationId: list-calls",
		"operationId: redeliver-calls", "operationId: skip-call", "operationId: erase-call",
		"operationId: list-quarantine", "operationId: replay-quarantine", "servers:",
		"KendoPushPayload:", `$ref: "#/components/schemas/KendoPushPayload"`,
		"bearerAuth:", "basicAuth:", "scheme: bearer", "scheme: basic",
		`"201":`, `"202":`, `"409":`, `"413":`, `"422":`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("spec lacks %q", want)
		}
	}
	if strings.Contains(s, "$defs") || strings.Contains(s, "$schema") {
		t.Error("the spec should carry no JSON Schema $defs/$schema keywords that OpenAPI 3.0 tools reject")
	}
}

func TestUnknownRouteAndMethodAreProblems(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	resp := get(t, srv.URL+"/nope")
	if resp.status != http.StatusNotFound {
		t.Errorf("unknown route: %d", resp.status)
	}
	resp.problem(t)
	resp = get(t, srv.URL+"/map")
	if resp.status != http.StatusMethodNotAllowed || resp.header.Get("Allow") != "POST" {
		t.Errorf("GET /map: %d Allow=%q", resp.status, resp.header.Get("Allow"))
	}
	resp.problem(t)
}

// walk calls fn on every JSON object of a document, with its path.
func walk(v any, path string, fn func(path string, m map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(path, v)
		for k, sub := range v {
			walk(sub, path+"/"+k, fn)
		}
	case []any:
		for _, sub := range v {
			walk(sub, path+"[]", fn)
		}
	}
}

func specJSON(t *testing.T, downgraded bool) map[string]any {
	t.Helper()
	srv := newServer(t, handlers.Deps{})
	path := "/openapi.json"
	if downgraded {
		path = "/openapi-3.0.json"
	}
	var doc map[string]any
	if err := json.Unmarshal(get(t, srv.URL+path).body, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// What generated clients read: lists are never null, a 503 that asks to retry says
// when, the open routes say they are open, and the 3.0 form has nothing 3.0 forbids.
func TestSpecIsWhatClientsNeed(t *testing.T) {
	walk(specJSON(t, false), "", func(path string, m map[string]any) {
		if types, ok := m["type"].([]any); ok && m["items"] != nil {
			for _, ty := range types {
				if ty == "null" {
					t.Errorf("%s: a nullable array (%v); answers send [] for an empty list", path, types)
				}
			}
		}
	})
	doc := specJSON(t, false)
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			op := op.(map[string]any)
			id := op["operationId"]
			responses := op["responses"].(map[string]any)
			if r, ok := responses["503"].(map[string]any); ok && id != "get-readiness" {
				if h, _ := r["headers"].(map[string]any); h["Retry-After"] == nil {
					t.Errorf("%s %s: 503 without Retry-After", method, path)
				}
			}
			if _, ok := op["security"]; !ok {
				t.Errorf("%s %s: no security requirement (open routes say [{}])", method, path)
			}
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		sec, _ := json.Marshal(doc["paths"].(map[string]any)[path].(map[string]any)["get"].(map[string]any)["security"])
		if string(sec) != "[{}]" {
			t.Errorf("%s: security %s, want [{}] (explicitly open)", path, sec)
		}
	}
	walk(specJSON(t, true), "", func(path string, m map[string]any) {
		if _, ok := m["$ref"]; ok && len(m) > 1 {
			t.Errorf("3.0 %s: $ref with siblings %v", path, m)
		}
		if ex, ok := m["examples"].([]any); ok {
			t.Errorf("3.0 %s: a schema examples array %v", path, ex)
		}
	})
}

// /validate's request examples are valid payloads (a linter checks them against the
// schema); the invalid one is described in prose, and its documented answer is the real one.
func TestValidateExamplesAreTrue(t *testing.T) {
	doc := specJSON(t, false)
	op := doc["paths"].(map[string]any)["/validate"].(map[string]any)["post"].(map[string]any)
	examples := op["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["examples"].(map[string]any)
	if len(examples) == 0 {
		t.Fatal("no request examples")
	}
	for name, ex := range examples {
		raw, _ := json.Marshal(ex.(map[string]any)["value"])
		if vs := kendo.Validate(raw); len(vs) > 0 {
			t.Errorf("request example %s is invalid: %v", name, vs)
		}
	}
	answer := op["responses"].(map[string]any)["422"].(map[string]any)["content"].(map[string]any)["application/problem+json"].(map[string]any)["examples"].(map[string]any)["example"].(map[string]any)["value"]
	documented, _ := json.Marshal(answer)
	desc := op["description"].(string)
	const marker = "For example `"
	start := strings.Index(desc, marker)
	if start < 0 {
		t.Fatalf("no invalid payload in the description: %s", desc)
	}
	invalid, _, _ := strings.Cut(desc[start+len(marker):], "` answers 422")
	srv := newServer(t, handlers.Deps{})
	resp := post(t, srv.URL+"/validate", []byte(invalid))
	if resp.status != http.StatusUnprocessableEntity || !sameJSON(t, resp.body, documented) {
		t.Errorf("the documented answer to %s is not the real one:\n real %d %s\n documented %s", invalid, resp.status, resp.body, documented)
	}
}
