package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aloware-kendo/aloware-kendo/config"
	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/store/location"
)

// migrateCmd applies the database migrations and exits: the one-shot step before
// replicas that run `serve --migrate=false` start. It takes serve's flags and
// environment and uses only --db.
func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	db, err := config.ParseDB(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "Usage: aloware-kendo migrate [--db LOCATION]\n\nApplies the database migrations (serve's flags and environment are accepted; only --db is used).")
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "aloware-kendo migrate: %v\n", err)
		return exitUsage
	}
	if err := delivery.Migrate(ctx, db); err != nil {
		fmt.Fprintf(stderr, "aloware-kendo migrate: %s: %v\n", location.Redact(db), err)
		return exitFail
	}
	fmt.Fprintf(stdout, "migrated %s\n", location.Redact(db))
	return exitOK
}
