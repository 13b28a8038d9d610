package jsontape

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Value is one value of a Doc. The zero Value is "absent" (its Kind is Null).
type Value struct {
	d *Doc
	i int32
}

// Root is the document's top-level value.
func (d *Doc) Root() Value { return Value{d, 0} }

func (v Value) node() node { return v.d.nodes[v.i] }

// Kind is the value's JSON type.
func (v Value) Kind() Kind {
	if v.d == nil {
		return Null
	}
	return v.d.nodes[v.i].kind
}

func (v Value) IsObject() bool { return v.Kind() == Object }
func (v Value) IsArray() bool  { return v.Kind() == Array }

// Raw is the value's JSON text (a string with its quotes).
func (v Value) Raw() string {
	n := v.node()
	if n.kind == String {
		return v.d.text[n.start-1 : n.end+1]
	}
	return v.d.text[n.start:n.end]
}

// Text is a string value's content, decoded.
func (v Value) Text() string {
	n := v.node()
	s := v.d.text[n.start:n.end]
	if !n.escaped {
		return s
	}
	return unescape(s)
}

// Members calls fn for each key and value of an object, in document order (a repeated
// key is passed each time it appears).
func (v Value) Members(fn func(key string, val Value)) {
	n := v.node()
	for i := v.i + 1; i < n.next; {
		fn(Value{v.d, i}.Text(), Value{v.d, i + 1})
		i = v.d.nodes[i+1].next
	}
}

// Items calls fn for each item of an array, in document order.
func (v Value) Items(fn func(item Value)) {
	n := v.node()
	for i := v.i + 1; i < n.next; i = v.d.nodes[i].next {
		fn(Value{v.d, i})
	}
}

// Len is the number of members of an object or items of an array.
func (v Value) Len() int {
	n, count := v.node(), 0
	for i := v.i + 1; i < n.next; count++ {
		if n.kind == Object {
			i++ // from the key to its value
		}
		i = v.d.nodes[i].next
	}
	return count
}

// unescape decodes the backslash escapes of a string's content as encoding/json does
// (a lone surrogate becomes U+FFFD).
func unescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			j := strings.IndexByte(s[i:], '\\')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		switch e := s[i+1]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r := hex4(s[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(s[i+2:i+6])); pair != utf8.RuneError {
						b.WriteRune(pair)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
			continue
		default: // '"', '\\', '/'
			b.WriteByte(e)
		}
		i += 2
	}
	return b.String()
}

func hex4(s string) rune {
	var r rune
	for i := range 4 {
		c := s[i]
		switch {
		case isDigit(c):
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
