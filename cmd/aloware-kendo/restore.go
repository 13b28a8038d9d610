package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/config"
	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/store/location"
)

// restoreCmd makes a working database from a backup at a fresh path. The calls that were
// on their way to Kendo at backup time come back failed with an unknown outcome (unless
// --resend-waiting): what happened to them after the backup is lost.
func restoreCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aloware-kendo restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", envOr(getenv, "from", ""), "the backup file (written by aloware-kendo backup)")
	db := config.BindDB(fs, getenv, "where to restore to (as serve's --db); no database may exist there")
	resend := fs.Bool("resend-waiting", envOr(getenv, "resend-waiting", "") == "true",
		"send the calls that were waiting at backup time after all (Kendo may then get some of them twice)")
	takenAt := fs.String("backup-taken-at", envOr(getenv, "backup-taken-at", ""),
		"PostgreSQL only: after pg_restore, mark the database restored from a dump taken at this RFC 3339 time")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aloware-kendo restore --from FILE [--db sqlite:PATH] [--resend-waiting]\n"+
			"       aloware-kendo restore --db postgres://... --backup-taken-at TIME [--resend-waiting]\n\n"+
			"Restores a backup into a path where no database exists (it never overwrites one). Calls that were on their\n"+
			"way to Kendo at backup time come back failed with an unknown outcome, unless --resend-waiting.")
		fs.PrintDefaults()
	}
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	now := time.Now().UTC()
	var rep store.RestoreReport
	var err error
	switch {
	case *takenAt != "":
		at, perr := time.Parse(time.RFC3339, *takenAt)
		if perr != nil || *from != "" {
			fmt.Fprintln(stderr, "aloware-kendo restore: --backup-taken-at takes an RFC 3339 time, and no --from (the dump is restored with pg_restore)")
			return exitUsage
		}
		rep, err = delivery.MarkRestored(ctx, *db, at, now, *resend)
	case *from == "":
		fs.Usage()
		return exitUsage
	default:
		rep, err = delivery.Restore(ctx, store.RestoreOptions{From: *from, To: *db, ResendWaiting: *resend, Now: now})
	}
	if err != nil {
		fmt.Fprintf(stderr, "aloware-kendo restore: %s\n", location.Scrub(err.Error(), *db))
		return exitFail
	}
	writeRestoreReport(stdout, location.Redact(*db), rep, *resend)
	return exitOK
}

func writeRestoreReport(w io.Writer, db string, rep store.RestoreReport, resend bool) {
	fmt.Fprintf(w, "restored into %s: %d calls, as of the backup taken at %s\n", db, rep.Calls, rep.BackupAt.Format(time.RFC3339Nano))
	if resend {
		fmt.Fprintf(w, "--resend-waiting: %d calls that were on their way at backup time will be sent; Kendo may already have some of them\n", rep.Waiting)
		return
	}
	var parts []string
	total := 0
	for _, st := range lifecycle.CallStatuses() {
		if n := rep.Flagged[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
			total += n
		}
	}
	if total == 0 {
		fmt.Fprintln(w, "no call was on its way to Kendo at backup time")
		return
	}
	fmt.Fprintf(w, "%d calls were on their way to Kendo at backup time (%s): they are now failed with outcomeUnknown, because\n"+
		"they may have been sent after the backup. Check them in Kendo (GET /calls?status=failed), then redeliver those\n"+
		"missing there (POST /calls/redeliver with includeOutcomeUnknown).\n", total, strings.Join(parts, ", "))
}
