package handover

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// One owner at a time: while a process holds the database's lock a second one cannot
// take it (and is told who holds it); once released, it can.
func TestOneOwnerOfTheDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "ak.db.lock")
	log := slog.New(slog.DiscardHandler)
	first, err := acquire(context.Background(), path, 0, log)
	if err != nil {
		t.Fatal(err)
	}
	_, err = acquire(context.Background(), path, 0, log)
	if !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second owner: %v; want ErrHeld naming pid %d", err, os.Getpid())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := acquire(ctx, path, 1<<62, log); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled wait: %v", err)
	}
	first.release()
	second, err := acquire(context.Background(), path, 0, log)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	second.release()
}
