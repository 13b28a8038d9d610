package handlers_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/handlers"
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
		"operationId: get-readiness", "operationId: get-metrics",
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
