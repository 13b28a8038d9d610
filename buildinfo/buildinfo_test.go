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
