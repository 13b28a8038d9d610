package refusal_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/refusal"
)

// Every sentinel the engine's operator actions and reads return has exactly one row,
// found through the wrapping a caller may add, with a status of the caller's mistake
// (4xx) and words for both the API and the page.
func TestEveryEngineRefusalHasOneRow(t *testing.T) {
	sentinels := []error{delivery.ErrNotFound, delivery.ErrPurged, delivery.ErrOutcomeUnknown,
		delivery.ErrNotRedeliverable, delivery.ErrNotSkippable, delivery.ErrBadCursor, delivery.ErrNotQuarantined}
	if got := len(refusal.All()); got != len(sentinels) {
		t.Errorf("%d rows for %d sentinels", got, len(sentinels))
	}
	codes := map[string]bool{}
	for _, err := range sentinels {
		t.Run(err.Error(), func(t *testing.T) {
			r, ok := refusal.Of(fmt.Errorf("redeliver 940868616: %w", err))
			switch {
			case !ok || r.Err != err:
				t.Fatalf("Of: %+v, %t", r, ok)
			case r.Status < 400 || r.Status > 499:
				t.Errorf("status %d: a refusal is the caller's to act on, a 4xx", r.Status)
			case r.Code == "" || r.Summary == "" || r.Notice == "":
				t.Errorf("a row without its words: %+v", r)
			case codes[r.Code]:
				t.Errorf("code %q used twice", r.Code)
			}
			codes[r.Code] = true
			if back, ok := refusal.ByCode(r.Code); !ok || back.Err != err {
				t.Errorf("ByCode(%q): %+v, %t", r.Code, back, ok)
			}
		})
	}
}

func TestAnythingElseIsTheEngineFailing(t *testing.T) {
	for _, err := range []error{nil, io.ErrUnexpectedEOF, errors.New("database is locked")} {
		if r, ok := refusal.Of(err); ok {
			t.Errorf("Of(%v) = %+v: an engine failure read as a refusal", err, r)
		}
	}
	if r, ok := refusal.ByCode("engine"); ok {
		t.Errorf("ByCode(engine) = %+v", r)
	}
}
