// Package replaytest records calls for tests of the replay engine and its
// tools: it drives real econn connections and writes what happens the way
// a recorder must (see package eventlog), so that the logs it produces
// replay exactly — until a test alters them.
package replaytest

import (
	"fmt"
	"slices"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Appender is where a Recorder writes events; *eventlog.CallWriter is one.
type Appender interface {
	Append(ev eventlog.Event) (uint64, error)
}

// Memory is an Appender keeping events in a slice, numbered from 1.
type Memory struct{ Events []eventlog.Event }

// Append numbers ev and keeps it.
func (m *Memory) Append(ev eventlog.Event) (uint64, error) {
	ev.Seq = uint64(len(m.Events) + 1)
	m.Events = append(m.Events, ev)
	return ev.Seq, nil
}

// Recorder steps econn connections and records every input, output and
// note. The first error sticks and stops recording (see Err).
type Recorder struct {
	At    time.Duration // the call time stamped on the next events
	sink  Appender
	conns []*Conn
	err   error
}

// NewRecorder returns a Recorder writing to sink.
func NewRecorder(sink Appender) *Recorder { return &Recorder{sink: sink} }

// Err returns the first error: a refused append or econn.New failing.
func (r *Recorder) Err() error { return r.err }

// Conns returns the connections created so far, in creation order.
func (r *Recorder) Conns() []*Conn { return r.conns }

// Advance moves the call time on by d.
func (r *Recorder) Advance(d time.Duration) { r.At += d }

func (r *Recorder) append(ev eventlog.Event) {
	if r.err != nil {
		return
	}
	ev.At = r.At
	if _, err := r.sink.Append(ev); err != nil {
		r.err = fmt.Errorf("replaytest: append %s %s: %w", ev.Kind, ev.Type, err)
	}
}

// Note records a note about ep (and connection conn, "" for none).
func (r *Recorder) Note(ep eventlog.Endpoint, conn, typ, text string) {
	r.append(eventlog.Event{Endpoint: ep, Conn: conn, Kind: eventlog.KindNote, Type: typ,
		Note: &eventlog.Note{Text: text}})
}

// Conn is one recorded ECONN.
type Conn struct {
	rec    *Recorder
	Self   eventlog.Endpoint
	Remote eventlog.Endpoint
	Econn  *econn.Conn
	sess   string
}

// NewConn creates an ECONN for self with cfg (user and client ids are
// taken from self) and records it. It returns nil after an error.
func (r *Recorder) NewConn(self, remote eventlog.Endpoint, cfg econn.Config) *Conn {
	if r.err != nil {
		return nil
	}
	cfg.UserID, cfg.ClientID = self.User, self.Client
	ec, outs, err := econn.New(cfg)
	if err != nil {
		r.err = fmt.Errorf("replaytest: new connection for %s: %w", self, err)
		return nil
	}
	c := &Conn{rec: r, Self: self, Remote: remote, Econn: ec, sess: cfg.SessID}
	r.conns = append(r.conns, c)
	c.record(eventlog.NewConn{Config: ec.Config(), Remote: remote})
	c.recordOutputs(outs)
	return c
}

// Sess returns the connection's local session id.
func (c *Conn) Sess() string { return c.sess }

func (c *Conn) record(in eventlog.Input) {
	c.rec.append(eventlog.Event{Endpoint: c.Self, Conn: c.sess, Kind: eventlog.KindInput,
		Type: in.InputName(), Input: in})
}

func (c *Conn) recordOutputs(outs []econn.Output) {
	for _, o := range outs {
		c.rec.append(eventlog.Event{Endpoint: c.Self, Conn: c.sess, Kind: eventlog.KindOutput,
			Type: o.OutputName(), Output: o})
	}
}

// Step records in, steps it and records the outputs; it returns a copy of
// the outputs. A refused command is recorded as a note, like ecall does.
func (c *Conn) Step(in econn.Input) []econn.Output {
	c.record(eventlog.StepInput{In: in})
	outs, err := c.Econn.Step(in)
	if err != nil {
		c.rec.Note(c.Self, c.sess, "ecall.refused", fmt.Sprintf("%s refused: %v", in.InputName(), err))
		return nil
	}
	outs = slices.Clone(outs)
	c.recordOutputs(outs)
	return outs
}

// Recv records the raw message data as received from (user, client) and
// steps it when it decodes.
func (c *Conn) Recv(from eventlog.Endpoint, via econn.Transport, data []byte) []econn.Output {
	const now = 1_700_000_000
	ri := eventlog.RecvInput{FromUser: from.User, FromClient: from.Client, Via: via,
		Data: data, CurrTime: now, MsgTime: now}
	in, err := ri.Decode()
	ri.DecodeErr = econn.ErrorName(err)
	c.record(ri)
	if err != nil {
		return nil
	}
	outs, err := c.Econn.Step(in)
	if err != nil {
		c.rec.Note(c.Self, c.sess, "ecall.refused", fmt.Sprintf("Recv refused: %v", err))
		return nil
	}
	outs = slices.Clone(outs)
	c.recordOutputs(outs)
	return outs
}

// RecvUnrouted records a message self received that does not decode, so
// that it reached no connection: a Recv input with no Conn.
func (r *Recorder) RecvUnrouted(self, from eventlog.Endpoint, data []byte) {
	const now = 1_700_000_000
	ri := eventlog.RecvInput{FromUser: from.User, FromClient: from.Client, Data: data, CurrTime: now, MsgTime: now}
	_, err := ri.Decode()
	if err == nil {
		r.err = fmt.Errorf("replaytest: RecvUnrouted: %q decodes", data)
		return
	}
	ri.DecodeErr = econn.ErrorName(err)
	r.append(eventlog.Event{Endpoint: self, Kind: eventlog.KindInput, Type: ri.InputName(), Input: ri})
}

// Deliver hands every message c sent in outs to its peer, as the backend
// or the data channel would, and returns what the peer's steps output.
func (c *Conn) Deliver(outs []econn.Output, to *Conn) []econn.Output {
	var got []econn.Output
	for _, o := range outs {
		s, ok := o.(econn.Send)
		if !ok {
			continue
		}
		data, err := s.Msg.Encode()
		if err != nil {
			c.rec.err = fmt.Errorf("replaytest: encode %s: %w", s.Msg.Type, err)
			return nil
		}
		c.rec.Advance(20 * time.Millisecond)
		got = append(got, to.Recv(c.Self, s.Via, data)...)
	}
	return got
}
