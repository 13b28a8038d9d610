package delivery

import (
	"reflect"
	"testing"
	"time"
)

// Every option left zero takes its default, a negative one too; the bounds between
// options hold whatever was asked.
func TestOptionsWithDefaults(t *testing.T) {
	defaults := Options{Settle: 0, Grace: 0, ArtifactWait: DefaultArtifactWait, RetryHorizon: DefaultRetryHorizon,
		KendoTimeout: DefaultKendoTimeout, RescueAfter: DefaultRescueAfter, ProbeEvery: DefaultProbeEvery, Retain: DefaultRetain,
		QuarantineMaxBytes: DefaultQuarantineMaxMiB << 20, MaxCallRawBytes: DefaultMaxCallRawBytes,
		AnalysisExpectedWithin: DefaultAnalysisExpectedWithin, NotifyInterval: DefaultNotifyInterval}
	for _, tc := range []struct {
		name string
		in   Options
		want Options
	}{
		{"zero: every default; no settle, so no grace", Options{}, defaults},
		{"negative: the defaults", Options{Settle: -time.Second, Grace: -1, ArtifactWait: -1, RetryHorizon: -1, KendoTimeout: -1,
			RescueAfter: -1, ProbeEvery: -1, Retain: -1, QuarantineMaxBytes: -1, MaxCallRawBytes: -1}, defaults},
		{"a settle time: the default grace within it", Options{Settle: time.Minute},
			with(defaults, func(o *Options) { o.Settle, o.Grace = time.Minute, DefaultGrace })},
		{"grace never past the settle time", Options{Settle: 2 * time.Second, Grace: 10 * time.Second},
			with(defaults, func(o *Options) { o.Settle, o.Grace = 2*time.Second, 2*time.Second })},
		{"given values kept", Options{Settle: time.Hour, Grace: time.Minute, ArtifactWait: 1, RetryHorizon: 2, KendoTimeout: time.Second,
			RescueAfter: time.Hour, ProbeEvery: 3, Retain: 4, QuarantineMaxBytes: 5, MaxCallRawBytes: 6},
			Options{Settle: time.Hour, Grace: time.Minute, ArtifactWait: 1, RetryHorizon: 2, KendoTimeout: time.Second,
				RescueAfter: time.Hour, ProbeEvery: 3, Retain: 4, QuarantineMaxBytes: 5, MaxCallRawBytes: 6,
				AnalysisExpectedWithin: DefaultAnalysisExpectedWithin, NotifyInterval: DefaultNotifyInterval}},
		{"a rescue never before the job's timeout and a margin", Options{KendoTimeout: time.Minute, RescueAfter: time.Second},
			with(defaults, func(o *Options) { o.KendoTimeout, o.RescueAfter = time.Minute, time.Minute+15*time.Second })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.withDefaults()
			if got.Teams == nil || got.Logger == nil || got.Registerer == nil || got.Now == nil {
				t.Errorf("teams, logger, registerer or clock left nil: %+v", got)
			}
			got.Teams, got.Logger, got.Registerer, got.Now = nil, nil, nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("withDefaults\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func with(o Options, change func(*Options)) Options {
	change(&o)
	return o
}
