// Package handover gives `serve` its listening socket and hands it to the next process,
// so that neither a systemd restart nor an upgrade refuses a connection:
//
//   - the socket comes from the previous process (an upgrade), from systemd's socket
//     activation (LISTEN_FDS), or is opened on --listen;
//   - SIGHUP starts the binary at its path again (cloudflare/tableflip), passes it the
//     socket, and once it has taken over, this process drains and exits as on SIGTERM;
//   - while no process accepts, the kernel queues new connections on the shared socket
//     (Aloware waits more than 100 s for an answer), so none is refused;
//   - a SQLite database has one owner at a time, made explicit by a lock file beside it:
//     the successor waits for its predecessor to release it before opening the database;
//   - systemd hears READY=1, MAINPID= (the successor takes over the unit), RELOADING=1,
//     STOPPING=1 and watchdog pings over NOTIFY_SOCKET.
package handover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cloudflare/tableflip"
	"github.com/coreos/go-systemd/v22/activation"
)

// socketName names the socket between processes. It is fixed, not --listen: a
// successor serves on the socket it is handed whatever its own flags say.
const socketName = "aloware-kendo-http"

// Options say how to listen and what the process must own before it serves.
type Options struct {
	// Listen is the address to open when no socket is handed over.
	Listen string
	// LockPath is the file whose lock means "owns the database" (SQLite: only one
	// process may run the engine on it). Empty when owners may overlap (PostgreSQL).
	LockPath string
	// LockWait bounds the wait for the lock; past it Own fails naming the holder.
	LockWait time.Duration
	// UpgradeTimeout bounds how long a successor may take to be ready to take over.
	UpgradeTimeout time.Duration
	Logger         *slog.Logger
}

// Process is this process's place in a chain of handovers.
type Process struct {
	opts     Options
	log      *slog.Logger
	upg      *tableflip.Upgrader
	ln       net.Listener
	source   string
	notifier *notifier

	lock      *fileLock
	readyOnce sync.Once
	serving   chan struct{}
	upgraded  chan struct{}
	hup       chan os.Signal
	stopHUP   chan struct{}
	hupDone   chan struct{}
}

// The tableflip upgrader is one per process (the library refuses a second); tests run
// serve several times in one process, so it is made once and shared.
var (
	upgOnce sync.Once
	upg     *tableflip.Upgrader
	upgErr  error
)

func upgrader(timeout time.Duration) (*tableflip.Upgrader, error) {
	upgOnce.Do(func() { upg, upgErr = tableflip.New(tableflip.Options{UpgradeTimeout: timeout}) })
	return upg, upgErr
}

// Start takes the listening socket (handed over, from systemd, or opened on
// opts.Listen), starts the watchdog pings and listens for SIGHUP. Nothing is accepted
// yet: call Own, open the database, then Serving.
func Start(opts Options) (*Process, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.UpgradeTimeout <= 0 {
		opts.UpgradeTimeout = time.Minute
	}
	u, err := upgrader(opts.UpgradeTimeout)
	if err != nil {
		return nil, fmt.Errorf("handover: %w", err)
	}
	p := &Process{opts: opts, log: opts.Logger, upg: u, serving: make(chan struct{}),
		upgraded: make(chan struct{}), stopHUP: make(chan struct{}), hupDone: make(chan struct{})}
	if p.ln, p.source, err = p.listen(); err != nil {
		return nil, err
	}
	p.notifier = newNotifier(p.log)
	p.hup = make(chan os.Signal, 1)
	signal.Notify(p.hup, syscall.SIGHUP)
	go p.handleHUP()
	return p, nil
}

func (p *Process) listen() (net.Listener, string, error) {
	ln, err := p.upg.Listener("tcp", socketName)
	if err != nil {
		return nil, "", fmt.Errorf("handover: the socket handed over: %w", err)
	}
	if ln != nil {
		return ln, "previous process", nil
	}
	// Unset LISTEN_*: a successor must not take fd 3 (tableflip's pipe there) for a socket.
	if files := activation.Files(true); len(files) > 0 {
		if len(files) != 1 {
			return nil, "", fmt.Errorf("handover: systemd passed %d sockets; the service listens on one (one ListenStream= in the .socket unit)", len(files))
		}
		defer files[0].Close()
		ln, err := net.FileListener(files[0])
		if err != nil {
			return nil, "", fmt.Errorf("handover: the socket systemd passed: %w", err)
		}
		return ln, "systemd", nil
	}
	ln, err = net.Listen("tcp", p.opts.Listen)
	if err != nil {
		return nil, "", err
	}
	return ln, "--listen", nil
}

// Listener is the socket to serve on; Source says where it came from ("previous
// process", "systemd", "--listen").
func (p *Process) Listener() net.Listener { return p.ln }
func (p *Process) Source() string         { return p.source }

// Successor reports whether this process was started by an upgrade.
func (p *Process) Successor() bool { return p.upg.HasParent() }

// Own makes this process the owner of the database before it opens it. With a lock
// path, a successor first tells its predecessor (and systemd) that it is taking over,
// since the predecessor releases the database only then, and waits for the lock; new
// connections wait in the kernel's queue meanwhile. Without one there is nothing to
// wait for: the predecessor is told in Serving, once this process can serve.
func (p *Process) Own(ctx context.Context) error {
	if p.opts.LockPath == "" {
		return nil
	}
	// Opened first: if this process cannot even open the lock file, it fails while its
	// predecessor still serves.
	f, err := openLock(p.opts.LockPath)
	if err != nil {
		return err
	}
	if p.Successor() {
		if err := p.takeOver(); err != nil {
			f.Close()
			return err
		}
	}
	l, err := lock(ctx, f, p.opts.LockPath, p.opts.LockWait, p.log)
	if err != nil {
		return err
	}
	p.lock = l
	return nil
}

// takeOver tells systemd that this process is now the unit's main process (before the
// predecessor exits, or systemd would count its exit as the service's death) and the
// predecessor that it may drain.
func (p *Process) takeOver() error {
	var err error
	p.readyOnce.Do(func() {
		p.notifier.send("MAINPID=" + strconv.Itoa(os.Getpid()))
		if err = p.upg.Ready(); err != nil {
			err = fmt.Errorf("handover: telling the previous process to drain: %w", err)
		}
	})
	return err
}

// Serving is called once the service can serve: the predecessor (if not told yet)
// drains, and systemd hears READY=1 (which also ends a reload).
func (p *Process) Serving() error {
	if err := p.takeOver(); err != nil {
		return err
	}
	close(p.serving) // first: a SIGHUP that follows READY=1 must find this process serving
	p.notifier.send("MAINPID=" + strconv.Itoa(os.Getpid()) + "\nREADY=1\nSTATUS=serving")
	return nil
}

// Upgraded is closed once a successor has taken over: drain and exit.
func (p *Process) Upgraded() <-chan struct{} { return p.upgraded }

// Stopping tells systemd that the service is stopping, unless a successor took over
// (the unit is not stopping then; its main process changed).
func (p *Process) Stopping() {
	select {
	case <-p.upgraded:
	default:
		p.notifier.send("STOPPING=1")
	}
}

// Close releases the database (call it after the engine stopped and the database is
// closed) and stops the watchdog pings and the SIGHUP handling.
func (p *Process) Close() {
	close(p.stopHUP)
	<-p.hupDone
	signal.Stop(p.hup)
	p.notifier.close()
	if p.lock != nil {
		p.lock.release()
		p.lock = nil
	}
}

func (p *Process) handleHUP() {
	defer close(p.hupDone)
	for {
		select {
		case <-p.stopHUP:
			return
		case <-p.hup:
		}
		select {
		case <-p.upgraded:
			p.log.Info("SIGHUP: an upgrade already took place; this process is draining")
			continue
		case <-p.serving:
		default:
			p.log.Info("SIGHUP: the upgrade starts once this process serves")
			select {
			case <-p.serving:
			case <-p.stopHUP:
				return
			}
		}
		if err := p.upgrade(); err != nil {
			p.log.Error("upgrade failed; this process goes on serving", "error", err)
			p.notifier.send("MAINPID=" + strconv.Itoa(os.Getpid()) + "\nREADY=1\nSTATUS=serving (the last upgrade failed)")
			continue
		}
		p.log.Info("upgrade: the new process has taken over; draining")
		close(p.upgraded)
	}
}

// upgrade starts the binary at its path again with the socket, and returns once it is
// ready to take over (or has failed: then this process goes on as before).
func (p *Process) upgrade() error {
	p.notifier.send(reloading())
	// A process is upgraded once its own predecessor has exited (tableflip's rule).
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.LockWait+p.opts.UpgradeTimeout)
	defer cancel()
	if err := p.upg.WaitForParent(ctx); err != nil {
		return fmt.Errorf("the previous process has not exited: %w", err)
	}
	// tableflip starts os.Args[0] without a PATH search: resolve a bare name the way the
	// shell did, so the binary now at that path is the one started.
	if !strings.Contains(os.Args[0], "/") {
		if path, err := exec.LookPath(os.Args[0]); err == nil {
			os.Args[0] = path
		}
	}
	p.log.Info("SIGHUP: starting the binary again to hand it the socket", "binary", os.Args[0])
	ln, ok := p.ln.(tableflip.Listener)
	if !ok {
		return errors.New("the socket cannot be passed to another process")
	}
	if err := p.upg.AddListener("tcp", socketName, ln); err != nil {
		return err
	}
	return p.upg.Upgrade()
}
