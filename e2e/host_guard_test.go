package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// The real binary without credentials: a request addressed to a name that is not this
// machine's (a DNS name rebound to 127.0.0.1) gets 421, on the ops page as on the API;
// --allowed-hosts (or its variable) adds names; probes reach /healthz under any name.
func TestHostGuardOfTheBinary(t *testing.T) {
	t.Parallel()
	p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", "http://127.0.0.1:1/push-api/ingest",
		"--kendo-api-key", "pk_test_x", "--allowed-hosts", "ak.example.com,10.0.0.0/8")
	status := func(path, host string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, p.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	port := p.base[strings.LastIndex(p.base, ":"):]
	for _, tt := range []struct {
		path, host string
		want       int
	}{
		{"/ui", "evil.example", http.StatusMisdirectedRequest},
		{"/calls", "rebind.attacker.test" + port, http.StatusMisdirectedRequest},
		{"/ui", "localhost" + port, http.StatusOK},
		{"/calls", "127.0.0.1" + port, http.StatusOK},
		{"/calls", "ak.example.com", http.StatusOK},
		{"/calls", "10.244.0.7" + port, http.StatusOK},
		{"/healthz", "evil.example", http.StatusOK},
		{"/readyz", "192.168.7.7:8080", http.StatusOK},
	} {
		if got := status(tt.path, tt.host); got != tt.want {
			t.Errorf("GET %s with Host %s: %d, want %d", tt.path, tt.host, got, tt.want)
		}
	}
}
