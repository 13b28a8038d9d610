package buildinfo

import (
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterExposesOneBuildInfoSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	Register(reg)
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || mfs[0].GetName() != "aloware_kendo_build_info" || len(mfs[0].GetMetric()) != 1 {
		t.Fatalf("gathered %v, %v", mfs, err)
	}
	m := mfs[0].GetMetric()[0]
	if m.GetGauge().GetValue() != 1 {
		t.Errorf("value %v, want 1", m.GetGauge().GetValue())
	}
	labels := map[string]string{}
	for _, l := range m.GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if len(labels) != 3 || labels["goversion"] != runtime.Version() || labels["version"] == "" || labels["revision"] == "" {
		t.Errorf("labels %v", labels)
	}
}

func TestShortRevision(t *testing.T) {
	for _, tt := range []struct {
		in   Info
		want string
	}{
		{Info{}, ""},
		{Info{Revision: "03d2bc4"}, "03d2bc4"},
		{Info{Revision: "03d2bc4e1b6db3a475aeda0742fb3"}, "03d2bc4e1b6d"},
		{Info{Revision: "03d2bc4e1b6db3a475aeda0742fb3", Modified: true}, "03d2bc4e1b6d+dirty"},
	} {
		if got := tt.in.ShortRevision(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStampedWinsOverTheToolchain(t *testing.T) {
	vcs := Info{Version: "(devel)", Revision: "03d2bc4e1b6db3a475aeda0742fb3", Modified: true, GoVersion: "go1.26.8"}
	for _, tt := range []struct {
		name              string
		version, revision string
		want              Info
	}{
		{"nothing stamped", "", "", vcs},
		{"a tag and another revision", "v1.4.0", "9f1e2d3c4b5a69788", Info{Version: "v1.4.0", Revision: "9f1e2d3c4b5a69788", GoVersion: "go1.26.8"}},
		{"the same revision keeps modified", "v1.4.0", vcs.Revision, Info{Version: "v1.4.0", Revision: vcs.Revision, Modified: true, GoVersion: "go1.26.8"}},
		{"no VCS at all (an image)", "v1.4.0", "9f1e2d3", Info{Version: "v1.4.0", Revision: "9f1e2d3", GoVersion: "go1.26.8"}},
	} {
		base := vcs
		if tt.name == "no VCS at all (an image)" {
			base = Info{Version: "(devel)", GoVersion: "go1.26.8"}
		}
		if got := stamped(base, tt.version, tt.revision); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if got := (Info{Version: "v1.4.0", Revision: "9f1e2d3c4b5a69788", GoVersion: "go1.26.8"}).String(); got != "aloware-kendo v1.4.0 (revision 9f1e2d3c4b5a, go1.26.8)" {
		t.Errorf("String: %q", got)
	}
}
