package eventlog

import (
	"fmt"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
)

// Endpoint names one client: a user id and a client id ("A/1").
type Endpoint struct {
	User, Client string
}

// String renders the endpoint as "user/client".
func (e Endpoint) String() string { return e.User + "/" + e.Client }

// ParseEndpoint parses "user/client".
func ParseEndpoint(s string) (Endpoint, error) {
	u, c, ok := strings.Cut(s, "/")
	if !ok || u == "" || c == "" {
		return Endpoint{}, fmt.Errorf("endpoint %q: want user/client", s)
	}
	return Endpoint{User: u, Client: c}, nil
}

// Kind says what an event is.
type Kind uint8

// Event kinds.
const (
	KindInput  Kind = iota + 1 // an input stepped into an ECONN (written before the step)
	KindOutput                 // an output the step returned
	KindNote                   // anything else: media, application, transport; never replayed
)

// String returns "input", "output" or "note".
func (k Kind) String() string {
	switch k {
	case KindInput:
		return "input"
	case KindOutput:
		return "output"
	case KindNote:
		return "note"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// ParseKind parses "input", "output" or "note".
func ParseKind(s string) (Kind, error) {
	for k := KindInput; k <= KindNote; k++ {
		if strings.EqualFold(k.String(), s) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("kind %q: want input, output or note", s)
}

// Event is one entry of a call's log.
//
// Input or Output is set as Kind says, the other two fields nil; a note
// sets Note, or leaves it nil when its Type says all. Type is the input's
// InputName, the output's OutputName (Append fills them in when empty), or
// the note's type, which a note must have.
type Event struct {
	Seq      uint64        // 1-based, assigned by Append
	At       time.Duration // since the call began (virtual time in a simulation)
	Endpoint Endpoint      // the client whose ECONN (or whose layer) this is about
	Conn     string        // the ECONN's local session id; "" for a note about the endpoint
	Kind     Kind
	Type     string

	Input  Input        // StepInput, RecvInput or NewConn
	Output econn.Output // econn's outputs
	Note   *Note
}

// Note is a free-form event: media and ICE state, statistics, application
// actions, transport events, messages dropped before any ECONN. Shown by the
// viewer, never replayed.
type Note struct {
	Text  string            // one sentence a person reads
	Attrs map[string]string // optional structured fields
}

// The Type of the two inputs that are not econn inputs stepped as they are.
const (
	TypeNew  = "New"  // NewConn: an ECONN was created
	TypeRecv = "Recv" // RecvInput: a message arrived, as raw bytes
)

// Input is what an input event holds: the closed set of logged inputs.
// StepInput is an econn input stepped as it is; RecvInput a received
// message as it arrived; NewConn the creation of an ECONN.
type Input interface {
	// InputName is the event's Type: the econn input's name, TypeRecv or TypeNew.
	InputName() string
	// Describe returns one sentence a person reads.
	Describe() string

	loggedInput()
}

// StepInput is an econn input logged as the value that was stepped: a
// local command, a timer, a data-channel event, a send failure. (A received
// message is logged as RecvInput, with its raw bytes.)
type StepInput struct{ In econn.Input }

// InputName returns the econn input's name.
func (s StepInput) InputName() string {
	if s.In == nil {
		return ""
	}
	return s.In.InputName()
}

// Describe returns the econn input's sentence.
func (s StepInput) Describe() string {
	if s.In == nil {
		return "empty input"
	}
	return s.In.Describe()
}

func (StepInput) loggedInput() {}
func (RecvInput) loggedInput() {}
func (NewConn) loggedInput()   {}

// Stepped returns the econn input of a StepInput event; nil for any other
// event.
func (ev *Event) Stepped() econn.Input {
	if s, ok := ev.Input.(StepInput); ok {
		return s.In
	}
	return nil
}

// RecvInput is how a received message is logged: the raw bytes as they
// arrived and the times the decoder was given, so that replay runs the real
// decoder again. DecodeErr is the stable name (econn.ErrorName) of the
// decoder's error when the bytes did not decode; such an input was not
// stepped. Its InputName is "Recv".
type RecvInput struct {
	FromUser, FromClient string
	Via                  econn.Transport
	Data                 []byte
	CurrTime, MsgTime    uint32
	DecodeErr            string
}

// InputName returns TypeRecv.
func (RecvInput) InputName() string { return TypeRecv }

// Describe says what arrived from whom, decoding the bytes again.
func (r RecvInput) Describe() string {
	from := r.FromUser + "/" + r.FromClient
	if r.DecodeErr != "" {
		return fmt.Sprintf("recv %d bytes from %s that do not decode: %s", len(r.Data), from, r.DecodeErr)
	}
	m, err := econn.Decode(r.Data, r.CurrTime, r.MsgTime)
	if err != nil {
		return fmt.Sprintf("recv %d bytes from %s that no longer decode: %s", len(r.Data), from, econn.ErrorName(err))
	}
	s := econn.Recv{FromUser: r.FromUser, FromClient: r.FromClient, Msg: m}.Describe()
	if r.Via == econn.TransportDirect {
		s += " via direct"
	}
	return s
}

// Decode runs the econn decoder on the recorded bytes and returns the input
// to step.
func (r RecvInput) Decode() (econn.Recv, error) {
	m, err := econn.Decode(r.Data, r.CurrTime, r.MsgTime)
	if err != nil {
		return econn.Recv{}, err
	}
	return econn.Recv{FromUser: r.FromUser, FromClient: r.FromClient, Msg: m}, nil
}

// NewConn is the input that creates an ECONN (econn.New) with its Config;
// its outputs are the ones New returned. Its InputName is "New".
type NewConn struct {
	Config econn.Config
	Remote Endpoint // the remote client it was created for, when known
}

// InputName returns TypeNew.
func (NewConn) InputName() string { return TypeNew }

// Describe names the connection, its remote and its timeouts.
func (n NewConn) Describe() string {
	s := "new connection " + n.Config.SessID
	if n.Remote != (Endpoint{}) {
		s += " to " + n.Remote.String()
	}
	return s + fmt.Sprintf(" (setup %s, term %s)",
		econn.ShortDuration(n.Config.SetupTimeout), econn.ShortDuration(n.Config.TermTimeout))
}

// NotePropsync is the note type the call layer records for a PROPSYNC it
// received and handled itself, without stepping the ECONN (docs/protocol.md,
// "The layer above ECONN": that layer handles PROPSYNC). Its "resp" attribute says request or
// response; each "prop.<name>" attribute is one received prop.
const NotePropsync = "ecall.propsync"

// PropsOfNote returns the props a NotePropsync note carries.
func PropsOfNote(n *Note) econn.Props {
	p := econn.Props{}
	if n == nil {
		return p
	}
	for k, v := range n.Attrs {
		if name, ok := strings.CutPrefix(k, "prop."); ok {
			p[name] = v
		}
	}
	return p
}
