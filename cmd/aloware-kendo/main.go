// Command aloware-kendo gets Aloware phone calls into the KendoAI Push API.
//
//	aloware-kendo [serve] [flags]     run the HTTP service (the default)
//	aloware-kendo map [FILE...]       map Aloware event JSON to a Kendo payload
//	aloware-kendo validate [FILE]     check a Kendo Push payload
//	aloware-kendo openapi             print the OpenAPI 3.1 document
//	aloware-kendo kendo-emulator      run a local stand-in for Kendo's Push API
//	aloware-kendo check [flags]       the preflight: check serve's configuration against the real services
//	aloware-kendo healthcheck [URL]   GET /healthz; exit 0 when healthy (for containers)
//	aloware-kendo migrate [flags]     apply the database migrations and exit
//	aloware-kendo version             print the stamped version and revision
//	aloware-kendo backup --out FILE   copy the database while the service runs
//	aloware-kendo restore --from FILE restore a backup into a fresh path
//
// This file only dispatches; each subcommand lives in its own file.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes: 0 success, 1 the work failed (input invalid, service error), 2 usage.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // from now on a second signal kills the process at once
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program minus os.Exit, so tests can drive it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "map":
		return mapCmd(rest, stdin, stdout, stderr)
	case "validate":
		return validateCmd(rest, stdin, stdout, stderr)
	case "openapi":
		return openapiCmd(rest, stdout, stderr)
	case "kendo-emulator":
		return emulatorCmd(ctx, rest, stdout, stderr)
	case "check":
		return checkCmd(ctx, rest, os.Getenv, stdout, stderr)
	case "healthcheck":
		return healthcheckCmd(ctx, rest, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, rest, stdout, stderr)
	case "version", "--version":
		return versionCmd(rest, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, os.Getenv, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, rest, os.Getenv, stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "aloware-kendo: unknown command %q\n\n", cmd)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `aloware-kendo gets Aloware phone calls into the KendoAI Push API.

Usage:
  aloware-kendo [serve] [flags]     run the HTTP service (the default; see serve --help)
  aloware-kendo map [FILE...]       map Aloware event JSON (files, or stdin) to one Kendo payload
  aloware-kendo validate [FILE]     check a Kendo Push payload (file or stdin)
  aloware-kendo openapi             print the OpenAPI 3.1 document
  aloware-kendo kendo-emulator      run a local stand-in for Kendo's Push API
  aloware-kendo check [flags]       the preflight: serve's flags checked against the database, Kendo
                                    (creating no call), Aloware, inbound auth and the teams file
  aloware-kendo healthcheck [URL]   GET /healthz of a running service; exit 0 when healthy
  aloware-kendo migrate [flags]     apply the database migrations (serve's --db) and exit
  aloware-kendo version             print the version and revision stamped at build time
  aloware-kendo backup --out FILE   copy the SQLite database while the service runs (PostgreSQL: pg_dump)
  aloware-kendo restore --from FILE restore a backup into a fresh path (see restore --help)
`)
}
