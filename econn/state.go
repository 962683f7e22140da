package econn

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/callrec/callrec/internal/binenc"
)

// StateVersion is the version of the bytes AppendState writes. RestoreConn
// reads this version only: a Conn's state is written and read by the same
// release (snapshots in a log are checked against a replay by the reading
// release, and a release that cannot read them replays from the start).
const StateVersion = 1

// MaxStateSize bounds the bytes of one Conn's state, written or read.
const MaxStateSize = 64 << 10

// Flag bits of the state's flags byte.
const (
	stateTimerArmed = 1 << iota
	stateClosed
	stateFlags = stateTimerArmed | stateClosed
)

// AppendState appends the connection's complete state — its Config, state,
// direction, remote ids, glare outcome, errors (by stable name), timer,
// timer generation and close flag: everything Step depends on — to b as
// versioned bytes that RestoreConn turns back into an equal Conn. The
// encoding is canonical: two connections in the same state (errors
// compared by name) give the same bytes. It fails only with ErrTooLarge,
// for a state over MaxStateSize.
func (c *Conn) AppendState(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, StateVersion)
	b = binenc.AppendString(b, c.cfg.UserID)
	b = binenc.AppendString(b, c.cfg.ClientID)
	b = binenc.AppendString(b, c.cfg.SessID)
	b = binary.AppendVarint(b, int64(c.cfg.SetupTimeout))
	b = binary.AppendVarint(b, int64(c.cfg.TermTimeout))
	b = append(b, byte(c.state), byte(c.dir), byte(c.conflict))
	b = binenc.AppendString(b, c.sessRemote)
	b = binenc.AppendString(b, c.userRemote)
	b = binenc.AppendString(b, c.clientRemote)
	b = binenc.AppendString(b, ErrorName(c.setupErr))
	b = binenc.AppendString(b, ErrorName(c.err))
	var flags byte
	if c.timer.Armed {
		flags |= stateTimerArmed
	}
	if c.closed {
		flags |= stateClosed
	}
	b = append(b, flags, byte(c.timer.Action))
	b = binary.AppendVarint(b, int64(c.timer.After))
	b = binary.AppendUvarint(b, c.timer.Gen)
	b = binary.AppendUvarint(b, c.gen)
	if len(b)-start > MaxStateSize {
		return b[:start], fmt.Errorf("%w: connection state of %d bytes, at most %d", ErrTooLarge, len(b)-start, MaxStateSize)
	}
	return b, nil
}

// RestoreConn returns a Conn in the state AppendState wrote into data. The
// bytes are untrusted: anything but a complete, consistent state of this
// StateVersion — a state a Conn can be in — is refused with an error
// wrapping ErrBadState that says what is wrong.
func RestoreConn(data []byte) (*Conn, error) {
	if len(data) > MaxStateSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrBadState, len(data), MaxStateSize)
	}
	r := binenc.NewReader(data, ErrBadState)
	if v := r.Byte("version"); r.Err() == nil && v != StateVersion {
		return nil, fmt.Errorf("%w: version %d, this release reads version %d", ErrBadState, v, StateVersion)
	}
	c := &Conn{}
	c.cfg.UserID = r.String("user id")
	c.cfg.ClientID = r.String("client id")
	c.cfg.SessID = r.String("session id")
	c.cfg.SetupTimeout = time.Duration(r.Varint("setup timeout"))
	c.cfg.TermTimeout = time.Duration(r.Varint("term timeout"))
	c.state = State(r.Byte("state"))
	c.dir = Dir(r.Byte("direction"))
	c.conflict = Conflict(int8(r.Byte("conflict")))
	c.sessRemote = r.String("remote session id")
	c.userRemote = r.String("remote user id")
	c.clientRemote = r.String("remote client id")
	c.setupErr = ErrorFromName(r.String("setup error"))
	c.err = ErrorFromName(r.String("error"))
	flags := r.Byte("flags")
	c.timer.Action = TimerAction(r.Byte("timer action"))
	c.timer.After = time.Duration(r.Varint("timer duration"))
	c.timer.Gen = r.Uvarint("timer generation")
	c.gen = r.Uvarint("generation")
	if r.Err() != nil {
		return nil, r.Err()
	}
	if r.Len() > 0 {
		return nil, fmt.Errorf("%w: %d bytes after the state", ErrBadState, r.Len())
	}
	c.timer.Armed = flags&stateTimerArmed != 0
	c.closed = flags&stateClosed != 0
	if err := c.checkRestored(flags); err != nil {
		return nil, err
	}
	c.out = c.buf[:0]
	return c, nil
}

// checkRestored refuses a state no sequence of inputs can reach through
// New and Step, so that a restored Conn keeps every invariant Step relies
// on.
func (c *Conn) checkRestored(flags byte) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadState, fmt.Sprintf(format, args...))
	}
	switch {
	case c.cfg.UserID == "" || c.cfg.ClientID == "" || c.cfg.SessID == "":
		return bad("user id, client id and session id are required")
	case c.cfg.SetupTimeout <= 0 || c.cfg.TermTimeout <= 0:
		return bad("timeouts %s and %s: want positive ones", c.cfg.SetupTimeout, c.cfg.TermTimeout)
	case !c.state.Valid():
		return bad("unknown state %d", uint8(c.state))
	case c.dir > DirIncoming:
		return bad("unknown direction %d", uint8(c.dir))
	case c.conflict < ConflictLoser || c.conflict > ConflictWinner:
		return bad("unknown glare outcome %d", int8(c.conflict))
	case flags&^stateFlags != 0:
		return bad("unknown flags %#x", flags&^stateFlags)
	case c.gen == 0:
		return bad("timer generation 0: New arms the first timer")
	}
	return c.checkTimer()
}

func (c *Conn) checkTimer() error {
	t := c.timer
	if !t.Armed {
		if t != (Timer{}) {
			return fmt.Errorf("%w: a timer that is not armed has action, duration or generation", ErrBadState)
		}
		return nil
	}
	switch {
	case t.Action > TimerCancelClose:
		return fmt.Errorf("%w: unknown timer action %d", ErrBadState, uint8(t.Action))
	case t.After < 0:
		return fmt.Errorf("%w: negative timer duration %s", ErrBadState, t.After)
	case t.Gen == 0 || t.Gen > c.gen:
		return fmt.Errorf("%w: armed timer generation %d, last generation %d", ErrBadState, t.Gen, c.gen)
	}
	return nil
}
