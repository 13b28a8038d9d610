package schema

import "testing"

func TestKendoPayloadSchemaCompiles(t *testing.T) {
	if KendoPayloadSchema() == nil {
		t.Fatal("nil schema")
	}
	first, second := KendoPayloadSchema(), KendoPayloadSchema()
	if first != second {
		t.Fatal("schema compiled more than once")
	}
}

func TestIsEmail(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"agent@example.com", true},
		{"a.b+c@sub.example.co", true},
		{"not-an-email", false},
		{"", false},
		{"a@", false},
		{"@example.com", false},
		{"a@localhost", false},
		{"a@example.c0m", false},
		{"a..b@example.com", false},
		{"a b@example.com", false},
	} {
		if got := IsEmail(tc.in); got != tc.want {
			t.Errorf("IsEmail(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestIsAudioURL(t *testing.T) {
	for url, want := range map[string]bool{
		"https://app.aloware.io/static/recording/x": true,
		"http://r.example/a.mp3":                    true,
		"https://":                                  false,
		"ftp://r.example/a":                         false,
		"HTTPS://r.example/a":                       false,
		"/static/a.mp3":                             false,
		"":                                          false,
	} {
		if got := IsAudioURL(url); got != want {
			t.Errorf("IsAudioURL(%q) = %v, want %v", url, got, want)
		}
	}
}

func TestTeamsFileSchemaCompiles(t *testing.T) {
	first, again := TeamsFileSchema(), TeamsFileSchema()
	if first == nil || first != again {
		t.Fatal("teams file schema not compiled exactly once")
	}
}
