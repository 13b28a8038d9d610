//go:build linux

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// A client pushes calls without pause through 10 SIGHUP upgrades (the running process
// starts the binary again and hands it its socket; no parent holds the socket) and then
// 10 restarts the way systemd does them with a .socket unit (the test holds the socket
// and passes it as fd 3 with LISTEN_FDS/LISTEN_PID; each process gets SIGTERM and the
// next starts once it has exited). The database is SQLite: one owner at a time.
// Nothing may be refused, nothing may get a 5xx, every event is stored and every call
// reaches Kendo exactly once.
func TestRestartsRefuseNothing(t *testing.T) {
	t.Parallel()
	// Upgraded processes are children of their predecessor; as a subreaper this test
	// inherits them when the predecessor exits, so it can wait for them.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	k := kendotest.New(t, kendo.Rate{Limit: 1000, Period: time.Second})
	notify := listenNotify(t)
	flags := []string{"--db", "sqlite:" + t.TempDir() + "/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", key,
		"--kendo-rate", "200/s", "--settle", "0s", "--kendo-timeout", "3s", "--shutdown-timeout", "10s", "--log-level", "info"}
	env := []string{"NOTIFY_SOCKET=" + notify.path}
	var stats pushStats

	// SIGHUP upgrades, on a socket the process opened itself.
	addr := freeAddr(t)
	first := startServe(t, env, nil, append([]string{"serve", "--listen", addr}, flags...))
	cur := notify.waitReady(t, 0, 0, first.cmd.Process.Pid)
	exited := first.exited
	stop := stats.pushContinuously(t, "http://"+addr)
	stats.waitPushes(t, 20)
	cur, exited = upgradeUnderLoad(t, notify, &stats, 10, cur, exited)
	stop()
	if err := syscall.Kill(cur, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := exited(t); code != 0 {
		t.Fatalf("last upgraded process exited with %d", code)
	}
	upgrades := stats.snapshot()
	t.Logf("10 SIGHUP upgrades: %s", upgrades)

	// systemd-style restarts under a parent that holds the socket.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	socket, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer socket.Close()
	activated := func() (int, func(testing.TB) int) {
		mark := notify.mark()
		p := startServe(t, env, socket, append([]string{"serve"}, flags...))
		return notify.waitReady(t, mark, 0, p.cmd.Process.Pid), p.exited
	}
	cur, exited = activated()
	stop = stats.pushContinuously(t, "http://"+ln.Addr().String())
	stats.waitPushes(t, 20)
	for i := range 10 {
		if err := syscall.Kill(cur, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := exited(t); code != 0 {
			t.Fatalf("restart %d: pid %d exited with %d", i+1, cur, code)
		}
		cur, exited = activated()
		stats.waitPushes(t, 20)
	}
	stop()
	all := stats.snapshot()
	t.Logf("10 systemd-style restarts: %s", all.minus(upgrades))

	if all.refused != 0 || all.failed != 0 || all.serverErrors != 0 || all.otherStatus != 0 {
		t.Errorf("across 20 restarts: %s; first problems: %v", all, stats.problems())
	}
	calls := stats.completeCalls()
	if len(calls) < 40 {
		t.Fatalf("only %d calls pushed completely; the test proves little", len(calls))
	}
	base := "http://" + ln.Addr().String()
	waitFor(t, 2*time.Minute, "every call delivered", func() bool { return len(k.Emu.Calls()) >= len(calls) })
	time.Sleep(2 * time.Second) // room for a double send to show itself
	seen := map[string]int{}
	for _, p := range k.Payloads(t) {
		seen[fmt.Sprint(p.Metadata["alowareCallId"])]++
	}
	doubles := 0
	for _, id := range calls {
		switch n := seen[id]; {
		case n == 0:
			t.Errorf("call %s never reached Kendo", id)
		case n > 1:
			doubles++
			t.Errorf("call %s reached Kendo %d times", id, n)
		}
		if got := storedEvents(t, base, id); got != 3 {
			t.Errorf("call %s: %d events stored, 3 acknowledged", id, got)
		}
	}
	t.Logf("across 20 restarts: %d calls (%d pushes), %d refused connections, %d 5xx, %d doubles; Kendo got %d POSTs",
		len(calls), all.pushes, all.refused, all.serverErrors, doubles, k.Posts())
	for id, n := range seen {
		if n > 1 && !slices.Contains(calls, id) {
			t.Errorf("call %s (not every event acknowledged) reached Kendo %d times", id, n)
		}
	}
	if n := k.Posts(); n != int64(len(seen)) {
		t.Errorf("Kendo got %d POSTs for %d calls", n, len(seen))
	}
	if err := syscall.Kill(cur, syscall.SIGTERM); err == nil {
		exited(t)
	}
}

// startServe runs the binary; with a socket, the way systemd's socket activation does:
// the socket is fd 3, LISTEN_FDS=1 and LISTEN_PID is the pid of the binary itself (the
// shell execs it, keeping its pid). Its logs, and its successors', go to a file: a pipe
// would keep Wait waiting for the successors that inherit it.
func startServe(t *testing.T, env []string, socket *os.File, args []string) *chainProc {
	t.Helper()
	return startServeBinary(t, binary, env, socket, args)
}

// startServeBinary is startServe with the binary at another path.
func startServeBinary(t *testing.T, binary string, env []string, socket *os.File, args []string) *chainProc {
	t.Helper()
	logs, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	p := &chainProc{done: make(chan struct{})}
	if socket == nil {
		p.cmd = exec.Command(binary, args...)
	} else {
		p.cmd = exec.Command("/bin/sh", append([]string{"-c", `export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" "$@"`, binary}, args...)...)
		p.cmd.ExtraFiles = []*os.File{socket}
	}
	p.cmd.Stdout, p.cmd.Stderr = logs, logs
	p.cmd.Env = append(os.Environ(), env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs.Close()
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			t.Logf("logs of pid %d and its successors, but events:\n%s", p.cmd.Process.Pid, tail(withoutEvents(string(b)), 6000))
		}
	})
	return p
}

// chainProc is the first process of a chain of upgrades, or a restarted one.
type chainProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// exited waits for the process (a direct child) and returns its exit code.
func (p *chainProc) exited(t testing.TB) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("pid %d did not exit within 60 s", p.cmd.Process.Pid)
	}
	return p.cmd.ProcessState.ExitCode()
}

// upgradeUnderLoad sends SIGHUP n times while stats keeps pushing, each time waiting for
// the new process to be ready, the old one to exit cleanly, and the new one to take
// traffic before the next upgrade. It answers the last process and how to reap it.
func upgradeUnderLoad(t *testing.T, notify *notifySocket, stats *pushStats, n, cur int, exited func(testing.TB) int) (int, func(testing.TB) int) {
	t.Helper()
	for i := range n {
		mark := notify.mark()
		if err := syscall.Kill(cur, syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		next := notify.waitReady(t, mark, cur, 0)
		if code := exited(t); code != 0 {
			t.Fatalf("upgrade %d: pid %d exited with %d", i+1, cur, code)
		}
		cur, exited = next, reapedExit(next)
		stats.waitPushes(t, 20)
	}
	return cur, exited
}

// reapedExit waits for a process this test inherited as subreaper.
func reapedExit(pid int) func(testing.TB) int {
	return func(t testing.TB) int {
		t.Helper()
		done := make(chan int, 1)
		go func() {
			var ws unix.WaitStatus
			for {
				_, err := unix.Wait4(pid, &ws, 0, nil)
				if errors.Is(err, unix.EINTR) {
					continue
				}
				if err != nil {
					done <- -100
					return
				}
				done <- ws.ExitStatus()
				return
			}
		}()
		select {
		case code := <-done:
			return code
		case <-time.After(60 * time.Second):
			t.Fatalf("pid %d did not exit within 60 s", pid)
			return -1
		}
	}
}

// notifySocket is systemd's end of NOTIFY_SOCKET: it collects what the processes say.
type notifySocket struct {
	path string
	mu   sync.Mutex
	msgs []map[string]string
	cond chan struct{} // closed and replaced on every message
}

func listenNotify(t *testing.T) *notifySocket {
	t.Helper()
	dir, err := os.MkdirTemp("", "ak-notify") // short: a socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	n := &notifySocket{path: dir + "/notify.sock", cond: make(chan struct{})}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: n.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			m, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				return
			}
			msg := map[string]string{}
			for _, line := range strings.Split(string(buf[:m]), "\n") {
				if k, v, ok := strings.Cut(line, "="); ok {
					msg[k] = v
				}
			}
			n.mu.Lock()
			n.msgs = append(n.msgs, msg)
			close(n.cond)
			n.cond = make(chan struct{})
			n.mu.Unlock()
		}
	}()
	return n
}

// mark is the number of messages received so far, for waitReady.
func (n *notifySocket) mark() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.msgs)
}

// waitReady waits for READY=1, among the messages from the mark on, from a main process
// other than not and, when want is not 0, from that one; it returns its MAINPID.
func (n *notifySocket) waitReady(t testing.TB, mark, not, want int) int {
	t.Helper()
	deadline := time.After(60 * time.Second)
	seen := mark
	for {
		n.mu.Lock()
		msgs, cond := n.msgs[seen:], n.cond
		seen = len(n.msgs)
		n.mu.Unlock()
		for _, m := range msgs {
			pid, _ := strconv.Atoi(m["MAINPID"])
			if m["READY"] == "1" && pid != 0 && pid != not && (want == 0 || pid == want) {
				return pid
			}
		}
		select {
		case <-cond:
		case <-deadline:
			t.Fatalf("no READY=1 from a new main process within 60 s (not %d, want %d)", not, want)
		}
	}
}

// messages returns everything received so far.
func (n *notifySocket) messages() []map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]map[string]string(nil), n.msgs...)
}

// pushStats counts what a pushing client saw.
type pushStats struct {
	mu       sync.Mutex
	c        pushCounts
	errs     []string
	complete []string
	nextID   atomic.Int64
}

type pushCounts struct{ pushes, refused, failed, serverErrors, otherStatus int }

func (c pushCounts) String() string {
	return fmt.Sprintf("%d pushes, %d refused connections, %d other connection errors, %d 5xx, %d other statuses",
		c.pushes, c.refused, c.failed, c.serverErrors, c.otherStatus)
}

func (c pushCounts) minus(d pushCounts) pushCounts {
	return pushCounts{c.pushes - d.pushes, c.refused - d.refused, c.failed - d.failed, c.serverErrors - d.serverErrors, c.otherStatus - d.otherStatus}
}

func (s *pushStats) snapshot() pushCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c
}

// waitPushes waits until n more pushes have been answered (or failed).
func (s *pushStats) waitPushes(t testing.TB, n int) {
	t.Helper()
	from := s.snapshot().pushes
	waitFor(t, 60*time.Second, fmt.Sprintf("%d more pushes", n), func() bool { return s.snapshot().pushes >= from+n })
}

func (s *pushStats) problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs[:min(len(s.errs), 5)]...)
}

func (s *pushStats) completeCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.complete...)
}

// pushContinuously runs three clients, each pushing one call's three events after
// another, a new connection for each (as a webhook sender does), until stop is called.
// Aloware waits at least 110 s for an answer; so does this client.
func (s *pushStats) pushContinuously(t *testing.T, base string) (stop func()) {
	events := lifecycle(t, "inbound-940870001")
	client := &http.Client{Timeout: 110 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				id := fmt.Sprint(950000000 + s.nextID.Add(1))
				ok := true
				for _, raw := range withEach(events, "940870001", id) {
					ok = s.push(client, base, raw) && ok
					time.Sleep(40 * time.Millisecond)
				}
				if ok {
					s.mu.Lock()
					s.complete = append(s.complete, id)
					s.mu.Unlock()
				}
			}
		})
	}
	return func() { close(done); wg.Wait() }
}

func (s *pushStats) push(client *http.Client, base string, raw []byte) bool {
	resp, err := client.Post(base+"/push", "application/json", bytes.NewReader(raw))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c.pushes++
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		s.c.refused++
	case err != nil:
		s.c.failed++
	case resp.StatusCode >= 500:
		s.c.serverErrors++
	case resp.StatusCode != 202 && resp.StatusCode != 200:
		s.c.otherStatus++
	default:
		resp.Body.Close()
		return true
	}
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		err = fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	s.errs = append(s.errs, err.Error())
	return false
}

// storedEvents is the number of events GET /calls/{id} lists for the call.
func storedEvents(t testing.TB, base, id string) int {
	t.Helper()
	resp, err := http.Get(base + "/calls/" + id)
	if err != nil {
		t.Fatalf("GET /calls/%s: %v", id, err)
	}
	defer resp.Body.Close()
	var rec struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil {
		t.Fatalf("GET /calls/%s: %v", id, err)
	}
	return len(rec.Events)
}

// withoutEvents drops the lines of every stored event and delivery, which drown the rest.
func withoutEvents(logs string) string {
	var keep []string
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `"msg":"event stored"`) && !strings.Contains(line, `"msg":"delivered to Kendo"`) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// The notify protocol as systemd speaks it: READY=1 with the main pid once the service
// serves, WATCHDOG=1 pings at half of WATCHDOG_USEC, STOPPING=1 on SIGTERM.
func TestSystemdNotifyAndWatchdog(t *testing.T) {
	t.Parallel()
	notify := listenNotify(t)
	addr := freeAddr(t)
	p := startServe(t, []string{"NOTIFY_SOCKET=" + notify.path, "WATCHDOG_USEC=200000"}, nil,
		[]string{"serve", "--listen", addr, "--db", "sqlite:" + t.TempDir() + "/ak.db", "--kendo-api-key", key})
	pid := p.cmd.Process.Pid
	notify.waitReady(t, 0, 0, pid)
	if resp, err := http.Get("http://" + addr + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("READY=1 before /readyz answers 200: %v %v", resp, err)
	}
	pings := func() int {
		n := 0
		for _, m := range notify.messages() {
			if m["WATCHDOG"] == "1" {
				n++
			}
		}
		return n
	}
	waitFor(t, 10*time.Second, "three watchdog pings", func() bool { return pings() >= 3 })
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.exited(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	stopping := false
	for _, m := range notify.messages() {
		stopping = stopping || m["STOPPING"] == "1"
	}
	if !stopping {
		t.Errorf("no STOPPING=1 after SIGTERM; got %v", notify.messages())
	}
}

// On PostgreSQL owners may overlap (replicas do): the new process opens the database and
// serves before the old one drains. Three upgrades under a pushing client: nothing
// refused, no 5xx, every call delivered once.
func TestSIGHUPUpgradesOnPostgres(t *testing.T) {
	t.Parallel()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	k := kendotest.New(t, kendo.Rate{Limit: 1000, Period: time.Second})
	notify := listenNotify(t)
	addr := freeAddr(t)
	first := startServe(t, []string{"NOTIFY_SOCKET=" + notify.path}, nil, []string{"serve", "--listen", addr,
		"--db", testenv.FreshPostgres(t), "--kendo-url", k.URL(), "--kendo-api-key", key, "--kendo-rate", "200/s",
		"--settle", "0s", "--kendo-timeout", "3s", "--shutdown-timeout", "10s"})
	cur, exited := notify.waitReady(t, 0, 0, first.cmd.Process.Pid), first.exited
	var stats pushStats
	stop := stats.pushContinuously(t, "http://"+addr)
	stats.waitPushes(t, 20)
	cur, exited = upgradeUnderLoad(t, notify, &stats, 3, cur, exited)
	stop()
	all := stats.snapshot()
	if all.refused != 0 || all.failed != 0 || all.serverErrors != 0 || all.otherStatus != 0 {
		t.Errorf("across 3 upgrades on PostgreSQL: %s; first problems: %v", all, stats.problems())
	}
	calls := stats.completeCalls()
	waitFor(t, time.Minute, "every call delivered", func() bool { return len(k.Emu.Calls()) >= len(calls) })
	time.Sleep(2 * time.Second)
	seen := map[string]int{}
	for _, p := range k.Payloads(t) {
		seen[fmt.Sprint(p.Metadata["alowareCallId"])]++
	}
	for _, id := range calls {
		if seen[id] != 1 {
			t.Errorf("call %s reached Kendo %d times", id, seen[id])
		}
	}
	t.Logf("3 upgrades on PostgreSQL: %s; %d calls, Kendo got %d POSTs", all, len(calls), k.Posts())
	if err := syscall.Kill(cur, syscall.SIGTERM); err == nil {
		exited(t)
	}
}

// A new binary that cannot start leaves the old process serving: the upgrade fails, the
// old one says READY=1 again, and a later SIGHUP with a good binary at the path works.
func TestFailedUpgradeKeepsServing(t *testing.T) {
	t.Parallel()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	dir := t.TempDir()
	installed := dir + "/aloware-kendo"
	install := func(content []byte) {
		t.Helper()
		tmp := installed + ".new"
		if err := os.WriteFile(tmp, content, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, installed); err != nil { // as `install` does: the running file stays intact
			t.Fatal(err)
		}
	}
	good, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	install(good)
	notify := listenNotify(t)
	addr := freeAddr(t)
	p := startServeBinary(t, installed, []string{"NOTIFY_SOCKET=" + notify.path}, nil,
		[]string{"serve", "--listen", addr, "--db", "sqlite:" + dir + "/ak.db", "--kendo-api-key", key})
	pid := notify.waitReady(t, 0, 0, p.cmd.Process.Pid)

	install([]byte("#!/bin/sh\necho 'broken build' >&2\nexit 3\n"))
	mark := notify.mark()
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if again := notify.waitReady(t, mark, 0, 0); again != pid {
		t.Fatalf("after a failed upgrade pid %d is main, want the old %d", again, pid)
	}
	if resp, err := http.Get("http://" + addr + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the old process stopped serving after a failed upgrade: %v %v", resp, err)
	}

	install(good)
	mark = notify.mark()
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	next := notify.waitReady(t, mark, pid, 0)
	if code := p.exited(t); code != 0 {
		t.Fatalf("the old process exited with %d", code)
	}
	if err := syscall.Kill(next, syscall.SIGTERM); err == nil {
		reapedExit(next)(t)
	}
}
