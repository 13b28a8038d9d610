package reps_test

import (
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/reps"
)

func TestAttribute(t *testing.T) {
	tests := []struct {
		name             string
		sent, known      string
		want             reps.State
		warningContained string
	}{
		{"sent", "sam@team.example", "sam@team.example", reps.Mapped, ""},
		{"map replaced a bad one", "sam@team.example", "not-an-email", reps.Mapped, ""},
		{"known and dropped", "", "sam at team", reps.Invalid, "dropped because Kendo refuses it"},
		{"none known", "", "", reps.Missing, "no e-mail is known"},
		{"blank is none", " ", " ", reps.Missing, "no e-mail is known"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := reps.Attribute(tt.sent, tt.known)
			if got != tt.want {
				t.Fatalf("Attribute(%q, %q) = %q, want %q", tt.sent, tt.known, got, tt.want)
			}
			w := reps.Warning(got, "120776", "")
			if tt.warningContained == "" && w != "" || !strings.Contains(w, tt.warningContained) {
				t.Errorf("warning %q, want one containing %q", w, tt.warningContained)
			}
			if tt.warningContained != "" && !strings.Contains(w, "map Aloware user 120776 in --rep-email-map") {
				t.Errorf("warning %q does not say what to fix", w)
			}
		})
	}
}

func TestCredited(t *testing.T) {
	tests := []struct {
		sent, kendo string
		also        []string // other names of the rep (the rep lookup's name for the e-mail sent)
		want        bool
	}{
		{"Sam Carter", "Sam Carter", nil, true},
		{"Sam  Carter", "sam carter", nil, true},
		{" Sam\tCarter ", "SAM CARTER", nil, true},
		{"José Núñez", "Jose Nunez", nil, true},
		{"Zoë O'Brien", "zoe o'brien", nil, true},
		{"Ａｎａ Ｄíaz", "Ana Diaz", nil, true}, // full-width letters fold too
		{"Sam Carter", "Alex Kim", nil, false},
		{"Sam Carter", "Sam Carters", nil, false},
		{"Sam Carter", "", nil, false},
		{"", "", nil, false},
		{"", "Sam Carter", nil, true}, // only an e-mail was sent: Kendo's match is the credit
		{"Sam", "Samuel Carter", []string{"Samuel Carter"}, true},
		{"Sam", "Samuel  carter", []string{"", "Samuel Cárter"}, true},
		{"Sam", "Alex Kim", []string{"Samuel Carter"}, false},
		{"Sam Carter", "", []string{"Samuel Carter"}, false},
	}
	for _, tt := range tests {
		if got := reps.Credited(tt.sent, tt.kendo, tt.also...); got != tt.want {
			t.Errorf("Credited(%q, %q, %q) = %t, want %t", tt.sent, tt.kendo, tt.also, got, tt.want)
		}
	}
}
