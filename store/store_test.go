package store

import (
	"strings"
	"testing"
)

// The PostgreSQL schema is derived from the SQLite one; no SQLite-only spelling may survive.
func TestSchemaForPostgres(t *testing.T) {
	pg := schemaFor(Postgres)
	for _, sqliteOnly := range []string{"AUTOINCREMENT", " INTEGER"} {
		if strings.Contains(pg, sqliteOnly) {
			t.Errorf("PostgreSQL schema still says %q", sqliteOnly)
		}
	}
	if got := strings.Count(pg, "BIGSERIAL PRIMARY KEY"); got != strings.Count(schema, "AUTOINCREMENT") {
		t.Errorf("%d BIGSERIAL keys for %d AUTOINCREMENT keys", got, strings.Count(schema, "AUTOINCREMENT"))
	}
	if schemaFor(SQLite) != schema {
		t.Error("the SQLite schema must be used as written")
	}
}
