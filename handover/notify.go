package handover

import (
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// notifier speaks systemd's notify protocol (NOTIFY_SOCKET) and pings the watchdog
// (WATCHDOG_USEC) at half its interval, as sd_watchdog_enabled(3) advises. Without
// NOTIFY_SOCKET every message is a no-op.
type notifier struct {
	log  *slog.Logger
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

func newNotifier(log *slog.Logger) *notifier {
	n := &notifier{log: log, stop: make(chan struct{})}
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog: WATCHDOG_USEC unreadable; not pinging", "error", err)
	}
	// WATCHDOG_PID names this process; a successor started by an upgrade inherits the
	// environment, and without the variable the watchdog is its own (sd_watchdog_enabled).
	_ = os.Unsetenv("WATCHDOG_PID")
	if interval > 0 {
		n.done.Add(1)
		go n.ping(interval / 2)
	}
	return n
}

func (n *notifier) ping(every time.Duration) {
	defer n.done.Done()
	n.send("WATCHDOG=1")
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-tick.C:
			n.send("WATCHDOG=1")
		}
	}
}

// send delivers one state message; failures are logged, never fatal: a service that
// cannot reach systemd still serves.
func (n *notifier) send(state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		n.log.Warn("systemd notify failed", "error", err)
	}
}

func (n *notifier) close() {
	n.once.Do(func() { close(n.stop) })
	n.done.Wait()
}

// reloading is RELOADING=1 with the CLOCK_MONOTONIC time systemd wants beside it: a
// `systemctl reload` then waits for the successor's READY=1.
func reloading() string {
	return "RELOADING=1\n" + daemon.SdNotifyMonotonicUsec()
}
