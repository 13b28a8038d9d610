package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aloware-kendo/aloware-kendo/config"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"golang.org/x/sync/semaphore"
)

// defaultBodyMemory is the budget of request-body bytes held in memory at once when
// Deps.BodyMemory is zero: the default of --body-memory-mb.
const defaultBodyMemory = config.DefaultBodyMemoryMB << 20

// Routes anyone can reach without credentials (OpenPath: Kendo's webhook, health, docs,
// metrics) take small bodies, from a budget of their own: nothing an outsider sends can
// hold the memory /push needs. Kendo's webhook deliveries are a few hundred bytes; the
// rest of those routes take no body at all.
const (
	openBodyLimit  = 64 << 10 // the largest body an open route reads
	openBodyMemory = 4 << 20  // what open routes' bodies may hold at once: 64 of the largest
)

// intakeWork bounds the raw bytes being parsed and folded at once (POST /push and /map).
// Reading an event into a call costs several times its size in memory (its tape, its
// strings, the merged call and its encoding), far more than the body the budget counts;
// past this bound an event waits, its body already read and counted, instead of being
// refused: one 5 MB event at a time, and any number of typical few-KB ones.
const intakeWork = kendo.MaxBodyBytes

// bodyReadTimeout is how long a client has to send a whole body once its headers are in.
// A stalled upload holds its share of the budget at most this long. 15 s lets a 5 MiB
// body through at 350 KB/s. (A variable only so a test can wait less.)
var bodyReadTimeout = 15 * time.Second

// defaultBodyLimit is huma's default MaxBodyBytes (1 MiB), for an operation that takes a
// body but sets no limit.
const defaultBodyLimit = 1<<20 + 1

// unknownLengthStep is how much of the budget a body without Content-Length (chunked)
// reserves at first; it reserves more as its buffer grows.
const unknownLengthStep = 64 << 10

// bodies reads every request body exactly once, into memory counted against a budget,
// before huma parses anything: a body whose Content-Length is over the operation's
// limit is a 413 before a byte of it is kept; one that does not fit in what is left of
// the budget is a 503 with Retry-After, unread; the rest is read under a deadline into
// a buffer of exactly its size. The operations that take raw bytes read them from the
// context (requestBody); others get them back as the request's body, from memory.
// The reservation is released when the operation has answered, or earlier when it says
// it is done with the body (releaseBody).
//
// Credentials are checked before any of this (the authenticator wraps the whole mux),
// so only open routes read a body from an unauthenticated client, and those draw on
// their own small budget.
type bodies struct {
	budget *semaphore.Weighted    // routes behind credentials
	open   *semaphore.Weighted    // routes anyone can reach
	isOpen func(path string) bool // which routes those are
	work   *semaphore.Weighted    // intakeWork
	refuse func(status int)       // counts refusals (metrics); may be nil
}

func newBodies(size int64, isOpen func(path string) bool) *bodies {
	if size <= 0 {
		size = defaultBodyMemory
	}
	return &bodies{budget: semaphore.NewWeighted(size), open: semaphore.NewWeighted(openBodyMemory),
		isOpen: isOpen, work: semaphore.NewWeighted(intakeWork)}
}

type bodyKey struct{}

// heldBody is a request's body in memory and its share of a budget. It is the request's
// Body too, so dropping it (release) drops the last reference to the bytes.
type heldBody struct {
	body   []byte
	read   int
	budget *semaphore.Weighted
	held   int64
}

func (h *heldBody) Read(p []byte) (int, error) {
	if h.read >= len(h.body) {
		return 0, io.EOF
	}
	n := copy(p, h.body[h.read:])
	h.read += n
	return n, nil
}

func (h *heldBody) Close() error { return nil }

// release gives the body's share of the budget back and forgets the bytes. Only the
// goroutine serving the request calls it (the middleware, or the operation it runs).
func (h *heldBody) release() {
	if h.held > 0 {
		h.budget.Release(h.held)
		h.held = 0
	}
	h.body, h.read = nil, 0
}

// requestBody is the body the bodies middleware read for this request (nil if none).
func requestBody(ctx context.Context) []byte {
	if h, ok := ctx.Value(bodyKey{}).(*heldBody); ok {
		return h.body
	}
	return nil
}

// releaseBody is for an operation that is done with its body before it answers (a
// /push?wait= once its event is stored): the budget is free for others while it waits.
// The caller must keep no reference to the bytes it got from requestBody.
func releaseBody(ctx context.Context) {
	if h, ok := ctx.Value(bodyKey{}).(*heldBody); ok {
		h.release()
	}
}

// working runs fn once raw's share of intakeWork is free, and gives the share back when
// fn returns (or panics). An error means the client went away while it waited; fn did
// not run.
func (b *bodies) working(ctx context.Context, raw []byte, fn func()) error {
	n := min(int64(len(raw)), intakeWork)
	if err := b.work.Acquire(ctx, n); err != nil {
		return err
	}
	defer b.work.Release(n)
	fn()
	return nil
}

// middleware is the huma middleware; api writes its problems.
func (b *bodies) middleware(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		r, w := humago.Unwrap(ctx)
		if op == nil || r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			next(ctx)
			return
		}
		limit := op.MaxBodyBytes
		if limit <= 0 {
			if op.RequestBody == nil {
				next(ctx) // takes no body: nobody reads it
				return
			}
			limit = defaultBodyLimit // huma reads a RawBody without a limit of its own
		}
		budget := b.budget
		if b.isOpen != nil && b.isOpen(r.URL.Path) {
			budget, limit = b.open, min(limit, openBodyLimit+1)
		}
		maxBytes := limit - 1 // huma's limit is one past the largest accepted size
		held := &heldBody{budget: budget}
		defer held.release()
		// The whole body, and the rest of one refused as too large, must arrive in time.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(bodyReadTimeout)) // unsupported only by test writers
		status, err := b.read(r, budget, maxBytes, held)
		if err != nil {
			if b.refuse != nil {
				b.refuse(status)
			}
			switch status {
			case http.StatusServiceUnavailable:
				ctx.SetHeader("Retry-After", strconv.Itoa(retryAfterSeconds))
			case http.StatusRequestEntityTooLarge:
				held.release() // nothing of it is kept while the rest is discarded
				drainOversized(r, maxBytes)
			}
			_ = rc.SetReadDeadline(time.Time{})
			_ = huma.WriteErr(api, ctx, status, err.Error())
			return
		}
		_ = rc.SetReadDeadline(time.Time{})
		r.Body = held
		r.ContentLength = int64(len(held.body))
		next(huma.WithValue(ctx, bodyKey{}, held))
	}
}

// drainOversized reads and discards the rest of a body refused as too large, when it is
// at most as large again as the route's limit. A client that writes its whole body
// before reading the answer (Go's transport, Python's urllib) would otherwise see its
// connection reset, the unread bytes making the close an abort, and never read the 413.
// Nothing is kept, so this costs bandwidth and the read deadline, not memory. A client
// that asked "Expect: 100-continue" has sent nothing yet and is answered at once.
func drainOversized(r *http.Request, maxBytes int64) {
	if r.Header.Get("Expect") != "" {
		return
	}
	rest := maxBytes + 1     // a body of unknown length: as much again as was read
	if r.ContentLength > 0 { // refused before any of it was read
		rest = r.ContentLength
		if r.ContentLength > 2*maxBytes {
			return // too much to be worth reading: the connection is closed
		}
	}
	_, _ = io.CopyN(io.Discard, r.Body, rest)
}

var (
	errTooLarge = errors.New("request body is too large")
	errNoBudget = errors.New("too many request bodies in flight; nothing was read or stored, send it again")
	errTimeout  = errors.New("request body read timeout")
)

// read reserves budget and reads the body into held; status is the answer when err is
// set.
func (b *bodies) read(r *http.Request, budget *semaphore.Weighted, maxBytes int64, held *heldBody) (status int, err error) {
	if r.ContentLength > maxBytes {
		return http.StatusRequestEntityTooLarge, fmt.Errorf("%w: at most %d bytes", errTooLarge, maxBytes)
	}
	if n := r.ContentLength; n > 0 {
		if !budget.TryAcquire(n) {
			return http.StatusServiceUnavailable, errNoBudget
		}
		held.held = n
		held.body = make([]byte, n)
		if _, err := io.ReadFull(r.Body, held.body); err != nil {
			return readFailure(err)
		}
		return 0, nil
	}
	return readUnknownLength(r.Body, budget, maxBytes, held)
}

// readUnknownLength reads a body sent without Content-Length, reserving each time its
// buffer doubles: the old and the new buffer while it copies, so such a body needs up to
// three times its size of the budget for a moment. Webhook senders set Content-Length.
func readUnknownLength(rd io.Reader, budget *semaphore.Weighted, maxBytes int64, held *heldBody) (status int, err error) {
	size := min(int64(unknownLengthStep), maxBytes+1)
	if !budget.TryAcquire(size) {
		return http.StatusServiceUnavailable, errNoBudget
	}
	held.held = size
	buf := make([]byte, 0, size)
	for {
		if int64(len(buf)) == int64(cap(buf)) {
			if int64(len(buf)) > maxBytes {
				return http.StatusRequestEntityTooLarge, fmt.Errorf("%w: at most %d bytes", errTooLarge, maxBytes)
			}
			grown := min(2*int64(cap(buf)), maxBytes+1)
			if !budget.TryAcquire(grown) {
				return http.StatusServiceUnavailable, errNoBudget
			}
			next := make([]byte, len(buf), grown)
			copy(next, buf)
			budget.Release(int64(cap(buf)))
			held.held += grown - int64(cap(buf))
			buf = next
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			if int64(len(buf)) > maxBytes {
				return http.StatusRequestEntityTooLarge, fmt.Errorf("%w: at most %d bytes", errTooLarge, maxBytes)
			}
			held.body = buf
			return 0, nil
		}
		if err != nil {
			return readFailure(err)
		}
	}
}

// readFailure classifies a failed body read: the deadline is a 408, a body cut short
// (the client went away, or sent less than its Content-Length) a 400.
func readFailure(err error) (int, error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return http.StatusRequestTimeout, errTimeout
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge, errTooLarge
	}
	return http.StatusBadRequest, fmt.Errorf("the request body ended early: %v", err)
}
