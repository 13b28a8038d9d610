package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
)

// emulatorCmd runs the local stand-in for Kendo's Push API until ctx ends.
func emulatorCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aloware-kendo kendo-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", ":8081", "address to serve on")
	rate := kendo.DefaultRate
	fs.TextVar(&rate, "kendo-rate", kendo.DefaultRate, "requests allowed per API key, N/min or N/s")
	var keys multiFlag
	fs.Var(&keys, "kendo-api-key", "accept only this key (repeatable); default: any pk_... key")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aloware-kendo kendo-emulator [--listen :8081] [--kendo-rate 30/min] [--kendo-api-key pk_...]\n\nServes Kendo's Push API rules on POST /api/integrations/push-api/ingest (also /ingest and /)\nand lists what it accepted at GET /calls.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	if err := emulator.Run(ctx, *listen, emulator.Options{Rate: rate, Keys: keys}, logger); err != nil {
		fmt.Fprintf(stderr, "kendo-emulator: %v\n", err)
		return exitFail
	}
	return exitOK
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint([]string(*m)) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
