package tail

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// Version is the protocol version this build speaks.
const Version = 1

// MaxFrame bounds a frame's length (type byte and body). A batch larger
// than this is sent in several Events frames; one event larger than this
// cannot be followed (the follower gets an Error frame).
const MaxFrame = 8 << 20

// maxHello bounds a Hello frame: the magic, a version and a call id.
const maxHello = 512

// magic opens both Hellos.
var magic = []byte("callrec-tail")

// Frame types.
const (
	frameHello  byte = 'H'
	frameMeta   byte = 'M'
	frameEvents byte = 'E'
	frameDone   byte = 'D'
	frameError  byte = 'X'
)

// Done reasons.
const (
	doneClosed  byte = 'c' // the call closed
	doneStopped byte = 's' // the recorder stopped serving
)

// frame is one frame read: its type and body.
type frame struct {
	typ  byte
	body []byte
}

// readFrame reads one frame of at most max bytes. Its errors wrap
// ErrProtocol, except the reader's own (io.EOF before a frame starts).
func readFrame(r io.Reader, max int) (frame, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return frame{}, fmt.Errorf("%w: the stream ends inside a frame header", ErrProtocol)
		}
		return frame{}, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	switch {
	case n == 0:
		return frame{}, fmt.Errorf("%w: an empty frame", ErrProtocol)
	case uint64(n) > uint64(max):
		return frame{}, fmt.Errorf("%w: a frame of %d bytes, more than the %d allowed", ErrProtocol, n, max)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return frame{}, fmt.Errorf("%w: the stream ends inside a frame of %d bytes", ErrProtocol, n)
		}
		return frame{}, err
	}
	return frame{typ: buf[0], body: buf[1:]}, nil
}

// appendFrame appends a frame of type typ whose body body appends.
func appendFrame(b []byte, typ byte, body func([]byte) []byte) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, typ)
	b = body(b)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b
}

// writeFrame writes one frame.
func writeFrame(w io.Writer, typ byte, body []byte) error {
	_, err := w.Write(appendFrame(nil, typ, func(b []byte) []byte { return append(b, body...) }))
	return err
}

// body reads the fields of a frame body; the first failure sticks.
type body struct {
	what string // the frame, for errors
	b    []byte
	err  error
}

func (d *body) fail(format string, a ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s frame: %s", ErrProtocol, d.what, fmt.Sprintf(format, a...))
	}
}

func (d *body) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad %s", field)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *body) varint(field string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad %s", field)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes reads a length-prefixed field of at most max bytes; the result
// shares the frame's buffer.
func (d *body) bytes(field string, max int) []byte {
	n := d.uvarint(field + " length")
	if d.err != nil {
		return nil
	}
	if n > uint64(max) || n > uint64(len(d.b)) {
		d.fail("%s of %d bytes (%d left, at most %d allowed)", field, n, len(d.b), max)
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// end fails when bytes are left over.
func (d *body) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return d.err
}

func putUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func putBytes(b, v []byte) []byte { return append(binary.AppendUvarint(b, uint64(len(v))), v...) }

// maxCallID bounds a call id in a Hello (eventlog's own bound).
const maxCallID = 255

// hello is a Hello frame: the follower's carries the call it asks for.
type hello struct {
	version uint64
	call    string
}

func appendHello(b []byte, h hello) []byte {
	return appendFrame(b, frameHello, func(b []byte) []byte {
		b = append(b, magic...)
		b = putUvarint(b, h.version)
		return putBytes(b, []byte(h.call))
	})
}

// parseHello reads a Hello body; a version other than ours is not an
// error here (the caller says so to the peer).
func parseHello(f frame) (hello, error) {
	if f.typ != frameHello {
		return hello{}, fmt.Errorf("%w: want a Hello frame first, got type %q", ErrProtocol, f.typ)
	}
	if !bytes.HasPrefix(f.body, magic) {
		return hello{}, fmt.Errorf("%w: the peer is not a callrec live tail (bad magic)", ErrProtocol)
	}
	d := body{what: "Hello", b: f.body[len(magic):]}
	h := hello{version: d.uvarint("version")}
	h.call = string(d.bytes("call id", maxCallID))
	return h, d.end()
}

// events is an Events frame: a run of consecutive events.
type events struct {
	committed time.Time // when the batch committed; zero for history
	first     uint64    // Seq of events[0]
	events    [][]byte  // each in the log's codec
}

// appendEvents appends Events frames for evs (consecutive from first),
// as many as MaxFrame needs. An event too large for a frame is an error.
func appendEvents(b []byte, committed time.Time, first uint64, evs [][]byte) ([]byte, error) {
	var at int64
	if !committed.IsZero() {
		at = committed.UnixNano()
	}
	for len(evs) > 0 {
		n, size := 0, 4+1+3*binary.MaxVarintLen64
		for n < len(evs) && size+binary.MaxVarintLen64+len(evs[n]) <= MaxFrame {
			size += binary.MaxVarintLen64 + len(evs[n])
			n++
		}
		if n == 0 {
			return b, fmt.Errorf("tail: event %d is %d bytes, more than a frame holds (%d)", first, len(evs[0]), MaxFrame)
		}
		b = appendFrame(b, frameEvents, func(b []byte) []byte {
			b = binary.AppendVarint(b, at)
			b = putUvarint(b, first)
			b = putUvarint(b, uint64(n))
			for _, ev := range evs[:n] {
				b = putBytes(b, ev)
			}
			return b
		})
		first += uint64(n)
		evs = evs[n:]
	}
	return b, nil
}

// parseEvents reads an Events body; the events share the frame's buffer.
func parseEvents(f frame) (events, error) {
	d := body{what: "Events", b: f.body}
	var e events
	if at := d.varint("commit time"); at != 0 {
		e.committed = time.Unix(0, at)
	}
	e.first = d.uvarint("first seq")
	n := d.uvarint("count")
	if d.err == nil && (n == 0 || n > uint64(len(d.b))) { // every event takes a byte at least
		d.fail("count %d for %d bytes", n, len(d.b))
	}
	if d.err == nil && e.first == 0 {
		d.fail("first seq 0")
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		e.events = append(e.events, d.bytes("event", MaxFrame))
	}
	return e, d.end()
}

// appendText appends a frame whose body is a reason byte (0 for none)
// and a text: Done and Error.
func appendText(b []byte, typ, reason byte, text string) []byte {
	return appendFrame(b, typ, func(b []byte) []byte { return putBytes(append(b, reason), []byte(text)) })
}

// maxText bounds the text of a Done or Error frame.
const maxText = 1024

func parseText(f frame, what string) (reason byte, text string, err error) {
	d := body{what: what, b: f.body}
	if len(d.b) == 0 {
		return 0, "", fmt.Errorf("%w: %s frame: empty", ErrProtocol, what)
	}
	reason, d.b = d.b[0], d.b[1:]
	text = string(d.bytes("text", maxText))
	return reason, text, d.end()
}
