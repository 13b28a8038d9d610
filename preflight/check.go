// Package preflight holds the checks a new user runs before pointing Aloware at the
// service (`aloware-kendo check`); the ops page shows the same checks. Each check is a
// function of small interfaces, so the CLI and the running service both run it.
package preflight

import (
	"fmt"
	"io"
)

// Check is one line of the preflight: what was checked, whether it passed, and what was
// found. Detail never carries a secret.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

// String is the check's line: "PASS name: detail" or "FAIL name: detail".
func (c Check) String() string {
	verdict := "FAIL"
	if c.OK {
		verdict = "PASS"
	}
	return fmt.Sprintf("%s %s: %s", verdict, c.Name, c.Detail)
}

// Passed reports whether every check passed.
func Passed(checks []Check) bool {
	for _, c := range checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Write prints one line per check.
func Write(w io.Writer, checks []Check) error {
	for _, c := range checks {
		if _, err := fmt.Fprintln(w, c); err != nil {
			return err
		}
	}
	return nil
}

func pass(name, format string, args ...any) Check {
	return Check{Name: name, OK: true, Detail: fmt.Sprintf(format, args...)}
}

func fail(name, format string, args ...any) Check {
	return Check{Name: name, Detail: fmt.Sprintf(format, args...)}
}
