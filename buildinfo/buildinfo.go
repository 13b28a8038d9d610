// Package buildinfo says which build of aloware-kendo is running: for the
// aloware_kendo_build_info metric (so a dashboard or an alert can tell versions apart
// during a rollout) and for the footer of the ops page.
package buildinfo

import (
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// version and revision are stamped by the linker (the Dockerfile passes its VERSION and
// REVISION build arguments so):
//
//	go build -ldflags "-X github.com/aloware-kendo/aloware-kendo/buildinfo.version=v1.2.0
//	                   -X github.com/aloware-kendo/aloware-kendo/buildinfo.revision=$(git rev-parse HEAD)"
//
// An image is built without .git, so the toolchain's own VCS stamping has nothing to read
// there; outside one, a plain `go build` in a checkout reports the tag of a tagged commit.
var (
	version  string
	revision string
)

// Info is what the build recorded in the binary.
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
	return stamped(info, version, revision)
}

// stamped lets the linker-stamped version and revision win over the toolchain's. The
// toolchain's "modified" still holds only when it describes the same revision.
func stamped(info Info, version, revision string) Info {
	if version != "" {
		info.Version = version
	}
	if revision != "" {
		if revision != info.Revision {
			info.Modified = false
		}
		info.Revision = revision
	}
	return info
}

// String is the line `aloware-kendo version` prints.
func (i Info) String() string {
	r := i.ShortRevision()
	if r == "" {
		r = "unknown"
	}
	return "aloware-kendo " + i.Version + " (revision " + r + ", " + i.GoVersion + ")"
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
