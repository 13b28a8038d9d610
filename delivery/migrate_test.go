package delivery_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// With a separate migrate step, the engine opens a migrated database without changing
// it, refuses one that lacks a migration, and works once Migrate has run.
func TestSkipMigrationsNeedsTheMigrateStep(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			loc := db(t)
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			_, err := delivery.Open(context.Background(), delivery.Options{DB: loc, KendoURL: k.URL(), SkipMigrations: true,
				Teams: teams.Single(testKey, kendo.Rate{Limit: 30, Period: time.Minute}), Logger: slog.New(slog.DiscardHandler)})
			if !errors.Is(err, store.ErrNotMigrated) || !strings.Contains(err.Error(), "aloware-kendo migrate") {
				t.Fatalf("opening an empty database without migrating: %v; want ErrNotMigrated", err)
			}
			if err := delivery.Migrate(context.Background(), loc); err != nil {
				t.Fatal(err)
			}
			if err := delivery.Migrate(context.Background(), loc); err != nil {
				t.Fatalf("migrating twice: %v", err)
			}
			svc := startEngine(t, loc, k.URL(), engineOpts{skipMigrations: true, settle: time.Millisecond})
			if err := svc.Ready(context.Background()); err != nil {
				t.Fatalf("not ready on a migrated database: %v", err)
			}
			for _, raw := range recorded(t, "inbound-940870001") {
				accept(t, svc, raw)
			}
			waitStatus(t, svc, "940870001", lifecycle.Delivered, 20*time.Second)
		})
	}
}

// A River migration missing is as much a missing migration as one of ours.
func TestSkipMigrationsRefusesAMissingRiverMigration(t *testing.T) {
	loc := testenv.FreshPostgres(t)
	if err := delivery.Migrate(context.Background(), loc); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM river_migration WHERE version = (SELECT max(version) FROM river_migration)`); err != nil {
		t.Fatal(err)
	}
	_, err = delivery.Open(context.Background(), delivery.Options{DB: loc, KendoURL: "http://127.0.0.1:1/ingest", SkipMigrations: true,
		Teams: teams.Single(testKey, kendo.Rate{Limit: 30, Period: time.Minute}), Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, store.ErrNotMigrated) || !strings.Contains(err.Error(), "River") {
		t.Fatalf("River's last migration missing: %v", err)
	}
}

// Without migrations of its own, readiness reports a lost schema instead of creating it
// again: the tables belong to the migrate step.
func TestSkipMigrationsLeavesALostSchemaToTheMigrateStep(t *testing.T) {
	loc := testenv.FreshPostgres(t)
	if err := delivery.Migrate(context.Background(), loc); err != nil {
		t.Fatal(err)
	}
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, loc, k.URL(), engineOpts{skipMigrations: true})
	db, err := sql.Open("pgx", loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond) // past the cached verdict of the last probe
	if err := svc.Ready(context.Background()); err == nil {
		t.Fatal("ready on a database without tables")
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the service re-created %d tables (%v)", n, err)
	}
}
