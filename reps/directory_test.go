package reps_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/reps"
)

func newDir(t *testing.T, f *fakeAloware, o reps.Options) *reps.Directory {
	t.Helper()
	if f != nil {
		o.BaseURL = f.URL
	}
	if o.Token == "" {
		o.Token = testToken
	}
	if o.Logger == nil {
		o.Logger, _ = newLogger()
	}
	return reps.NewDirectory(o)
}

func TestResolveFromUsersAPI(t *testing.T) {
	f := newFakeAloware(t, sam(), map[string]any{"id": "120777", "name": "Str Id", "email": "str@aloware.example"})
	d := newDir(t, f, reps.Options{})
	if err := d.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                 string
		userID, nm, email    string
		want                 reps.Rep
		wantWarningContained string
	}{
		{name: "fills name and email", userID: "120776",
			want: reps.Rep{Name: "Sam Agent", Email: "sam@aloware.example", Source: reps.SourceUsersAPI}},
		{name: "string id from the API", userID: "120777",
			want: reps.Rep{Name: "Str Id", Email: "str@aloware.example", Source: reps.SourceUsersAPI}},
		{name: "keeps the event's name", userID: "120776", nm: "Sammy",
			want: reps.Rep{Name: "Sammy", Email: "sam@aloware.example", Source: reps.SourceUsersAPI}},
		{name: "event email wins", userID: "120776", nm: "Other", email: "other@x.example",
			want: reps.Rep{Name: "Other", Email: "other@x.example", Source: reps.SourceEvent}},
		{name: "unknown user warns", userID: "999", nm: "Ghost",
			want: reps.Rep{Name: "Ghost", Source: reps.SourceEvent}, wantWarningContained: "999 not found"},
		{name: "no user id, nothing to do", want: reps.Rep{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Resolve(tt.userID, tt.nm, tt.email)
			warn := got.Warning
			got.Warning = ""
			if got != tt.want {
				t.Errorf("Resolve = %+v, want %+v", got, tt.want)
			}
			if tt.wantWarningContained == "" && warn != "" || !strings.Contains(warn, tt.wantWarningContained) {
				t.Errorf("warning %q, want one containing %q", warn, tt.wantWarningContained)
			}
		})
	}
}

func TestCachesWithinTTL(t *testing.T) {
	f := newFakeAloware(t, sam())
	d := newDir(t, f, reps.Options{TTL: time.Hour})
	d.Start(t.Context())
	d.Start(t.Context()) // a second Start must not add a second loop
	eventually(t, "first load", func() bool { return d.Resolve("120776", "", "").Email != "" })
	for range 100 {
		d.Resolve("120776", "", "")
	}
	time.Sleep(50 * time.Millisecond)
	if n := f.requests.Load(); n != 1 {
		t.Fatalf("Users API requests = %d, want 1", n)
	}
}

func TestRefreshesAfterTTL(t *testing.T) {
	f := newFakeAloware(t, sam())
	d := newDir(t, f, reps.Options{TTL: 30 * time.Millisecond})
	d.Start(t.Context())
	eventually(t, "first load", func() bool { return d.Resolve("120776", "", "").Email == "sam@aloware.example" })
	f.setUsers(map[string]any{"id": 120776, "name": "Sam Agent", "email": "sam.new@aloware.example"})
	eventually(t, "refresh", func() bool { return d.Resolve("120776", "", "").Email == "sam.new@aloware.example" })
	if n := f.requests.Load(); n < 2 {
		t.Fatalf("Users API requests = %d, want at least 2", n)
	}
}

func TestKeepsLastGoodCopy(t *testing.T) {
	f := newFakeAloware(t, sam())
	log, logs := newLogger()
	d := newDir(t, f, reps.Options{Logger: log})
	if err := d.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	for mode, wantErr := range map[string]string{"fail": "status 502", "html": "not JSON"} {
		f.setMode(mode)
		err := d.Refresh(t.Context())
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%s: Refresh error %v, want one containing %q", mode, err, wantErr)
		}
		got := d.Resolve("120776", "", "")
		if got.Email != "sam@aloware.example" || got.Warning != "" {
			t.Fatalf("%s: Resolve = %+v, want the last good copy without a warning", mode, got)
		}
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("no warning logged:\n%s", logs)
	}
}

func TestWrongTokenAndNeverLoaded(t *testing.T) {
	f := newFakeAloware(t, sam())
	d := newDir(t, f, reps.Options{Token: "wrong"})
	got := d.Resolve("120776", "Sam", "")
	if got.Name != "Sam" || got.Email != "" || got.Warning != "rep lookup unavailable: Aloware users not loaded yet" {
		t.Fatalf("before any load: %+v", got)
	}
	if err := d.Refresh(t.Context()); err == nil || !strings.Contains(err.Error(), "status 401") {
		t.Fatalf("Refresh error %v, want status 401", err)
	}
	if w := d.Resolve("120776", "", "").Warning; !strings.Contains(w, "rep lookup unavailable: ") || !strings.Contains(w, "401") {
		t.Fatalf("warning %q should carry the last error", w)
	}
	// The event's own email needs no lookup, so nothing to warn about.
	if w := d.Resolve("120776", "", "sam@x.example").Warning; w != "" {
		t.Fatalf("unexpected warning %q", w)
	}
}

func TestUnreachableAPINeverBlocks(t *testing.T) {
	f := newFakeAloware(t, sam())
	f.setMode("slow")
	d := newDir(t, f, reps.Options{})
	d.Start(t.Context())
	eventually(t, "request in flight", func() bool { return f.requests.Load() == 1 })
	start := time.Now()
	got := d.Resolve("120776", "Sam", "")
	if el := time.Since(start); el > 100*time.Millisecond {
		t.Fatalf("Resolve took %v while the API hangs", el)
	}
	if !strings.HasPrefix(got.Warning, "rep lookup unavailable") || got.Name != "Sam" {
		t.Fatalf("Resolve = %+v", got)
	}

	// A host that refuses connections: the failure lands in the warning.
	closed := newFakeAloware(t)
	closed.Close()
	d = newDir(t, closed, reps.Options{})
	if err := d.Refresh(t.Context()); err == nil {
		t.Fatal("Refresh against a closed server succeeded")
	}
	if w := d.Resolve("1", "", "").Warning; !strings.Contains(w, "connect") {
		t.Fatalf("warning %q should say why", w)
	}
}

func TestEmailMap(t *testing.T) {
	f := newFakeAloware(t, sam())
	emailMap := map[string]string{
		"120776":               "sam@team.example",
		"Alex@Aloware.Example": "alex@team.example",
	}
	d := newDir(t, f, reps.Options{EmailMap: emailMap})
	if err := d.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	noToken := reps.NewDirectory(reps.Options{EmailMap: emailMap})
	passThrough := reps.NewDirectory(reps.Options{})
	var nilDir *reps.Directory
	tests := []struct {
		name              string
		d                 *reps.Directory
		userID, nm, email string
		want              reps.Rep
	}{
		{"id maps after API fill", d, "120776", "", "",
			reps.Rep{Name: "Sam Agent", Email: "sam@team.example", Source: reps.SourceEmailMap}},
		{"id beats the event email", d, "120776", "Sam", "sam@aloware.example",
			reps.Rep{Name: "Sam", Email: "sam@team.example", Source: reps.SourceEmailMap}},
		{"email, case-insensitive", d, "5", "Alex", "ALEX@aloware.example",
			reps.Rep{Name: "Alex", Email: "alex@team.example", Source: reps.SourceEmailMap}},
		{"no token, map by id", noToken, "120776", "Sam", "",
			reps.Rep{Name: "Sam", Email: "sam@team.example", Source: reps.SourceEmailMap}},
		{"no token, unmapped", noToken, "42", "Kim", "",
			reps.Rep{Name: "Kim", Source: reps.SourceEvent}},
		{"pass-through", passThrough, "120776", " Sam ", "sam@aloware.example",
			reps.Rep{Name: "Sam", Email: "sam@aloware.example", Source: reps.SourceEvent}},
		{"nil directory", nilDir, "120776", "Sam", "",
			reps.Rep{Name: "Sam", Source: reps.SourceEvent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Resolve(tt.userID, tt.nm, tt.email); got != tt.want {
				t.Errorf("Resolve = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestTokenNeverLeaks drives every failure path and checks errors, warnings
// and log lines for the token in raw and escaped form.
func TestTokenNeverLeaks(t *testing.T) {
	f := newFakeAloware(t, sam())
	log, logs := newLogger()
	var texts []string
	check := func(d *reps.Directory, ctx context.Context) {
		if err := d.Refresh(ctx); err != nil {
			texts = append(texts, err.Error())
		}
		texts = append(texts, d.Resolve("120776", "", "").Warning)
	}
	dir := func(base string) *reps.Directory {
		return reps.NewDirectory(reps.Options{BaseURL: base, Token: testToken, Logger: log})
	}
	for _, mode := range []string{"fail", "html"} {
		f.setMode(mode)
		check(dir(f.URL), t.Context())
	}
	f.setMode("slow")
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	check(dir(f.URL), ctx)
	cancel()
	closed := newFakeAloware(t)
	closed.Close()
	check(dir(closed.URL), t.Context())
	check(dir("http://[::1"), t.Context()) // unparsable: url.Parse errors quote the whole URL
	check(dir("ftp://x.invalid"), t.Context())

	all := strings.Join(texts, "\n") + "\n" + logs.String()
	for _, secret := range []string{testToken, url.QueryEscape(testToken), "s3cr3t"} {
		if strings.Contains(all, secret) {
			t.Fatalf("token form %q leaked:\n%s", secret, all)
		}
	}
	if !strings.Contains(all, "api_token=REDACTED") {
		t.Fatalf("expected redacted URLs in the output:\n%s", all)
	}
	t.Logf("what an operator sees:\n%s", all)
}

// NameOf names the person an e-mail sent to Kendo belongs to: the Users API's user with
// that e-mail, or the user the e-mail map points at it.
func TestNameOf(t *testing.T) {
	f := newFakeAloware(t, sam(), map[string]any{"id": "120777", "name": "Str Id", "email": "str@aloware.example"})
	d := newDir(t, f, reps.Options{EmailMap: map[string]string{"120777": "str.id@kendo.example", "nobody@x.example": "n@kendo.example"}})
	if err := d.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	for email, want := range map[string]string{
		"sam@aloware.example":   "Sam Agent",
		" SAM@aloware.example ": "Sam Agent",
		"str.id@kendo.example":  "Str Id",
		"n@kendo.example":       "", // mapped from an e-mail no user has
		"other@x.example":       "",
		"":                      "",
	} {
		if got := d.NameOf(email); got != want {
			t.Errorf("NameOf(%q) = %q, want %q", email, got, want)
		}
	}
	if got := (*reps.Directory)(nil).NameOf("sam@aloware.example"); got != "" {
		t.Errorf("nil directory: %q", got)
	}
}
