package handover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// fileLock is an exclusive flock(2) on a file beside the database. The kernel drops it
// when its holder dies, so a crash never leaves the database owned; the holder's pid is
// written in the file, for the message of whoever waits.
type fileLock struct{ f *os.File }

// ErrHeld says another process owns the database.
var ErrHeld = errors.New("another process owns the database")

// acquire waits up to wait for the lock at path (polling: flock cannot be cancelled).
func acquire(ctx context.Context, path string, wait time.Duration, log *slog.Logger) (*fileLock, error) {
	f, err := openLock(path)
	if err != nil {
		return nil, err
	}
	return lock(ctx, f, path, wait, log)
}

// openLock opens (creating) the lock file; a folder or file this process may not write
// fails here, before anything waits on it.
func openLock(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("handover: lock file folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("handover: lock file: %w", err)
	}
	return f, nil
}

// lock takes the lock on the open file f; f is closed when it fails.
func lock(ctx context.Context, f *os.File, path string, wait time.Duration, log *slog.Logger) (*fileLock, error) {
	deadline := time.Now().Add(wait)
	nextLog := time.Now()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("handover: lock %s: %w", path, err)
		}
		holder := holderOf(f)
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("handover: %w (pid %s holds %s); is another aloware-kendo serving the same --db?", ErrHeld, holder, path)
		}
		if time.Now().After(nextLog) {
			log.Info("waiting for the previous process to release the database", "holder_pid", holder, "lock", path)
			nextLog = time.Now().Add(5 * time.Second)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &fileLock{f: f}, nil
}

func holderOf(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if s := strings.TrimSpace(string(b[:n])); s != "" {
		return s
	}
	return "unknown"
}

// release unlocks; the file stays (removing it would race with a waiter that opened it).
func (l *fileLock) release() {
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}
