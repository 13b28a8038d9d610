package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/aloware-kendo/aloware-kendo/config"
	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/inbound"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/preflight"
	"github.com/aloware-kendo/aloware-kendo/reps"
)

// checkCmd is the preflight: with serve's flags and environment it checks the database,
// each Kendo key (creating no call), the Aloware token, inbound auth and the teams
// file, one line each on stdout. Exit 0 only when every check passed.
func checkCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := config.Parse(args, getenv)
	var cerr *config.Error
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(stdout, "aloware-kendo check takes serve's flags and environment and checks them: the database, each Kendo key\n"+
			"(creating no call), the Aloware token, inbound auth and the teams file. One line per check; exit 0 only\n"+
			"when every check passed.")
		fmt.Fprintln(stdout)
		config.Usage(stdout)
		return exitOK
	case errors.As(err, &cerr):
		// The other checks need a valid configuration: each problem is a failed line.
		for _, p := range cerr.Problems {
			fmt.Fprintln(stdout, preflight.Check{Name: "configuration", Detail: p})
		}
		return exitFail
	case err != nil:
		fmt.Fprintf(stderr, "aloware-kendo check: %v\n", err)
		return exitUsage
	}
	checks := runChecks(ctx, cfg, getenv)
	if err := preflight.Write(stdout, checks); err != nil || !preflight.Passed(checks) {
		return exitFail
	}
	return exitOK
}

func runChecks(ctx context.Context, cfg config.Config, getenv func(string) string) []preflight.Check {
	open := delivery.OpenStore
	if !cfg.Migrate { // a separate migrate step owns the schema: report it, change nothing
		open = delivery.OpenMigrated
	}
	checks := []preflight.Check{preflight.Database(ctx, cfg.DB, open)}
	sender := kendo.NewClient(cfg.KendoURL, &http.Client{Timeout: cfg.KendoTimeout})
	checks = append(checks, preflight.KendoKeys(ctx, sender, cfg.Router.Teams())...)
	return append(checks, configChecks(ctx, cfg, getenv)...)
}

// configChecks are the checks of the configuration alone: the Aloware token, inbound
// auth, the teams file and the send rules in force. The ops page shows them after the running engine's.
func configChecks(ctx context.Context, cfg config.Config, getenv func(string) string) []preflight.Check {
	var users preflight.UsersAPI // nil: no token, nothing to check
	if cfg.AlowareAPIToken != "" {
		users = reps.NewDirectory(reps.Options{BaseURL: cfg.AlowareAPIURL, Token: cfg.AlowareAPIToken, Logger: slog.New(slog.DiscardHandler)})
	}
	checks := []preflight.Check{preflight.AlowareToken(ctx, users)}

	auth, err := inbound.New(inbound.Config{Token: cfg.InboundToken, Basic: cfg.InboundBasic})
	checks = append(checks, preflight.InboundAuth(cfg.Listen, err == nil && auth.Enabled()))

	checks = append(checks, preflight.TeamsFile(cfg.Teams, getenv, cfg.Rate))
	return append(checks, preflight.SendRules(cfg.SendRules(), cfg.Router.Teams()))
}
