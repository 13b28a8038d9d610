package handlers_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/handlers"
)

// Every fixture mapped through POST /map answers exactly its golden result, and every
// ready payload passes POST /validate.
func TestMapMatchesGoldenFiles(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	type fixture struct{ name, golden string }
	var fixtures []fixture
	singles, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/aloware/*.json"))
	for _, f := range singles {
		fixtures = append(fixtures, fixture{f, filepath.Join(repoRoot, "testdata/golden", filepath.Base(f))})
	}
	dirs, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/lifecycle/*"))
	for _, d := range dirs {
		fixtures = append(fixtures, fixture{d, filepath.Join(repoRoot, "testdata/golden", "lifecycle-"+filepath.Base(d)+".json")})
	}
	if len(singles) == 0 || len(dirs) == 0 {
		t.Fatalf("fixtures missing: %d event files, %d lifecycles", len(singles), len(dirs))
	}
	ready := 0
	for _, fx := range fixtures {
		t.Run(filepath.Base(fx.name), func(t *testing.T) {
			var body []byte
			if st, err := os.Stat(fx.name); err == nil && st.IsDir() {
				body = lifecycleArray(t, fx.name)
			} else {
				body = readFile(t, fx.name)
			}
			resp := post(t, srv.URL+"/map", body)
			if resp.status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.status, clip(resp.body))
			}
			if ct := resp.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			want := readFile(t, fx.golden)
			if !sameJSON(t, resp.body, want) {
				t.Errorf("POST /map differs from %s\n got: %s\nwant: %s", fx.golden, resp.body, want)
			}
			var res struct {
				Ready    bool            `json:"ready"`
				Payload  json.RawMessage `json:"payload"`
				Warnings []string        `json:"warnings"`
			}
			if err := json.Unmarshal(resp.body, &res); err != nil {
				t.Fatal(err)
			}
			if res.Warnings == nil {
				t.Error("warnings must be [] rather than null or absent")
			}
			if !res.Ready {
				return
			}
			ready++
			v := post(t, srv.URL+"/validate", res.Payload)
			if v.status != http.StatusOK || !strings.Contains(string(v.body), `"valid":true`) {
				t.Errorf("the ready payload does not validate: %d %s", v.status, v.body)
			}
		})
	}
	if ready == 0 {
		t.Error("no fixture produced a ready payload; the /validate round trip was never exercised")
	}
}

func TestValidate(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	t.Run("valid", func(t *testing.T) {
		resp := post(t, srv.URL+"/validate", []byte(`{"transcript":"Rep: hi","repEmail":"sam@example.com","callDate":"2026-08-05T20:58:49Z","duration":63,"metadata":{"source":"aloware","n":1,"b":true}}`))
		if resp.status != http.StatusOK || !sameJSON(t, resp.body, []byte(`{"valid":true}`)) {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
	})
	t.Run("every violation at once", func(t *testing.T) {
		resp := post(t, srv.URL+"/validate", []byte(`{"repEmail":"bad","duration":"x","callDate":"yesterday","metadata":{"n":{}},"extra":1}`))
		if resp.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d: %s", resp.status, resp.body)
		}
		p := resp.problem(t)
		got := strings.Join(p.locations(), " ")
		for _, want := range []string{"body.repEmail", "body.duration", "body.callDate", "body.metadata.n", "body.extra"} {
			if !strings.Contains(got, want) {
				t.Errorf("locations %q lack %s", got, want)
			}
		}
		if !containsExact(p.locations(), "body") {
			t.Errorf("missing the transcript/audioUrl violation at body: %q", got)
		}
		for _, e := range p.Errors {
			if e.Message == "" {
				t.Errorf("empty message at %s", e.Location)
			}
		}
	})
	t.Run("exactly 5 MiB is accepted", func(t *testing.T) {
		prefix, suffix := `{"transcript":"`, `"}`
		body := []byte(prefix + strings.Repeat("a", 5<<20-len(prefix)-len(suffix)) + suffix)
		if len(body) != 5<<20 {
			t.Fatalf("built %d bytes", len(body))
		}
		if resp := post(t, srv.URL+"/validate", body); resp.status != http.StatusOK {
			t.Fatalf("a 5 MiB payload got %d: %s", resp.status, clip(resp.body))
		}
	})
}

func containsExact(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestMapTestPayloadIsIgnoredNotRefused(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	resp := post(t, srv.URL+"/map", []byte(`{"test_payload":true}`))
	if resp.status != http.StatusOK {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	if v := resp.json(t); v["ready"] != false || v["state"] != "ignored" {
		t.Errorf("got %s", resp.body)
	}
}
