package aloware

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// value is one value of a doc. The zero value is "absent".
type value struct {
	d *doc
	i int32
}

func (v value) node() node { return v.d.nodes[v.i] }

func (v value) kind() kind {
	if v.d == nil {
		return kindNull
	}
	return v.d.nodes[v.i].kind
}

func (v value) isObject() bool { return v.kind() == kindObject }
func (v value) isArray() bool  { return v.kind() == kindArray }

// raw is the value's JSON text (a string with its quotes).
func (v value) raw() string {
	n := v.node()
	if n.kind == kindString {
		return v.d.text[n.start-1 : n.end+1]
	}
	return v.d.text[n.start:n.end]
}

// str is a string value's content, decoded.
func (v value) str() string {
	n := v.node()
	s := v.d.text[n.start:n.end]
	if !n.escaped {
		return s
	}
	return unescape(s)
}

// members calls fn for each key and value of an object, in document order.
func (v value) members(fn func(key string, val value)) {
	n := v.node()
	for i := v.i + 1; i < n.next; {
		key := value{v.d, i}
		val := value{v.d, i + 1}
		fn(key.str(), val)
		i = v.d.nodes[i+1].next
	}
}

// items calls fn for each item of an array, in document order.
func (v value) items(fn func(item value)) {
	n := v.node()
	for i := v.i + 1; i < n.next; i = v.d.nodes[i].next {
		fn(value{v.d, i})
	}
}

// len is the number of members of an object or items of an array.
func (v value) len() int {
	n, count := v.node(), 0
	for i := v.i + 1; i < n.next; count++ {
		if n.kind == kindObject {
			i++ // from the key to its value
		}
		i = v.d.nodes[i].next
	}
	return count
}

func (d *doc) root() value { return value{d, 0} }

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
