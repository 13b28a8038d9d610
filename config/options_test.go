package config

import (
	"flag"
	"reflect"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// The table of options is the one declaration of each flag: every Config field a flag
// sets has exactly one option, each option one field of a type the flag set takes, and
// no name is used twice.
func TestOptionsTable(t *testing.T) {
	var c Config
	base := reflect.ValueOf(&c).Elem()
	fieldOf := map[uintptr]string{}
	for i := range base.NumField() {
		fieldOf[base.Field(i).Addr().Pointer()] = base.Type().Field(i).Name
	}
	names, fields := map[string]bool{}, map[string]string{}
	for _, o := range options {
		if names[o.name] {
			t.Errorf("--%s is declared twice", o.name)
		}
		names[o.name] = true
		p := reflect.ValueOf(o.field(&c))
		field, ok := fieldOf[p.Pointer()]
		if !ok {
			t.Errorf("--%s sets no field of Config", o.name)
			continue
		}
		if other, dup := fields[field]; dup {
			t.Errorf("--%s and --%s both set Config.%s", o.name, other, field)
		}
		fields[field] = o.name
		if o.secret && o.def != "" {
			t.Errorf("--%s is a secret with a default", o.name)
		}
	}
	for i := range base.NumField() {
		name := base.Type().Field(i).Name
		if _, ok := fields[name]; !ok && name != "Rate" && name != "Router" {
			t.Errorf("Config.%s has no flag", name)
		}
	}
	newFlagSet(&c) // panics on a field type the flag set does not take, or a default that does not parse
}

// The flags' defaults are the engine's and the send rules' own: with no flag and no
// environment, serve runs the engine as delivery.Options would default it.
func TestDefaultsAreTheEnginesOwn(t *testing.T) {
	c, err := Parse(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][2]time.Duration{
		"settle":             {c.Settle, delivery.DefaultSettle},
		"artifact-wait":      {c.ArtifactWait, delivery.DefaultArtifactWait},
		"retry-horizon":      {c.RetryHorizon, delivery.DefaultRetryHorizon},
		"kendo-timeout":      {c.KendoTimeout, delivery.DefaultKendoTimeout},
		"rescue-after":       {c.RescueAfter, delivery.DefaultRescueAfter},
		"retain":             {c.Retain, delivery.DefaultRetain},
		"key-probe-interval": {c.KeyProbeInterval, delivery.DefaultProbeEvery},
		"min-talk-time":      {c.MinTalkTime, mapping.DefaultMinTalkTime},
	} {
		if got[0] != got[1] {
			t.Errorf("--%s defaults to %s, the engine to %s", name, got[0], got[1])
		}
	}
	eq(t, c.QuarantineMaxMB, delivery.DefaultQuarantineMaxMiB)
}

// backup and restore take serve's --db: its default, its environment variable, and the
// flag over both.
func TestBindDB(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		args      []string
		want      string
	}{
		{"default", "", nil, DefaultDB},
		{"environment", "sqlite:/tmp/env.db", nil, "sqlite:/tmp/env.db"},
		{"flag wins", "sqlite:/tmp/env.db", []string{"--db", "sqlite:/tmp/flag.db"}, "sqlite:/tmp/flag.db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("backup", flag.ContinueOnError)
			db := BindDB(fs, env("ALOWARE_KENDO_DB", tc.env), "the database")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			eq(t, *db, tc.want)
		})
	}
}
