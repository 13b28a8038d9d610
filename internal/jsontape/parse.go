// Package jsontape parses a JSON document in one pass into a tape: the document's text
// and its values in document order, each with the index of the value after it.
//
// The one pass checks everything a caller needs before it reads (UTF-8, JSON syntax,
// nesting depth) and records where each value is. Reading then jumps over what it does
// not want instead of scanning it again, and a string is cut out of the text (decoded
// only when it has escapes), so the cost of reading a document is one pass plus the
// values actually read. It accepts exactly what encoding/json accepts, except bytes that
// are not UTF-8 (encoding/json replaces them silently) and nesting deeper than MaxDepth.
package jsontape

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// MaxDepth is how deeply objects and arrays may nest. Real Aloware bodies nest four
// levels; the limit keeps recursive readers cheap and safe on hostile input. A document
// nesting deeper is checked to the end (so the caller can tell JSON from not-JSON) but
// not recorded.
const MaxDepth = 64

// Doc is one parsed document. Strings read from it are cut from its own copy of the
// text, so they never alias the caller's buffer and stay valid after Release.
type Doc struct {
	text  string
	nodes []node
}

// Kind is the JSON type of a value.
type Kind uint8

const (
	Null Kind = iota
	False
	True
	Number
	String
	Array
	Object
)

// node is one value on the tape. Objects are followed by their members as key, value,
// key, value…; arrays by their items.
type node struct {
	kind    Kind
	escaped bool  // a string holding backslash escapes
	start   int32 // strings: after the opening quote; other values: their first byte
	end     int32 // strings: the closing quote; other values: after their last byte
	next    int32 // index of the node after this value and everything inside it
}

// Reason says why Parse refused a document.
type Reason uint8

const (
	Empty       Reason = iota + 1 // nothing but white space
	TooLarge                      // more bytes than the tape's 32-bit offsets address
	InvalidUTF8                   // a string holding bytes that are not UTF-8
	Syntax                        // not JSON
	TooDeep                       // JSON, but nesting deeper than MaxDepth
)

// Error is why a document was refused and where.
type Error struct {
	Reason Reason
	Offset int    // the byte where the document went wrong (InvalidUTF8, Syntax)
	detail string // what was wrong there (Syntax)
}

// NotJSON tells a document that is not JSON at all from one that is JSON but nests
// too deeply to be read.
func (e *Error) NotJSON() bool { return e.Reason != TooDeep }

func (e *Error) Error() string {
	switch e.Reason {
	case Empty:
		return "empty document"
	case TooLarge:
		return "document too large"
	case InvalidUTF8:
		return fmt.Sprintf("not valid UTF-8 (at byte %d)", e.Offset)
	case TooDeep:
		return fmt.Sprintf("JSON nests deeper than %d levels", MaxDepth)
	}
	return fmt.Sprintf("not valid JSON: %s (at byte %d)", e.detail, e.Offset)
}

// errInvalidUTF8 is the syntax error for bytes that are not UTF-8.
const errInvalidUTF8 = "invalid UTF-8 in string"

// syntaxError is where and why the parser stopped.
type syntaxError struct {
	msg string
	at  int
}

// Parse parses raw, which must hold exactly one JSON value (white space around it
// allowed). A refusal is always an *Error. Release the Doc when done reading it.
func Parse(raw []byte) (*Doc, error) {
	if len(raw) > math.MaxInt32 {
		return nil, &Error{Reason: TooLarge}
	}
	ps := parser{s: string(raw), nodes: tapes.get(tapeSize(raw))}
	i := ps.ws(0)
	if i == len(ps.s) {
		tapes.put(ps.nodes)
		return nil, &Error{Reason: Empty}
	}
	i = ps.value(i, 0)
	if ps.err == nil {
		if i = ps.ws(i); i < len(ps.s) {
			ps.fail(i, "invalid character %s after the top-level value", quoteChar(ps.s[i]))
		}
	}
	switch {
	case ps.err != nil:
		tapes.put(ps.nodes)
		return nil, refusal(raw, ps.err)
	case ps.tooDeep:
		tapes.put(ps.nodes)
		return nil, &Error{Reason: TooDeep}
	}
	return &Doc{text: ps.s, nodes: ps.nodes}, nil
}

// tapeSize is at least the number of nodes raw's tape needs, so the tape is never grown
// (growing holds the old and the new tape at once: for a long transcript of short
// messages, three times the event's size). Every key is followed by a colon, every
// value but the first by a colon or a comma or an opening bracket, so their counts bound
// it; those inside strings only make it larger. bytes.Count is cheap next to parsing.
func tapeSize(raw []byte) int {
	return 2*bytes.Count(raw, []byte{':'}) + bytes.Count(raw, []byte{','}) +
		bytes.Count(raw, []byte{'['}) + bytes.Count(raw, []byte{'{'}) + 1
}

// Release gives the tape back for the next document; d must not be read afterwards.
// (Strings read from d stay valid: they are cut from its text, not from the tape.)
func (d *Doc) Release() {
	tapes.put(d.nodes)
	d.nodes = nil
}

// tapes recycles tapes: a typical event's tape is about as large as the event, and
// every request would otherwise allocate one.
var tapes tapePool

type tapePool struct{ pool sync.Pool }

// maxPooledTape bounds what is kept for reuse (1 MB), so one huge event does not pin
// its tape.
const maxPooledTape = 1 << 16

func (t *tapePool) get(size int) []node {
	if p, ok := t.pool.Get().(*[]node); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]node, 0, size)
}

func (t *tapePool) put(nodes []node) {
	if cap(nodes) <= maxPooledTape {
		t.pool.Put(&nodes)
	}
}

// refusal explains a syntax error. encoding/json's wording is the one people know, so it
// is used when it agrees (this runs only for input that is refused).
func refusal(raw []byte, e *syntaxError) *Error {
	if e.msg == errInvalidUTF8 {
		return &Error{Reason: InvalidUTF8, Offset: e.at} // encoding/json would accept it
	}
	var v json.RawMessage
	if se, ok := json.Unmarshal(raw, &v).(*json.SyntaxError); ok {
		return &Error{Reason: Syntax, Offset: int(se.Offset), detail: se.Error()}
	}
	return &Error{Reason: Syntax, Offset: e.at, detail: e.msg}
}

type parser struct {
	s       string
	nodes   []node
	err     *syntaxError
	tooDeep bool
}

func (p *parser) fail(at int, format string, args ...any) int {
	if p.err == nil {
		p.err = &syntaxError{msg: fmt.Sprintf(format, args...), at: at}
	}
	return len(p.s)
}

func (p *parser) ws(i int) int {
	for i < len(p.s) {
		switch p.s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (p *parser) push(k Kind, start, end int) int {
	p.nodes = append(p.nodes, node{kind: k, start: int32(start), end: int32(end), next: int32(len(p.nodes) + 1)})
	return len(p.nodes) - 1
}

// value parses the value at s[i] (not white space) and returns the index after it.
// depth is the number of containers around it.
func (p *parser) value(i, depth int) int {
	if i >= len(p.s) {
		return p.fail(i, "unexpected end of JSON input")
	}
	switch c := p.s[i]; {
	case c == '{' || c == '[':
		if depth == MaxDepth {
			p.tooDeep = true
			return p.skipDeep(i)
		}
		return p.container(i, depth+1)
	case c == '"':
		return p.str(i)
	case c == '-' || isDigit(c):
		return p.number(i)
	case c == 't':
		return p.literal(i, "true", True)
	case c == 'f':
		return p.literal(i, "false", False)
	case c == 'n':
		return p.literal(i, "null", Null)
	default:
		return p.fail(i, "invalid character %s looking for beginning of value", quoteChar(c))
	}
}

// container parses an object or an array; depth counts it.
func (p *parser) container(i, depth int) int {
	open := p.s[i]
	k, closing := Array, byte(']')
	if open == '{' {
		k, closing = Object, '}'
	}
	n := p.push(k, i, 0)
	i = p.ws(i + 1)
	if i < len(p.s) && p.s[i] == closing {
		i++
	} else {
		for p.err == nil {
			if k == Object {
				if i >= len(p.s) || p.s[i] != '"' {
					return p.fail(i, "expected an object key (a string)")
				}
				i = p.ws(p.str(i))
				if i >= len(p.s) || p.s[i] != ':' {
					return p.fail(i, "expected ':' after an object key")
				}
				i = p.ws(i + 1)
			}
			i = p.ws(p.value(i, depth))
			if i >= len(p.s) {
				return p.fail(i, "unexpected end of JSON input")
			}
			if p.s[i] == ',' {
				i = p.ws(i + 1)
				continue
			}
			if p.s[i] != closing {
				return p.fail(i, "invalid character %s after an %s element", quoteChar(p.s[i]), map[Kind]string{Object: "object", Array: "array"}[k])
			}
			i++
			break
		}
	}
	p.nodes[n].end, p.nodes[n].next = int32(i), int32(len(p.nodes))
	return i
}

// str parses the string starting at the quote s[i], checking escapes and UTF-8.
func (p *parser) str(i int) int {
	start, escaped := i+1, false
	for j := start; j < len(p.s); {
		for j < len(p.s) && plain[p.s[j]] {
			j++ // the common bytes, in a tight loop
		}
		if j == len(p.s) {
			break
		}
		c := p.s[j]
		switch {
		case c == '"':
			n := p.push(String, start, j)
			p.nodes[n].escaped = escaped
			return j + 1
		case c == '\\':
			escaped = true
			if j+1 >= len(p.s) {
				return p.fail(j, "unexpected end of JSON input")
			}
			switch p.s[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(p.s) || !isHex4(p.s[j+2:j+6]) {
					return p.fail(j, "invalid \\u escape in string")
				}
				j += 6
			default:
				return p.fail(j, "invalid escape %s in string", quoteChar(p.s[j+1]))
			}
		case c < 0x20:
			return p.fail(j, "invalid control character %s in string", quoteChar(c))
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRuneInString(p.s[j:])
			if r == utf8.RuneError && size == 1 {
				return p.fail(j, "%s", errInvalidUTF8)
			}
			j += size
		}
	}
	return p.fail(len(p.s), "unexpected end of JSON input")
}

// plain marks the bytes a string holds as they are: not the quote, the backslash, a
// control character or the start of a multi-byte UTF-8 sequence.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex4(s string) bool {
	for i := range 4 {
		c := s[i]
		if !isDigit(c) && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number parses the number at s[i]: the run of bytes a number is made of, which must
// follow the JSON number grammar (IsNumber). None of those bytes may follow a number
// in a valid document, so for one the run is exactly the number.
func (p *parser) number(i int) int {
	j := i
	for j < len(p.s) && (isDigit(p.s[j]) || p.s[j] == '-' || p.s[j] == '+' || p.s[j] == '.' || p.s[j] == 'e' || p.s[j] == 'E') {
		j++
	}
	if !IsNumber(p.s[i:j]) {
		return p.fail(i, "invalid number %q", p.s[i:j])
	}
	p.push(Number, i, j)
	return j
}

func (p *parser) literal(i int, word string, k Kind) int {
	if !strings.HasPrefix(p.s[i:], word) {
		return p.fail(i, "invalid literal: expected %s", word)
	}
	p.push(k, i, i+len(word))
	return i + len(word)
}

// skipDeep checks the syntax of a value nested beyond MaxDepth without recording it:
// the document is refused either way, but the caller needs to know whether it is JSON
// (the service keeps deep JSON objects for an operator and refuses what is not JSON).
// It keeps its own stack, so hostile nesting cannot exhaust the goroutine's.
func (p *parser) skipDeep(i int) int {
	var stack []byte
	for {
		i = p.ws(i)
		if i >= len(p.s) {
			return p.fail(i, "unexpected end of JSON input")
		}
		switch c := p.s[i]; c {
		case '{', '[':
			stack = append(stack, c)
			i = p.ws(i + 1)
			if i < len(p.s) && (p.s[i] == '}' && c == '{' || p.s[i] == ']' && c == '[') {
				stack = stack[:len(stack)-1]
				i++
				break
			}
			if c == '{' {
				i = p.key(i)
			}
			continue
		default:
			mark := len(p.nodes)
			i = p.value(i, MaxDepth) // a scalar: containers were handled above
			p.nodes = p.nodes[:mark]
		}
		// after a value: close containers or go on with the next element
		for {
			if p.err != nil {
				return len(p.s)
			}
			if len(stack) == 0 {
				return i
			}
			i = p.ws(i)
			if i >= len(p.s) {
				return p.fail(i, "unexpected end of JSON input")
			}
			top := stack[len(stack)-1]
			switch c := p.s[i]; {
			case c == ',':
				i++
				if top == '{' {
					i = p.key(p.ws(i))
				}
			case c == '}' && top == '{', c == ']' && top == '[':
				stack = stack[:len(stack)-1]
				i++
				continue
			default:
				return p.fail(i, "invalid character %s in a nested value", quoteChar(c))
			}
			break
		}
	}
}

// key checks `"key":` at s[i] inside skipDeep and returns the index after the colon.
func (p *parser) key(i int) int {
	if i >= len(p.s) || p.s[i] != '"' {
		return p.fail(i, "expected an object key (a string)")
	}
	mark := len(p.nodes)
	i = p.ws(p.str(i))
	p.nodes = p.nodes[:mark]
	if i >= len(p.s) || p.s[i] != ':' {
		return p.fail(i, "expected ':' after an object key")
	}
	return i + 1
}

func quoteChar(c byte) string {
	if c < 0x20 || c >= utf8.RuneSelf {
		return fmt.Sprintf("%#02x", c)
	}
	return strconv.QuoteRune(rune(c))
}
