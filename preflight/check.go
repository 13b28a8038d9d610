// Package preflight holds the checks a new user runs before pointing Aloware at the
// service (`aloware-kendo check`); the ops page shows the same checks.
package preflight

// Check is one line of the preflight: what was checked, whether it passed, and what was
// found. Detail never carries a secret.
type Check struct {
	Name   string
	OK     bool
	Detail string
}
