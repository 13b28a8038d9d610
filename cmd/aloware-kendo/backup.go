package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/aloware-kendo/aloware-kendo/config"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/store/location"
)

// backupCmd copies the SQLite database into a new file while the service runs; for
// PostgreSQL it prints the pg_dump command instead.
func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aloware-kendo backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := config.BindDB(fs, getenv, "the database to back up (as serve's --db)")
	out := fs.String("out", envOr(getenv, "out", ""), "the backup file to write (must not exist)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aloware-kendo backup --out FILE [--db sqlite:PATH]\n\n"+
			"Copies the SQLite database into FILE while the service keeps running (VACUUM INTO on a connection of its\n"+
			"own). On PostgreSQL it prints the pg_dump command to use instead.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	info, err := store.Backup(ctx, *db, *out, time.Now())
	if errors.Is(err, store.ErrPostgresBackup) {
		cmd, cerr := store.PgDumpCommand(*db, *out)
		if cerr != nil {
			fmt.Fprintf(stderr, "aloware-kendo backup: %v\n", cerr)
			return exitUsage
		}
		fmt.Fprintln(stderr, "aloware-kendo backup: the database is PostgreSQL; back it up with pg_dump (the password comes from PGPASSWORD or ~/.pgpass):")
		fmt.Fprintln(stdout, cmd)
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(stderr, "aloware-kendo backup: %s\n", location.Scrub(err.Error(), *db))
		return exitFail
	}
	fmt.Fprintf(stdout, "backup written: %s (%d calls, %d bytes), taken at %s\n",
		info.Path, info.Calls, info.Bytes, info.TakenAt.Format(time.RFC3339Nano))
	return exitOK
}

// envOr is the flag's default from its ALOWARE_KENDO_* variable, as every flag reads one.
func envOr(getenv func(string) string, flagName, def string) string {
	if v := getenv(config.EnvName(flagName)); v != "" {
		return v
	}
	return def
}
