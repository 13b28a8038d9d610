package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// The ops page of the real service shows the checks `aloware-kendo check` prints: the
// database, the Kendo key (probed with a body Kendo refuses: no call is created), the
// Aloware token, inbound auth, the teams file and the send rules in force.
func TestOpsPageShowsThePreflightChecks(t *testing.T) {
	t.Parallel()
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", "pk_test_ops_checks")
	resp, err := http.Get(p.base + "/ui/checks") // loopback, no credentials set: served
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/ui/checks: %d %s", resp.StatusCode, body)
	}
	page := string(body)
	for _, want := range []string{"database writable", "kendo key", "was not refused", "aloware", "inbound auth", "teams file", "send rules", "min talk time 10s", "All 6 checks passed"} {
		if !strings.Contains(strings.ToLower(page), strings.ToLower(want)) {
			t.Errorf("the checks page lacks %q:\n%s", want, page)
		}
	}
	if len(k.Emu.Calls()) != 0 {
		t.Fatal("the key check created a call in Kendo")
	}
	if strings.Contains(page, "pk_test_ops_checks") {
		t.Fatal("the checks page shows the Kendo key")
	}
}
