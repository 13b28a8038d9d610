package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aloware-kendo/aloware-kendo/config"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"golang.org/x/sync/semaphore"
)

// defaultBodyMemory is the budget of request-body bytes held in memory at once when
// Deps.BodyMemory is zero: the default of --body-memory-mb.
const defaultBodyMemory = config.DefaultBodyMemoryMB << 20

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
// limit is a 413 before a byte of it is read; one that does not fit in what is left of
// the budget is a 503 with Retry-After, also unread; the rest is read under a deadline
// into a buffer of exactly its size. The operations that take raw bytes read them from
// the context (requestBody); others get them back as the request's body, from memory.
// The reservation is released when the operation has answered.
type bodies struct {
	budget *semaphore.Weighted
	refuse func(status int) // counts refusals (metrics); may be nil
}

func newBodies(size int64) *bodies {
	if size <= 0 {
		size = defaultBodyMemory
	}
	return &bodies{budget: semaphore.NewWeighted(size)}
}

type bodyKey struct{}

// requestBody is the body the bodies middleware read for this request (nil if none).
func requestBody(ctx context.Context) []byte {
	b, _ := ctx.Value(bodyKey{}).([]byte)
	return b
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
		maxBytes := limit - 1 // huma's limit is one past the largest accepted size
		body, held, status, err := b.read(r, w, maxBytes)
		defer func() {
			if held > 0 {
				b.budget.Release(held)
			}
		}()
		if err != nil {
			if b.refuse != nil {
				b.refuse(status)
			}
			if status == http.StatusServiceUnavailable {
				ctx.SetHeader("Retry-After", strconv.Itoa(retryAfterSeconds))
			}
			_ = huma.WriteErr(api, ctx, status, err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next(huma.WithValue(ctx, bodyKey{}, body))
	}
}

var (
	errTooLarge = errors.New("request body is too large")
	errNoBudget = errors.New("too many request bodies in flight; nothing was read or stored, send it again")
	errTimeout  = errors.New("request body read timeout")
)

// read reserves and reads the body. held is what it reserved (to release), status the
// answer when err is set.
func (b *bodies) read(r *http.Request, w http.ResponseWriter, maxBytes int64) (body []byte, held int64, status int, err error) {
	if r.ContentLength > maxBytes {
		return nil, 0, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: at most %d bytes", errTooLarge, maxBytes)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(bodyReadTimeout)) // unsupported only by test writers
	defer rc.SetReadDeadline(time.Time{})

	if n := r.ContentLength; n > 0 {
		if !b.budget.TryAcquire(n) {
			return nil, 0, http.StatusServiceUnavailable, errNoBudget
		}
		body = make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			status, err := readFailure(err)
			return nil, n, status, err
		}
		return body, n, 0, nil
	}
	return b.readUnknownLength(r.Body, maxBytes)
}

// readUnknownLength reads a body sent without Content-Length, reserving each time its
// buffer doubles: the old and the new buffer while it copies, so such a body needs up to
// three times its size of the budget for a moment. Webhook senders set Content-Length.
func (b *bodies) readUnknownLength(rd io.Reader, maxBytes int64) (body []byte, held int64, status int, err error) {
	size := min(int64(unknownLengthStep), maxBytes+1)
	if !b.budget.TryAcquire(size) {
		return nil, 0, http.StatusServiceUnavailable, errNoBudget
	}
	held = size
	buf := make([]byte, 0, size)
	for {
		if int64(len(buf)) == int64(cap(buf)) {
			if int64(len(buf)) > maxBytes {
				return nil, held, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: at most %d bytes", errTooLarge, maxBytes)
			}
			grown := min(2*int64(cap(buf)), maxBytes+1)
			if !b.budget.TryAcquire(grown) {
				return nil, held, http.StatusServiceUnavailable, errNoBudget
			}
			next := make([]byte, len(buf), grown)
			copy(next, buf)
			b.budget.Release(int64(cap(buf)))
			held += grown - int64(cap(buf))
			buf = next
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			if int64(len(buf)) > maxBytes {
				return nil, held, http.StatusRequestEntityTooLarge, fmt.Errorf("%w: at most %d bytes", errTooLarge, maxBytes)
			}
			return buf, held, 0, nil
		}
		if err != nil {
			status, err := readFailure(err)
			return nil, held, status, err
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
