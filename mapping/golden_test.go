package mapping

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current results")

// goldenCase is one /map input: a fixture file, or a lifecycle directory given as one
// file per event (as `aloware-kendo map dir/*.json` would).
type goldenCase struct {
	name   string   // golden file name without .json
	inputs [][]byte // one raw per file
}

func goldenCases(t testing.TB) []goldenCase {
	t.Helper()
	var cases []goldenCase
	files, err := filepath.Glob(filepath.Join("..", "testdata", "aloware", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		cases = append(cases, goldenCase{strings.TrimSuffix(filepath.Base(f), ".json"), [][]byte{mustRead(t, f)}})
	}
	dirs, _ := filepath.Glob(filepath.Join("..", "testdata", "lifecycle", "*"))
	for _, d := range dirs {
		events, _ := filepath.Glob(filepath.Join(d, "*.json")) // sorted: 01-…, 02-…
		gc := goldenCase{name: "lifecycle-" + filepath.Base(d)}
		for _, e := range events {
			gc.inputs = append(gc.inputs, mustRead(t, e))
		}
		cases = append(cases, gc)
	}
	return cases
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestGolden(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			res, err := MapRawEvents(gc.inputs)
			if err != nil {
				t.Fatalf("MapRawEvents: %v", err)
			}
			if len(gc.inputs) == 1 {
				// MapRaw must agree with MapRawEvents for one input.
				res2, err := MapRaw(gc.inputs[0])
				if err != nil {
					t.Fatalf("MapRaw: %v", err)
				}
				if a, b := marshal(t, res), marshal(t, res2); !bytes.Equal(a, b) {
					t.Errorf("MapRaw and MapRawEvents differ:\n%s\n%s", a, b)
				}
			}
			checkResultInvariants(t, res)
			got := marshal(t, res)
			path := filepath.Join("..", "testdata", "golden", gc.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./mapping -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s (rerun with -update if intended)\n got: %s\nwant: %s", path, got, want)
			}
		})
	}
}

// checkResultInvariants holds for every Result: warnings never nil, a reason whenever
// not ready, and a ready payload that Kendo would accept.
func checkResultInvariants(t testing.TB, res Result) {
	t.Helper()
	if res.Warnings == nil {
		t.Error("Warnings is nil")
	}
	if res.Ready != (res.State == StateReady) {
		t.Errorf("Ready=%v but State=%q", res.Ready, res.State)
	}
	if !res.Ready && res.Reason == "" {
		t.Errorf("not ready (%s) without a reason", res.State)
	}
	if res.Ready {
		if res.Payload == nil {
			t.Fatal("ready without a payload")
		}
		raw, err := json.Marshal(res.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if v := kendo.Validate(raw); v != nil {
			t.Errorf("ready payload fails kendo.Validate: %v\n%s", v, raw)
		}
		for _, k := range []string{"source", "alowareCallId", "alowareContactId", "alowareCampaignId", "alowareDirection", "syncMethod"} {
			if _, ok := res.Payload.Metadata[k]; !ok {
				t.Errorf("metadata.%s missing", k)
			}
		}
	}
	if res.State == StateIgnored && res.Payload != nil {
		t.Error("ignored event has a payload")
	}
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}
