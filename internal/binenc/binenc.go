// Package binenc reads and writes the small length-prefixed binary records
// of the project's snapshots (an ECONN's state, a call snapshot): bytes,
// unsigned and signed varints, and strings as a uvarint length and the
// bytes. It imports the standard library only, so that econn, which
// depends on nothing but the standard library and its JSON library, can
// use it.
//
// A Reader takes untrusted bytes: it never panics and never allocates
// more than the bytes it was given can hold. Its first failure sticks and
// names the field, wrapped in the caller's own sentinel error, so that a
// decoder reads every field and checks one error at the end.
package binenc

import (
	"encoding/binary"
	"fmt"
)

// AppendString appends s as its uvarint length and its bytes.
func AppendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// Reader reads fields from bytes; after its first failure it reads
// nothing more and every read returns the zero value.
type Reader struct {
	data []byte
	bad  error
	err  error
}

// NewReader returns a Reader of data whose errors wrap bad.
func NewReader(data []byte, bad error) *Reader {
	return &Reader{data: data, bad: bad}
}

// Err is the first failure, "bad: field: what", or nil.
func (r *Reader) Err() error { return r.err }

// Len is the number of bytes not yet read.
func (r *Reader) Len() int { return len(r.data) }

// Fail records that field is wrong (what says how) unless a failure is
// already recorded, and stops the reading.
func (r *Reader) Fail(field, what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s: %s", r.bad, field, what)
	}
	r.data = nil
}

// Byte reads one byte.
func (r *Reader) Byte(field string) byte {
	if len(r.data) == 0 {
		r.Fail(field, "missing")
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint(field string) uint64 {
	v, n := binary.Uvarint(r.data)
	return r.number(field, v, n)
}

// Varint reads a signed varint.
func (r *Reader) Varint(field string) int64 {
	v, n := binary.Varint(r.data)
	return int64(r.number(field, uint64(v), n))
}

func (r *Reader) number(field string, v uint64, n int) uint64 {
	if n <= 0 {
		r.Fail(field, "missing or malformed number")
		return 0
	}
	r.data = r.data[n:]
	return v
}

// String reads a string AppendString wrote; its length is bounded by the
// bytes left.
func (r *Reader) String(field string) string {
	return string(r.next(field))
}

// Bytes reads bytes AppendString wrote, as a copy; nil when there are
// none.
func (r *Reader) Bytes(field string) []byte {
	b := r.next(field)
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// next reads a uvarint length and returns that many bytes, not copied.
func (r *Reader) next(field string) []byte {
	n := r.Uvarint(field)
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.data)) {
		r.Fail(field, fmt.Sprintf("%d bytes, only %d left", n, len(r.data)))
		return nil
	}
	b := r.data[:n]
	r.data = r.data[n:]
	return b
}

// Count reads a uvarint count of items each at least minSize bytes long
// and fails (what: "N <items> in M bytes") when the bytes left cannot hold
// them, so that a caller may allocate the count before reading the items.
// A minSize below 1 counts as 1.
func (r *Reader) Count(field, items string, minSize int) uint64 {
	n := r.Uvarint(field)
	if r.err == nil && n > uint64(len(r.data))/uint64(max(minSize, 1)) {
		r.Fail(field, fmt.Sprintf("%d %s in %d bytes", n, items, len(r.data)))
		return 0
	}
	return n
}
