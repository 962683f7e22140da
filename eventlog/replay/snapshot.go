package replay

import (
	"fmt"
	"maps"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/callstate"
)

// Snapshots is a Source that also holds the call snapshots the recorder
// wrote (package callstate); Reader's Source does. Index starts from the
// nearest one instead of the first event, and Verify checks each.
type Snapshots interface {
	// Snapshot returns the latest snapshot taken after an event at or
	// before atOrBefore: that event's Seq and the snapshot's bytes; ok is
	// false when there is none.
	Snapshot(atOrBefore uint64) (seq uint64, data []byte, ok bool, err error)
}

// save returns the connection as a snapshot holds it.
func (c *connRun) save() (callstate.Conn, error) {
	cs := callstate.Conn{
		Endpoint: c.id.Endpoint, Sess: c.id.Sess, Remote: c.remote, LastInput: c.lastInput,
		LocalProps: c.localProps, RemoteProps: c.remoteProps,
	}
	if c.conn == nil {
		return cs, nil
	}
	var err error
	if cs.State, err = c.conn.AppendState(nil); err != nil {
		return cs, err
	}
	if c.snap.Timer.Armed {
		cs.Deadline = c.deadline
	}
	return cs, nil
}

// restoreConnRun returns the connection a snapshot holds. What happened
// at its latest step (before, created, the props before) is not in a
// snapshot: the connection is partial until it steps again.
func restoreConnRun(cs callstate.Conn) (*connRun, error) {
	c := &connRun{
		id: ConnID{Endpoint: cs.Endpoint, Sess: cs.Sess}, remote: cs.Remote, lastInput: cs.LastInput,
		deadline: cs.Deadline, localProps: cs.LocalProps, remoteProps: cs.RemoteProps, partial: true,
	}
	if len(cs.State) > 0 {
		conn, err := econn.RestoreConn(cs.State)
		if err != nil {
			return nil, fmt.Errorf("connection %s: %w", c.id, err)
		}
		c.conn, c.snap = conn, conn.Snapshot()
	}
	c.before, c.localBefore, c.remoteBefore = c.snap, c.localProps, c.remoteProps
	return c, nil
}

// decodeSnapshot reads the snapshot taken after event seq and restores
// its connections, in creation order.
func decodeSnapshot(seq uint64, data []byte) ([]*connRun, error) {
	call, err := callstate.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("replay: snapshot after event %d: %w", seq, err)
	}
	conns := make([]*connRun, len(call.Conns))
	for i, cs := range call.Conns {
		if conns[i], err = restoreConnRun(cs); err != nil {
			return nil, fmt.Errorf("replay: snapshot after event %d: %w", seq, err)
		}
	}
	return conns, nil
}

// snapshotDiff compares the connections a snapshot recorded with the
// replayed ones, both in creation order. It returns the connection to
// blame and what differs; "" when they agree.
func snapshotDiff(recorded, replayed []*connRun) (ConnID, string) {
	for i := 0; i < min(len(recorded), len(replayed)); i++ {
		if why := connDiff(recorded[i], replayed[i]); why != "" {
			return replayed[i].id, fmt.Sprintf("connection %s: %s", replayed[i].id, why)
		}
	}
	switch {
	case len(recorded) > len(replayed):
		return ConnID{}, fmt.Sprintf("recorded %d connections, replayed %d: %s is missing",
			len(recorded), len(replayed), recorded[len(replayed)].id)
	case len(replayed) > len(recorded):
		return replayed[len(recorded)].id, fmt.Sprintf("recorded %d connections, replayed %d: %s is new",
			len(recorded), len(replayed), replayed[len(recorded)].id)
	}
	return ConnID{}, ""
}

// connDiff says how a recorded connection differs from the replayed one.
// Props compare by meaning (nil equals empty), as everywhere in replay.
func connDiff(rec, rep *connRun) string {
	switch {
	case rec.id != rep.id:
		return fmt.Sprintf("recorded as %s", rec.id)
	case rec.remote != rep.remote:
		return fmt.Sprintf("remote recorded %s, replayed %s", rec.remote, rep.remote)
	case (rec.conn == nil) != (rep.conn == nil):
		return "created in one and not in the other"
	case rec.conn != nil && !sameState(rec.conn, rep.conn):
		return fmt.Sprintf("state recorded %s, replayed %s", rec.snap, rep.snap)
	case rec.lastInput != rep.lastInput:
		return fmt.Sprintf("latest input recorded at event %d, replayed at %d", rec.lastInput, rep.lastInput)
	case rec.snap.Timer.Armed && rec.deadline != rep.deadline:
		return fmt.Sprintf("timer deadline recorded %s, replayed %s", rec.deadline, rep.deadline)
	case !maps.Equal(rec.localProps, rep.localProps):
		return fmt.Sprintf("local props recorded %s, replayed %s", rec.localProps, rep.localProps)
	case !maps.Equal(rec.remoteProps, rep.remoteProps):
		return fmt.Sprintf("remote props recorded %s, replayed %s", rec.remoteProps, rep.remoteProps)
	}
	return ""
}

// sameState compares two connections' complete states: their state bytes
// are canonical.
func sameState(a, b *econn.Conn) bool {
	sa, errA := a.AppendState(nil)
	sb, errB := b.AppendState(nil)
	return errA == nil && errB == nil && string(sa) == string(sb)
}

// snapshotSeqs lists the Seqs of every snapshot of src, in order, by
// walking back from the last event.
func snapshotSeqs(src Source, snaps Snapshots) ([]uint64, error) {
	var seqs []uint64
	for at := src.Count(); at > 0; {
		seq, _, ok, err := snaps.Snapshot(at)
		if err != nil {
			return nil, err
		}
		if !ok || seq == 0 || seq > at {
			break
		}
		seqs = append(seqs, seq)
		at = seq - 1
	}
	for i, j := 0, len(seqs)-1; i < j; i, j = i+1, j-1 {
		seqs[i], seqs[j] = seqs[j], seqs[i]
	}
	return seqs, nil
}

// propsyncConn returns the connection id a NotePropsync note is about;
// false for any other event.
func propsyncConn(ev eventlog.Event) (ConnID, bool) {
	return ConnOf(ev), ev.Kind == eventlog.KindNote && ev.Type == eventlog.NotePropsync && ev.Conn != ""
}
