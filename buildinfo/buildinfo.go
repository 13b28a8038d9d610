// Package buildinfo says which build of aloware-kendo is running: for the
// aloware_kendo_build_info metric (so a dashboard or an alert can tell versions apart
// during a rollout) and for the footer of the ops page.
package buildinfo

import (
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// Info is what the Go toolchain recorded in the binary.
type Info struct {
	Version   string // module version; "(devel)" for a build from a checkout
	Revision  string // VCS commit, "" when built without VCS stamping (-buildvcs=false)
	Modified  bool   // the working tree had uncommitted changes
	GoVersion string
}

// Read returns the binary's build information. It never fails: what the toolchain did
// not record is left at "unknown" (version) or "" (revision).
func Read() Info {
	info := Info{Version: "unknown", GoVersion: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// ShortRevision is the first 12 characters of the revision, "+dirty" when modified.
func (i Info) ShortRevision() string {
	r := i.Revision
	if len(r) > 12 {
		r = r[:12]
	}
	if r != "" && i.Modified {
		r += "+dirty"
	}
	return r
}

// Register adds aloware_kendo_build_info{version,revision,goversion} = 1 to reg.
func Register(reg prometheus.Registerer) {
	info := Read()
	revision := info.ShortRevision()
	if revision == "" {
		revision = "unknown"
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "aloware_kendo_build_info",
		Help:        "Always 1; the labels say which build is running.",
		ConstLabels: prometheus.Labels{"version": info.Version, "revision": revision, "goversion": info.GoVersion},
	})
	g.Set(1)
	reg.MustRegister(g)
}
