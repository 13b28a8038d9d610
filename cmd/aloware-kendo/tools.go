package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/mapping"
)

// mapCmd prints the Kendo payload of the events given (one call's events, as files or
// one JSON document on stdin). When the call is not ready to send it prints why and
// exits 1, so `map x.json > payload.json` never leaves half a payload behind; --result
// prints the whole verdict instead, like POST /map.
func mapCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aloware-kendo map", flag.ContinueOnError)
	fs.SetOutput(stderr)
	result := fs.Bool("result", false, "print the whole result (ready, state, reason, payload preview, warnings) as POST /map does, and exit 0 even when the call is not ready")
	// The send rules, to try one before turning it on: unlike serve's, none applies unless given.
	minTalk := fs.String("min-talk-time", "", "judge the call by this send rule too (e.g. 10s; serve's default is "+mapping.DefaultMinTalkTime.String()+")")
	directions := fs.String("send-directions", "", "judge the call by this send rule too (inbound, outbound or both, comma-separated)")
	skip := fs.String("skip-dispositions", "", "judge the call by this send rule too (comma-separated disposition names or statuses)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aloware-kendo map [--result] [--min-talk-time D] [--send-directions LIST] [--skip-dispositions LIST] [FILE...]\n\nMaps Aloware webhook JSON (one event, or a JSON array of one call's events, per file; stdin when no FILE)\nto the Kendo Push payload on stdout. Exit 1 when the input is not an Aloware event or the call is not ready\n(or, with a send rule, filtered by it).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	rules, rerr := sendRulesOf(*minTalk, *directions, *skip)
	if rerr != nil {
		fmt.Fprintf(stderr, "map: %v\n", rerr)
		return exitUsage
	}
	var (
		res  mapping.Result
		err  error
		from = "stdin"
		raws [][]byte
	)
	switch files := fs.Args(); len(files) {
	case 0:
		raw, rerr := io.ReadAll(io.LimitReader(stdin, 64<<20))
		if rerr != nil {
			fmt.Fprintf(stderr, "map: reading stdin: %v\n", rerr)
			return exitFail
		}
		raws = [][]byte{raw}
	default:
		from = files[0]
		if len(files) > 1 {
			from = fmt.Sprintf("%d files", len(files))
		}
		raws = make([][]byte, len(files))
		for i, f := range files {
			if raws[i], err = os.ReadFile(f); err != nil {
				fmt.Fprintf(stderr, "map: %v\n", err)
				return exitFail
			}
		}
	}
	call, err := mapping.MergeRawEvents(raws)
	if err == nil {
		res = mapping.Map(call)
		mapping.ApplySendRules(&res, call, rules)
	}
	if err != nil {
		printInputError(stderr, from, err)
		return exitFail
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if *result {
		if res.Warnings == nil {
			res.Warnings = []string{}
		}
		return printJSON(stdout, stderr, res)
	}
	if !res.Ready || res.Payload == nil {
		fmt.Fprintf(stderr, "map: %s: the call is not ready to send (%s): %s\n", from, res.State, res.Reason)
		return exitFail
	}
	return printJSON(stdout, stderr, res.Payload)
}

// sendRulesOf reads map's send-rule flags; a rule not given does not apply.
func sendRulesOf(minTalk, directions, skip string) (mapping.SendRules, error) {
	var r mapping.SendRules
	if minTalk != "" {
		d, err := mapping.ParseMinTalkTime(minTalk)
		if err != nil {
			return r, fmt.Errorf("--min-talk-time: %w", err)
		}
		r.MinTalkTime = d
	}
	for _, d := range mapping.ParseList(directions) {
		dir, ok := mapping.CanonicalDirection(d)
		if !ok {
			return r, fmt.Errorf("--send-directions: %q is not a direction: use inbound, outbound or both", d)
		}
		r.Directions = append(r.Directions, dir)
	}
	r.SkipDispositions = mapping.ParseList(skip)
	return r, nil
}

// printInputError writes one "location: message" line per problem.
func printInputError(w io.Writer, from string, err error) {
	var ie *aloware.InputError
	if errors.As(err, &ie) && len(ie.Problems) > 0 {
		fmt.Fprintf(w, "map: %s is not a usable Aloware event:\n", from)
		for _, p := range ie.Problems {
			fmt.Fprintf(w, "  %s: %s\n", p.Field, p.Message)
		}
		return
	}
	fmt.Fprintf(w, "map: %s: %v\n", from, err)
}

// validateCmd checks one Kendo payload: exit 0 and "valid", or exit 1 and one
// "location: message" line per violation, all at once.
func validateCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aloware-kendo validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aloware-kendo validate [FILE]\n\nChecks a Kendo Push payload (FILE, or stdin) against Kendo's documented rules.\nExit 0 when valid; exit 1 with one \"location: message\" line per violation.")
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	var (
		raw []byte
		err error
	)
	switch fs.NArg() {
	case 0:
		raw, err = io.ReadAll(io.LimitReader(stdin, 64<<20))
	case 1:
		raw, err = os.ReadFile(fs.Arg(0))
	default:
		fs.Usage()
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "validate: %v\n", err)
		return exitFail
	}
	vs := kendo.Validate(raw)
	if len(vs) == 0 {
		fmt.Fprintln(stdout, "valid")
		return exitOK
	}
	for _, v := range vs {
		fmt.Fprintf(stdout, "%s: %s\n", v.Location, v.Message)
	}
	return exitFail
}

// openapiCmd prints the OpenAPI document the service serves at /openapi.yaml.
func openapiCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aloware-kendo openapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	downgrade := fs.Bool("downgrade", false, "print the OpenAPI 3.0.3 form (what /openapi-3.0.yaml serves) for tools without 3.1 support")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	var (
		b   []byte
		err error
	)
	if *downgrade {
		b, err = handlers.OpenAPI30YAML()
	} else {
		b, err = handlers.OpenAPIYAML()
	}
	if err != nil {
		fmt.Fprintf(stderr, "openapi: %v\n", err)
		return exitFail
	}
	if _, err := stdout.Write(b); err != nil {
		return exitFail
	}
	return exitOK
}

func printJSON(stdout, stderr io.Writer, v any) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep URLs and "&" readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "encoding the result: %v\n", err)
		return exitFail
	}
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		return exitFail
	}
	return exitOK
}

// parseNoArgs parses the flags of a subcommand that takes no positional arguments; when it
// answers false the caller returns the exit code (usage already printed), so a stray
// argument is a usage error rather than silently ignored.
func parseNoArgs(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		return flagExit(err), false
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage, false
	}
	return exitOK, true
}

// flagExit: --help is a success, anything else a usage error (the flag package has
// already printed it).
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
