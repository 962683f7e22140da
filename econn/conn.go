package econn

import (
	"fmt"
	"time"
)

// Default timeouts, used when a Config leaves them zero.
const (
	DefaultSetupTimeout = 60 * time.Second
	DefaultTermTimeout  = 5 * time.Second
)

// Config is everything a connection needs that the reference would draw
// from its environment. Session ids are chosen by the caller so that a run
// is reproducible.
type Config struct {
	UserID, ClientID string // self; both required
	SessID           string // local session id; required
	SetupTimeout     time.Duration
	TermTimeout      time.Duration
}

func (c Config) withDefaults() Config {
	if c.SetupTimeout == 0 {
		c.SetupTimeout = DefaultSetupTimeout
	}
	if c.TermTimeout == 0 {
		c.TermTimeout = DefaultTermTimeout
	}
	return c
}

// Timer is the connection's one timer as Snapshot shows it.
type Timer struct {
	Armed  bool
	Action TimerAction
	After  time.Duration
	Gen    uint64
}

// Snapshot is a copy of a connection's data at one moment.
type Snapshot struct {
	State        State
	Dir          Dir
	UserID       string
	ClientID     string
	SessIDLocal  string
	SessIDRemote string
	UserRemote   string
	ClientRemote string
	Conflict     Conflict
	SetupErr     error
	Err          error
	Timer        Timer
	Closed       bool
}

// Equal reports whether two snapshots are the same, comparing errors by
// their stable names.
func (s Snapshot) Equal(o Snapshot) bool {
	a, b := s, o
	a.SetupErr, a.Err, b.SetupErr, b.Err = nil, nil, nil, nil
	return a == b && SameError(s.SetupErr, o.SetupErr) && SameError(s.Err, o.Err)
}

// String renders the snapshot on one line, for tests and transcripts.
func (s Snapshot) String() string {
	t := "off"
	if s.Timer.Armed {
		t = fmt.Sprintf("%s/%s#%d", s.Timer.Action, s.Timer.After, s.Timer.Gen)
	}
	return fmt.Sprintf("%s dir=%s local=%s remote=%s/%s/%s conflict=%s setupErr=%q err=%q timer=%s closed=%t",
		s.State, s.Dir, s.SessIDLocal, s.UserRemote, s.ClientRemote, s.SessIDRemote,
		s.Conflict, ErrorName(s.SetupErr), ErrorName(s.Err), t, s.Closed)
}
