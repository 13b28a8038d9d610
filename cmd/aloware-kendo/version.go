package main

import (
	"fmt"
	"io"

	"github.com/aloware-kendo/aloware-kendo/buildinfo"
)

// versionCmd prints the version and revision stamped at build time.
func versionCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: aloware-kendo version")
		return exitUsage
	}
	fmt.Fprintln(stdout, buildinfo.Read())
	return exitOK
}
