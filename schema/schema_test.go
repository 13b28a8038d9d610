package schema

import "testing"

func TestKendoPayloadSchemaCompiles(t *testing.T) {
	if KendoPayloadSchema() == nil {
		t.Fatal("nil schema")
	}
	if KendoPayloadSchema() != KendoPayloadSchema() {
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
	} {
		if got := IsEmail(tc.in); got != tc.want {
			t.Errorf("IsEmail(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
