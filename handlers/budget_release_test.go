package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

// A /push?wait= gives its body budget back as soon as its event is stored: two 2 MB
// events of calls still waiting for their other events wait for a delivery that will
// not come, and a third push of that size still fits in a 5 MiB budget.
func TestWaitingPushReleasesItsBodyBudget(t *testing.T) {
	stopping := make(chan struct{})
	st := newStack(t, stackOptions{settle: time.Hour, bodyMemory: 5 << 20, stopping: stopping})
	t.Cleanup(func() { close(stopping) }) // ends the waits before the server closes

	waiting := make(chan response, 2)
	for i := range 2 {
		id := fmt.Sprint(970000000 + i)
		raw := bigRecording(id, 2_000_000)
		go func() { waiting <- post(t, st.srv.URL+"/push?wait=2m", raw) }()
		testenv.WaitFor(t, 30*time.Second, "the waiting push "+id+" is stored", func() bool {
			return get(t, st.srv.URL+"/calls/"+id).status == http.StatusOK
		})
	}
	third := post(t, st.srv.URL+"/push", bigRecording("970000009", 2_000_000))
	if third.status != http.StatusAccepted {
		t.Errorf("a push while two stored events wait: %d, want 202: %s", third.status, clip(third.body))
	}
	select {
	case resp := <-waiting:
		t.Errorf("a waiting push answered before its wait ended: %d %s", resp.status, clip(resp.body))
	default:
	}
}

// bigRecording is a Recording-Saved of call id, padded to n bytes by a field the
// service does not read: a call that still waits for its other events.
func bigRecording(id string, n int) []byte {
	prefix, suffix := `{"event":"Recording-Saved","body":{"id":`+id+`,"type":1,"direction":1,"pad":"`, `"}}`
	return []byte(prefix + strings.Repeat("a", n-len(prefix)-len(suffix)) + suffix)
}
