package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On PostgreSQL, backup prints the pg_dump command to run, without the password (nor
// pgx's pool settings, which pg_dump does not know), and fails: no backup was made.
func TestBackupOnPostgresPrintsPgDump(t *testing.T) {
	r := runCmd(t, "", "backup", "--db", "postgres://ak:s3cret-pw@db.internal:5432/ak?sslmode=require&password=s3cret-pw&pool_max_conns=5", "--out", "/backups/ak.dump")
	if r.code != exitFail {
		t.Fatalf("exit %d, want %d: %s", r.code, exitFail, r.stderr)
	}
	want := "pg_dump --format=custom --file='/backups/ak.dump' 'postgres://ak@db.internal:5432/ak?sslmode=require'\n"
	if r.stdout != want || !strings.Contains(r.stderr, "pg_dump") {
		t.Fatalf("stdout %q, want %q (stderr %q)", r.stdout, want, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "s3cret") {
		t.Fatal("the password was printed")
	}
}

// backup and restore from the command line, and the refusals an operator meets.
func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	if r := runCmd(t, "", "backup", "--db", "sqlite:"+filepath.Join(dir, "none.db"), "--out", filepath.Join(dir, "b.db")); r.code != exitFail ||
		!strings.Contains(r.stderr, "no database") {
		t.Fatalf("backup of a missing database: %d %q", r.code, r.stderr)
	}
	if r := runCmd(t, "", "backup"); r.code != exitUsage {
		t.Fatalf("backup without --out: %d", r.code)
	}
	live := "sqlite:" + filepath.Join(dir, "live.db")
	if r := runCmd(t, "", "check", "--db", live); !strings.Contains(r.stdout, "database") {
		t.Fatalf("check did not create the database: %q %q", r.stdout, r.stderr)
	}
	backup := filepath.Join(dir, "b.db")
	if r := runCmd(t, "", "backup", "--db", live, "--out", backup); r.code != exitOK || !strings.Contains(r.stdout, "backup written: "+backup) {
		t.Fatalf("backup: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// The backup holds phone numbers and recording URLs: readable by its owner only.
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode %v (%v), want 0600", st.Mode(), err)
	}
	if r := runCmd(t, "", "restore", "--from", backup, "--db", live); r.code != exitFail || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("restore over the live database: %d %q", r.code, r.stderr)
	}
	fresh := "sqlite:" + filepath.Join(dir, "fresh", "ak.db")
	if r := runCmd(t, "", "restore", "--from", backup, "--db", fresh); r.code != exitOK || !strings.Contains(r.stdout, "no call was on its way") {
		t.Fatalf("restore: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, "", "restore", "--db", fresh, "--backup-taken-at", "yesterday"); r.code != exitUsage {
		t.Fatalf("restore --backup-taken-at yesterday: %d", r.code)
	}
}
