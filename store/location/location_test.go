package location

import (
	"strings"
	"testing"
)

// Every credential form of a PostgreSQL location is hidden, wherever it sits.
func TestRedactHidesEveryCredentialForm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:s3cr3t@db:5432/ak", "postgres://u:xxxxx@db:5432/ak"},
		{"postgres://u@db/ak?password=s3cr3t&sslmode=require", "postgres://u@db/ak?password=xxxxx&sslmode=require"},
		{"postgresql://u@db/ak?PassWord=s3cr3t", "postgresql://u@db/ak?PassWord=xxxxx"},
		{"postgres://u@db/ak?sslpassword=s3cr3t&sslkey=/k.pem", "postgres://u@db/ak?sslkey=%2Fk.pem&sslpassword=xxxxx"},
		{"postgres://u:a@db/ak?password=b", "postgres://u:xxxxx@db/ak?password=xxxxx"},
		{"host=db user=u password=s3cr3t dbname=ak", "host=db user=u password=xxxxx dbname=ak"},
		{"host=db password='s3 cr3t' dbname=ak", "host=db password=xxxxx dbname=ak"},
		{"sqlite:./data/ak.db", "sqlite:./data/ak.db"},
	}
	for _, tt := range tests {
		got := Redact(tt.in)
		if got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "s3cr3t") || strings.Contains(got, "s3 cr3t") {
			t.Errorf("Redact(%q) leaks the password: %q", tt.in, got)
		}
	}
}

// url.Query drops every pair it cannot decode (a ';' separator, a bad % escape), so a
// password sitting in such a pair would never be found by its key: a query that does not
// decode whole is hidden whole.
func TestRedactHidesAQueryItCannotDecode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u@db/ak?sslmode=disable&password=abc;SEMISECRET", "postgres://u@db/ak?xxxxx"},
		{"postgres://u@db/ak?password=abc;SEMISECRET&sslmode=disable", "postgres://u@db/ak?xxxxx"},
		{"postgres://u@db/ak?sslmode=disable&password=Summer%SunSECRET", "postgres://u@db/ak?xxxxx"},
		{"postgres://u:pw@db/ak?password=Summer%SunSECRET", "postgres://u:xxxxx@db/ak?xxxxx"},
		{"postgres://u@db/ak?sslmode=disable;password=SECRET", "postgres://u@db/ak?xxxxx"},
		{"postgres://u@db/ak?PASSWORD=%zzSECRET", "postgres://u@db/ak?xxxxx"},
	}
	for _, tt := range tests {
		got := Redact(tt.in)
		if got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "SECRET") {
			t.Errorf("Redact(%q) leaks the password: %q", tt.in, got)
		}
	}
}

// The values of an undecodable query are still scrubbed from a driver's message, in the
// raw form the location holds.
func TestScrubRemovesSecretsOfAnUndecodableQuery(t *testing.T) {
	loc := "postgres://u@db/ak?sslmode=disable&password=Summer%SunSECRET&sslpassword=abc;SEMISECRET"
	msg := "cannot parse: password Summer%SunSECRET, sslpassword abc;SEMISECRET"
	got := Scrub(msg, loc)
	if strings.Contains(got, "SECRET") {
		t.Fatalf("%q still holds a password", got)
	}
}

func TestScrubRemovesSecretsFromDriverMessages(t *testing.T) {
	loc := "postgres://u:pw%2Fx@db/ak?password=q1&sslpassword=q2"
	msg := "failed to connect: password pw/x (pw%2Fx) q1 q2 wrong"
	got := Scrub(msg, loc)
	for _, s := range []string{"pw/x", "pw%2Fx", "q1", "q2"} {
		if strings.Contains(got, s) {
			t.Fatalf("%q still holds %q", got, s)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, ok := range []string{"sqlite:./x.db", "sqlite:///abs/x.db", "postgres://u@h/db", "postgresql://u:p@h:5432/db?sslmode=disable"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "sqlite:", "mysql://h/db", "postgres://", "justapath"} {
		if err := Check(bad); err == nil {
			t.Errorf("Check(%q) accepted", bad)
		}
	}
	if err := Check("postgres://u:s3cr3t@/db"); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("Check must refuse without echoing the password: %v", err)
	}
}

func TestSQLitePath(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"sqlite:./data/ak.db", "./data/ak.db", true},
		{"sqlite:///var/lib/ak/ak.db", "/var/lib/ak/ak.db", true},
		{"sqlite:/var/lib/ak/ak.db", "/var/lib/ak/ak.db", true},
		{"postgres://u@h/db", "", false},
	} {
		if got, ok := SQLitePath(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("SQLitePath(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
