// Package callstate is the format of a call snapshot: every connection of
// a call after one of its events — its ECONN state (econn.Conn.AppendState)
// and what a replay keeps beside it (the latest input, the armed timer's
// deadline, the props either side last sent). The recorder writes one into
// the log every so many events (eventlog.CallWriter.PutSnapshot); replay
// starts from the nearest one instead of the first event, and verify
// checks that replaying the events reproduces each one.
//
// The bytes are versioned and bounded; Decode takes untrusted bytes and
// refuses anything malformed with an error wrapping ErrBad.
package callstate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/internal/binenc"
)

// Version is the version of the bytes Append writes and Decode reads.
const Version = 1

// ErrBad is wrapped by every error of Decode: bytes that are not a call
// snapshot of this Version.
var ErrBad = errors.New("bad call snapshot")

// Call is every connection of a call after one event, in the order the
// call created them.
type Call struct {
	Conns []Conn
}

// Conn is one connection in a snapshot.
type Conn struct {
	Endpoint eventlog.Endpoint // the endpoint that owns it
	Sess     string            // its local session id
	Remote   eventlog.Endpoint // as its NewConn recorded it; may be zero
	// State is the ECONN's state (econn.Conn.AppendState); empty for a
	// connection econn.New refused.
	State []byte
	// LastInput is the Seq of the connection's latest input.
	LastInput uint64
	// Deadline is the call time at which the armed timer fires; zero when
	// no timer is armed.
	Deadline time.Duration
	// LocalProps are the props the local side last sent in a command,
	// RemoteProps those last received (in an output or a PROPSYNC note).
	LocalProps, RemoteProps econn.Props
}

// Append appends the snapshot's bytes to b. Props are written in key
// order, so equal snapshots give equal bytes.
func (c *Call) Append(b []byte) []byte {
	b = append(b, Version)
	b = binary.AppendUvarint(b, uint64(len(c.Conns)))
	for i := range c.Conns {
		b = c.Conns[i].append(b)
	}
	return b
}

func (c *Conn) append(b []byte) []byte {
	for _, s := range []string{c.Endpoint.User, c.Endpoint.Client, c.Sess, c.Remote.User, c.Remote.Client, string(c.State)} {
		b = binenc.AppendString(b, s)
	}
	b = binary.AppendUvarint(b, c.LastInput)
	b = binary.AppendVarint(b, int64(c.Deadline))
	b = appendProps(b, c.LocalProps)
	return appendProps(b, c.RemoteProps)
}

// appendProps writes 0 for nil props, else 1, the count and the pairs in
// key order.
func appendProps(b []byte, p econn.Props) []byte {
	if p == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendUvarint(b, uint64(len(p)))
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = binenc.AppendString(binenc.AppendString(b, k), p[k])
	}
	return b
}

// Decode reads a snapshot Append wrote. The connections' State bytes are
// not checked here: econn.RestoreConn checks them.
func Decode(data []byte) (*Call, error) {
	if len(data) > eventlog.MaxSnapshotSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrBad, len(data), eventlog.MaxSnapshotSize)
	}
	r := reader{binenc.NewReader(data, ErrBad)}
	if v := r.Byte("version"); r.Err() == nil && v != Version {
		return nil, fmt.Errorf("%w: version %d, this release reads version %d", ErrBad, v, Version)
	}
	// Each connection takes at least 10 bytes: a cheap bound before allocating.
	c := &Call{Conns: make([]Conn, r.Count("connection count", "connections", 10))}
	for i := range c.Conns {
		c.Conns[i] = r.conn()
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	if r.Len() > 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last connection", ErrBad, r.Len())
	}
	return c, nil
}

// reader reads the fields of a snapshot; the first failure sticks.
type reader struct{ *binenc.Reader }

func (r *reader) conn() Conn {
	var c Conn
	c.Endpoint.User = r.String("endpoint user")
	c.Endpoint.Client = r.String("endpoint client")
	c.Sess = r.String("session id")
	c.Remote.User = r.String("remote user")
	c.Remote.Client = r.String("remote client")
	c.State = r.Bytes("state")
	c.LastInput = r.Uvarint("latest input")
	c.Deadline = time.Duration(r.Varint("deadline"))
	c.LocalProps = r.props("local props")
	c.RemoteProps = r.props("remote props")
	if r.Err() == nil && c.Sess == "" {
		r.Fail("session id", "empty")
	}
	return c
}

func (r *reader) props(field string) econn.Props {
	switch r.Byte(field) {
	case 0:
		return nil
	case 1:
	default:
		r.Fail(field, "bad presence byte")
		return nil
	}
	n := r.Count(field, "props", 2)
	if r.Err() != nil {
		return nil
	}
	p := make(econn.Props, n)
	prev := ""
	for i := uint64(0); i < n && r.Err() == nil; i++ {
		k := r.String(field)
		v := r.String(field)
		if i > 0 && k <= prev {
			r.Fail(field, "keys out of order or repeated")
		}
		p[k], prev = v, k
	}
	return p
}
