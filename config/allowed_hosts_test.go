package config

import (
	"slices"
	"strings"
	"testing"
)

// --allowed-hosts (or its variable) lists the names answered besides loopback ones while
// no inbound credentials are set: names, "*.suffix" patterns, addresses and CIDR ranges.
func TestAllowedHosts(t *testing.T) {
	c, err := Parse([]string{"--allowed-hosts", " ak.example.com, *.internal.example,10.0.0.0/8 ,[fd00::1],ak.example.com:8443,"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ak.example.com", "*.internal.example", "10.0.0.0/8", "[fd00::1]", "ak.example.com:8443"}
	if got := c.AllowedHostList(); !slices.Equal(got, want) {
		t.Errorf("AllowedHostList() = %q, want %q", got, want)
	}
	c, err = Parse(nil, env("ALOWARE_KENDO_ALLOWED_HOSTS", "ak.example.com"))
	if err != nil || !slices.Equal(c.AllowedHostList(), []string{"ak.example.com"}) {
		t.Errorf("from the environment: %q, %v", c.AllowedHostList(), err)
	}
	if c, _ := Parse(nil, nil); c.AllowedHostList() != nil {
		t.Errorf("default: %q, want none", c.AllowedHostList())
	}
	for _, bad := range []string{"http://ak.example.com", "ak.example.com/path", "*", "*.", "a b", "*.*.example", "ak.example.com:port", "user@host"} {
		_, err := Parse([]string{"--allowed-hosts", "localhost," + bad}, nil)
		if err == nil || !strings.Contains(err.Error(), "--allowed-hosts:") {
			t.Errorf("--allowed-hosts %q: %v, want a problem naming the flag", bad, err)
		}
	}
}
