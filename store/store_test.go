package store

import (
	"strings"
	"testing"
)

// Shared migrations are written for SQLite; no SQLite-only spelling may survive in the
// PostgreSQL form, and the SQLite form is used as written.
func TestMigrationsForPostgres(t *testing.T) {
	pg, err := migrationsFor(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	lite, err := migrationsFor(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) != len(lite) {
		t.Fatalf("%d PostgreSQL migrations, %d SQLite ones: every version needs both", len(pg), len(lite))
	}
	for i, m := range pg {
		if m.version != lite[i].version {
			t.Fatalf("migration %d is %d on PostgreSQL, %d on SQLite", i, m.version, lite[i].version)
		}
		for _, sqliteOnly := range []string{"AUTOINCREMENT", " INTEGER", " BLOB"} {
			if strings.Contains(m.sql, sqliteOnly) {
				t.Errorf("PostgreSQL migration %04d still says %q", m.version, sqliteOnly)
			}
		}
	}
}
