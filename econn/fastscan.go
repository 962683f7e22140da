package econn

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"unicode/utf8"
)

// The fast scan of a message: scanMembers for the messages peers send.
//
// The library's scan (jsontext) validates every byte of every value
// through a general, resumable state machine; for a SETUP, whose SDP is
// nine tenths of the message, that was a third of Decode's time. fastScan
// walks the same grammar with less generality: whole strings at eight
// bytes a step, no token stack, the member names of an object compared in
// place. It accepts only what the library accepts (RFC 8259 JSON,
// valid UTF-8, no duplicate member name at any depth, nothing after the
// object) and gives the same value spans. Whenever something is out of
// the ordinary — any error, a \u escape, an escaped member name, deep
// nesting, an object of many members — it gives up, and the library's
// scan decides, and names the error. FuzzFastScan compares the two on
// any input.

// fastScanner is the state of one fast scan.
type fastScanner struct {
	b       []byte
	i       int
	depth   int
	unq     *unquotedMembers
	scratch []byte // where string members are unescaped (stringText)
}

// scratchPool keeps the fast scanners' unescaping buffers.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}

// Bounds past which the fast scan leaves a message to the library.
const (
	fastMaxDepth   = 16 // nesting of objects and arrays
	fastMaxMembers = 32 // members of one object (duplicates are searched in place)
)

// fastScan is scanMembers's fast path; ok is false when the library's
// scan must decide. The string members the codec knows are unescaped into
// unq as they are validated: a second pass over an SDP, escaped every
// twenty bytes or so, cost as much as the scan.
func fastScan(data []byte, unq *unquotedMembers) (raw rawMembers, ok bool) {
	buf := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(buf)
	s := fastScanner{b: data, unq: unq, scratch: *buf}
	defer func() { *buf = s.scratch }()
	s.space()
	if !s.next('{') {
		return raw, false
	}
	if !s.object(&raw) {
		return raw, false
	}
	s.space()
	return raw, s.i == len(s.b)
}

// space skips JSON white space.
func (s *fastScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes c if it is the next byte.
func (s *fastScanner) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// object scans an object whose '{' has been consumed; top, when not nil,
// receives the values of the members the codec knows (those of the
// message itself).
func (s *fastScanner) object(top *rawMembers) bool {
	if s.depth++; s.depth > fastMaxDepth {
		return false
	}
	defer func() { s.depth-- }()
	var names [fastMaxMembers][2]int // where each member's name lies, quotes excluded
	n := 0
	s.space()
	if s.next('}') {
		return true
	}
	for {
		if n == fastMaxMembers || !s.next('"') {
			return false
		}
		start := s.i
		escaped, ok := s.stringRest()
		if !ok || escaped {
			return false // an escaped name could equal another: the library compares
		}
		name := s.b[start : s.i-1]
		for _, o := range names[:n] {
			if string(s.b[o[0]:o[1]]) == string(name) {
				return false // a duplicate: the library's error names it
			}
		}
		names[n] = [2]int{start, s.i - 1}
		n++
		s.space()
		if !s.next(':') {
			return false
		}
		s.space()
		vstart := s.i
		f, known := field(0), false
		if top != nil {
			f, known = fieldByName[string(name)]
		}
		switch {
		case known && fields[f].str != nil && s.next('"'):
			text, ok := s.stringText()
			if !ok {
				return false
			}
			s.unq.text[f], s.unq.has[f] = text, true
		case !s.value():
			return false
		}
		if known && s.b[vstart] != 'n' {
			top[f] = s.b[vstart:s.i]
		}
		s.space()
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
		s.space()
	}
}

// array scans an array whose '[' has been consumed.
func (s *fastScanner) array() bool {
	if s.depth++; s.depth > fastMaxDepth {
		return false
	}
	defer func() { s.depth-- }()
	s.space()
	if s.next(']') {
		return true
	}
	for {
		if !s.value() {
			return false
		}
		s.space()
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
		s.space()
	}
}

// value scans one value.
func (s *fastScanner) value() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; c {
	case '"':
		s.i++
		_, ok := s.stringRest()
		return ok
	case '{':
		s.i++
		return s.object(nil)
	case '[':
		s.i++
		return s.array()
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return s.number()
		}
		return false
	}
}

func (s *fastScanner) literal(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; what
// follows it is the caller's to check.
func (s *fastScanner) number() bool {
	s.next('-')
	switch {
	case s.next('0'):
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.next('.') && !s.digits() {
		return false
	}
	if s.next('e') || s.next('E') {
		if !s.next('+') {
			s.next('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits consumes [0-9]* and reports whether there was one.
func (s *fastScanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// SWAR masks: a byte of ones, and each byte's high bit.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special reports, in the high bit of each byte, which of the eight bytes
// of w (little-endian: the first is the lowest) need a look; the lowest
// flag is exact, those above it may be false (a borrow spills over): a quote, a backslash, a control character or a
// byte of a multi-byte UTF-8 sequence.
func special(w uint64) uint64 {
	quote := w ^ ('"' * ones)
	backslash := w ^ ('\\' * ones)
	control := (w - 0x20*ones) &^ w // a byte below 0x20
	quoted := (quote - ones) &^ quote
	escape := (backslash - ones) &^ backslash
	return (control | quoted | escape | w) & highs
}

// stringRest scans the rest of a string whose opening quote has been
// consumed, up to and including the closing quote. It reports whether
// the string has escapes, and gives up (ok false) on a \u escape and on
// anything invalid.
func (s *fastScanner) stringRest() (escaped, ok bool) {
	_, escaped, ok = s.scanString(false)
	return escaped, ok
}

// stringText is stringRest that also returns the string's text,
// unescaped in the same pass.
func (s *fastScanner) stringText() (string, bool) {
	text, _, ok := s.scanString(true)
	return text, ok
}

// scanString scans the rest of a string, eight plain bytes at a time
// (most of an SDP), then straight to the first byte that needs a look.
// With text, it builds the unescaped text in the scratch buffer as it
// goes, whole words at a time (the text never outgrows what is left of
// the message, and 8 bytes spare let every store write a word), and
// copies it out at its size.
func (s *fastScanner) scanString(text bool) (str string, escaped, ok bool) {
	b, i := s.b, s.i
	var out []byte
	if text {
		if need := len(b) - i + 8; cap(s.scratch) < need {
			s.scratch = make([]byte, need)
		}
		out = s.scratch[:cap(s.scratch)]
	}
	j := 0 // the text's length
	for {
		for i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			if text {
				binary.LittleEndian.PutUint64(out[j:], w)
			}
			if m := special(w); m != 0 {
				n := bits.TrailingZeros64(m) >> 3
				i, j = i+n, j+n
				break
			}
			i, j = i+8, j+8
		}
		if i >= len(b) {
			return "", false, false
		}
		size := 1 // of the text the byte at i gives
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			if text {
				str = string(out[:j])
			}
			return str, escaped, true
		case c == '\\':
			if i+1 >= len(b) || unescaped[b[i+1]] == 0 {
				return "", false, false // \u, or an invalid escape
			}
			if text {
				out[j] = unescaped[b[i+1]]
			}
			escaped = true
			i, j = i+2, j+1
			continue
		case c < 0x20:
			return "", false, false
		case c >= utf8.RuneSelf:
			var r rune
			if r, size = utf8.DecodeRune(b[i:]); r == utf8.RuneError && size == 1 {
				return "", false, false
			}
		}
		if text {
			copy(out[j:], b[i:i+size])
		}
		i, j = i+size, j+size
	}
}
