package eventlog

import (
	"encoding/binary"
	"fmt"
	"slices"
	"unsafe"
)

// The primitives of the event encoding. Every value is written with an
// append-style encoder and read back by a decoder that checks every length
// against the bytes left, so that arbitrary input yields an error, never a
// panic or a huge allocation.
//
//   - integers: unsigned varints; signed ones zig-zag encoded (binary.PutVarint)
//   - strings: length varint, then the bytes
//   - byte slices, string slices, maps, lists: count+1 varint, 0 for nil, so
//     that nil and empty survive the round trip
//   - maps: entries sorted by key, so that encoding is deterministic

func putUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
func putVarint(b []byte, v int64) []byte   { return binary.AppendVarint(b, v) }

func putString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// putBytes writes a byte slice, keeping nil apart from empty.
func putBytes(b []byte, p []byte) []byte {
	if p == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(p))+1)
	return append(b, p...)
}

// putCount writes the length of a slice or map, 0 for nil.
func putCount(b []byte, n int, isNil bool) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

func putStrings(b []byte, ss []string) []byte {
	b = putCount(b, len(ss), ss == nil)
	for _, s := range ss {
		b = putString(b, s)
	}
	return b
}

// putMap writes a string map with its keys sorted.
func putMap(b []byte, m map[string]string) []byte {
	b = putCount(b, len(m), m == nil)
	if len(m) == 0 {
		return b
	}
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = putString(b, k)
		b = putString(b, m[k])
	}
	return b
}

// decoder reads the primitives back. The first failure is kept in err and
// turns every later read into a no-op returning zero values, so that the
// per-type decoders read straight through and check err once.
type decoder struct {
	b   []byte
	off int
	err error

	// Strings are copied into chunk, one block for the strings of many
	// events (of chunkSize bytes; 0: of the one value decoded), which saves
	// the allocation per string. Bytes appended to a chunk never change,
	// so the strings pointing into it stay immutable. With chunkMax set,
	// each block is twice the last, up to chunkMax: a short call's
	// strings take a block or two of their size, a long call's blocks of
	// chunkMax.
	chunk     []byte
	chunkSize int
	chunkMax  int
}

func (d *decoder) reset(b []byte) {
	d.b, d.off, d.err = b, 0, nil
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("at byte %d: %s", d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) left() int { return len(d.b) - d.off }

func (d *decoder) byte1(what string) byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("%s: unexpected end", what)
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func (d *decoder) bool(what string) bool {
	switch d.byte1(what) {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("%s: bad bool", what)
	return false
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("%s: bad varint", what)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("%s: bad varint", what)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) uint32(what string) uint32 {
	v := d.uvarint(what)
	if v > 1<<32-1 {
		d.fail("%s: %d overflows uint32", what, v)
		return 0
	}
	return uint32(v)
}

func (d *decoder) uint8(what string) uint8 {
	v := d.uvarint(what)
	if v > 255 {
		d.fail("%s: %d overflows uint8", what, v)
		return 0
	}
	return uint8(v)
}

func (d *decoder) int(what string) int {
	v := d.varint(what)
	if int64(int(v)) != v {
		d.fail("%s: %d overflows int", what, v)
		return 0
	}
	return int(v)
}

// span reads a length and returns the offsets of that many following bytes.
func (d *decoder) span(what string) (int, int, bool) {
	n := d.uvarint(what)
	if d.err != nil {
		return 0, 0, false
	}
	if n > uint64(d.left()) {
		d.fail("%s: length %d exceeds the %d bytes left", what, n, d.left())
		return 0, 0, false
	}
	start := d.off
	d.off += int(n)
	return start, d.off, true
}

// rawString returns the bytes of a string field without copying them.
func (d *decoder) rawString(what string) []byte {
	s, e, ok := d.span(what)
	if !ok {
		return nil
	}
	return d.b[s:e]
}

func (d *decoder) string(what string) string {
	s, e, ok := d.span(what)
	if !ok || s == e {
		return ""
	}
	n := e - s
	if cap(d.chunk)-len(d.chunk) < n {
		size := d.chunkSize
		switch {
		case size == 0:
			size = len(d.b) // room for all the strings of this value
		case n > size/8:
			return string(d.b[s:e])
		}
		d.chunk = make([]byte, 0, size)
		if d.chunkMax > 0 {
			d.chunkSize = min(2*size, d.chunkMax)
		}
	}
	start := len(d.chunk)
	d.chunk = append(d.chunk, d.b[s:e]...)
	return unsafe.String(&d.chunk[start], n)
}

// count reads a count+1 varint (0: nil) and checks that at least min bytes
// per element are left, which bounds any allocation by the input's size.
func (d *decoder) count(what string, min int) (n int, isNil bool) {
	v := d.uvarint(what)
	if d.err != nil || v == 0 {
		return 0, true
	}
	v--
	if v > uint64(d.left()/min) {
		d.fail("%s: count %d exceeds the %d bytes left", what, v, d.left())
		return 0, true
	}
	return int(v), false
}

func (d *decoder) bytes(what string) []byte {
	n, isNil := d.count(what, 1)
	if isNil {
		return nil
	}
	p := make([]byte, n)
	copy(p, d.b[d.off:])
	d.off += n
	return p
}

func (d *decoder) strings(what string) []string {
	n, isNil := d.count(what, 1)
	if isNil {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.string(what)
	}
	return ss
}

func (d *decoder) stringMap(what string) map[string]string {
	n, isNil := d.count(what, 2)
	if isNil {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := d.string(what)
		m[k] = d.string(what)
	}
	return m
}
