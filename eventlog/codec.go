package eventlog

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/callrec/callrec/econn"
)

// An event is stored as a value of its call's events bucket, keyed by its
// big-endian sequence number (the Seq is not repeated in the value):
//
//	kind     1 byte (Kind)
//	type     1 byte (a typeID below; 0 for a note)
//	at       zig-zag varint, nanoseconds
//	user     string
//	client   string
//	conn     string
//	note     string: the note's Type, only when type is 0
//	payload  the fields of the input, output or note, in declaration order
//	         (a note's: 0 for a nil Note, or 1, Text, Attrs)
//
// The header comes first and has no payload in it, so that a Filter can
// reject an event by reading a few bytes. The type ids are part of the
// format: never renumber them, only add.
type typeID uint8

// Inputs.
const (
	idStart typeID = 1 + iota
	idAnswer
	idUpdateReq
	idUpdateResp
	idEnd
	idClose
	idDataChanEstablished
	idSetError
	idSendPropsync
	idSendAlert
	idSendPing
	idRecv // econn.Recv, with the decoded message
	idTimerFired
	idSendFailed
	idRecvInput // RecvInput, with the raw bytes
	idNewConn
)

// Outputs.
const (
	idStateChanged typeID = 64 + iota
	idSend
	idSetTimer
	idCancelTimer
	idIncoming
	idAnswered
	idUpdateRequested
	idUpdateAnswered
	idAlertReceived
	idPingReceived
	idConfPartReceived
	idClosed
	idIgnored     // format 1: the reason as a sentence (read only)
	idIgnoredCode // format 2: the reason as a code and arguments
)

// typeInfo describes one type id: its Event.Type and how to decode its payload.
type typeInfo struct {
	name   string
	kind   Kind
	input  func(d *decoder) Input
	output func(d *decoder) econn.Output
}

var types [256]typeInfo

var inputTypes = map[typeID]struct {
	name string
	dec  func(*decoder) Input
}{
	idStart:               {"Start", step(decStart)},
	idAnswer:              {"Answer", step(decAnswer)},
	idUpdateReq:           {"UpdateReq", step(decUpdateReq)},
	idUpdateResp:          {"UpdateResp", step(decUpdateResp)},
	idEnd:                 {"End", func(*decoder) Input { return loggedEnd }},
	idClose:               {"Close", step(decClose)},
	idDataChanEstablished: {"DataChanEstablished", func(*decoder) Input { return loggedDataChan }},
	idSetError:            {"SetError", step(decSetError)},
	idSendPropsync:        {"SendPropsync", step(decSendPropsync)},
	idSendAlert:           {"SendAlert", step(decSendAlert)},
	idSendPing:            {"SendPing", decLoggedSendPing},
	idRecv:                {TypeRecv, step(decRecv)},
	idTimerFired:          {"TimerFired", step(decTimerFired)},
	idSendFailed:          {"SendFailed", step(decSendFailed)},
	idRecvInput:           {TypeRecv, decRecvInput},
	idNewConn:             {TypeNew, decNewConn},
}

// The inputs with one or two values, boxed once: decoding them allocates
// nothing. A keep-alive PING each way per round is most of a long call's
// inputs, and wrapping an econn input in a StepInput would otherwise cost
// an allocation per event.
var (
	loggedEnd      Input = StepInput{In: econn.End{}}
	loggedDataChan Input = StepInput{In: econn.DataChanEstablished{}}
	loggedPing     Input = StepInput{In: econn.SendPing{}}
	loggedPingResp Input = StepInput{In: econn.SendPing{Resp: true}}
)

func decLoggedSendPing(d *decoder) Input {
	if d.bool("resp") {
		return loggedPingResp
	}
	return loggedPing
}

// step wraps the decoder of an econn input into a logged StepInput.
func step(dec func(*decoder) econn.Input) func(*decoder) Input {
	return func(d *decoder) Input { return StepInput{In: dec(d)} }
}

var outputTypes = map[typeID]struct {
	name string
	dec  func(*decoder) econn.Output
}{
	idStateChanged:     {"StateChanged", decStateChanged},
	idSend:             {"Send", decSend},
	idSetTimer:         {"SetTimer", decSetTimer},
	idCancelTimer:      {"CancelTimer", decCancelTimer},
	idIncoming:         {"Incoming", decIncoming},
	idAnswered:         {"Answered", decAnswered},
	idUpdateRequested:  {"UpdateRequested", decUpdateRequested},
	idUpdateAnswered:   {"UpdateAnswered", decUpdateAnswered},
	idAlertReceived:    {"AlertReceived", decAlertReceived},
	idPingReceived:     {"PingReceived", decPingReceived},
	idConfPartReceived: {"ConfPartReceived", decConfPartReceived},
	idClosed:           {"Closed", decClosed},
	idIgnored:          {"Ignored", decIgnoredV1},
	idIgnoredCode:      {"Ignored", decIgnoredCode},
}

// init fills the lookup table the decoder indexes by type id.
func init() {
	for id, t := range inputTypes {
		types[id] = typeInfo{name: t.name, kind: KindInput, input: t.dec}
	}
	for id, t := range outputTypes {
		types[id] = typeInfo{name: t.name, kind: KindOutput, output: t.dec}
	}
}

// TypeNames returns the Event.Type of every input and output the codec
// knows, sorted and without repeats. A note's type is any other string.
func TypeNames() []string {
	var names []string
	for id := range types {
		if n := types[id].name; n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// EncodeEvent returns the stored form of ev (without its Seq, which is the
// key). Exactly the field that Kind names must be set: Input, Output or
// Note. Type may be empty (it is implied by the input or output) and must
// otherwise match it; a note needs a Type.
func EncodeEvent(ev Event) ([]byte, error) {
	return appendEvent(nil, &ev)
}

// DecodeEvent decodes a value written by EncodeEvent; seq becomes its Seq.
// Errors wrap ErrCorrupt.
func DecodeEvent(seq uint64, data []byte) (Event, error) {
	var ed eventDecoder
	ev, _, err := ed.decode(seq, data, nil)
	return ev, err
}

// appendEvent appends ev's stored form to b. On error b's contents past its
// original length are unspecified.
func appendEvent(b []byte, ev *Event) ([]byte, error) {
	if err := checkEventFields(ev); err != nil {
		return b, err
	}
	start := len(b)
	b = append(b, byte(ev.Kind), 0)
	b = putVarint(b, int64(ev.At))
	b = putString(b, ev.Endpoint.User)
	b = putString(b, ev.Endpoint.Client)
	b = putString(b, ev.Conn)
	var id typeID
	var err error
	switch ev.Kind {
	case KindInput:
		b, id, err = appendInput(b, ev.Input)
	case KindOutput:
		b, id, err = appendOutput(b, ev.Output)
	case KindNote:
		b = putString(b, ev.Type)
		b = appendNote(b, ev.Note)
	}
	if err != nil {
		return b, err
	}
	if ev.Kind != KindNote && ev.Type != "" && ev.Type != types[id].name {
		return b, fmt.Errorf("eventlog: event type %q does not match its %s %s", ev.Type, ev.Kind, types[id].name)
	}
	b[start+1] = byte(id)
	return b, nil
}

// checkEventFields checks that the field Kind names is the one set.
func checkEventFields(ev *Event) error {
	set := func(in, out, note bool) error {
		if (ev.Input != nil) != in || (ev.Output != nil) != out || (ev.Note != nil) != note {
			return fmt.Errorf("eventlog: a %s event must set only %s (Input set: %t, Output set: %t, Note set: %t)",
				ev.Kind, map[Kind]string{KindInput: "Input", KindOutput: "Output", KindNote: "Note"}[ev.Kind],
				ev.Input != nil, ev.Output != nil, ev.Note != nil)
		}
		return nil
	}
	switch ev.Kind {
	case KindInput:
		return set(true, false, false)
	case KindOutput:
		return set(false, true, false)
	case KindNote:
		if ev.Type == "" {
			return errors.New("eventlog: a note event needs a Type")
		}
		return set(false, false, ev.Note != nil) // a note may be just its Type
	}
	return fmt.Errorf("eventlog: event kind %v is not input, output or note", ev.Kind)
}

// header is an event's fixed part, read without decoding the payload.
type header struct {
	kind                     Kind
	id                       typeID
	at                       time.Duration
	user, client, conn, note []byte // note: the note's type, for id 0
}

func (d *decoder) header() header {
	var h header
	h.kind = Kind(d.byte1("kind"))
	h.id = typeID(d.byte1("type"))
	h.at = time.Duration(d.varint("at"))
	h.user = d.rawString("user")
	h.client = d.rawString("client")
	h.conn = d.rawString("conn")
	if d.err != nil {
		return h
	}
	switch {
	case h.kind == KindNote && h.id == 0:
		if h.note = d.rawString("note type"); len(h.note) == 0 && d.err == nil {
			d.fail("note without a type")
		}
	case h.kind < KindInput || h.kind > KindNote:
		d.fail("unknown kind %d", h.kind)
	case types[h.id].kind != h.kind:
		d.fail("unknown %s type id %d", h.kind, h.id)
	}
	return h
}

// eventDecoder decodes events one after another. With intern set, the
// header strings, which repeat from event to event, are shared.
type eventDecoder struct {
	d      decoder
	intern map[string]string
}

func (ed *eventDecoder) str(b []byte) string {
	if ed.intern == nil {
		return string(b)
	}
	if s, ok := ed.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(ed.intern) < 4096 {
		ed.intern[s] = s
	}
	return s
}

// decode decodes data; with a filter, an event that does not match is
// skipped after its header (match false, no error).
func (ed *eventDecoder) decode(seq uint64, data []byte, f *compiledFilter) (ev Event, match bool, err error) {
	d := &ed.d
	d.reset(data)
	h := d.header()
	if d.err == nil && f != nil && !f.match(&h) {
		return Event{}, false, nil
	}
	ev = Event{Seq: seq, At: h.at, Kind: h.kind, Conn: ed.str(h.conn),
		Endpoint: Endpoint{User: ed.str(h.user), Client: ed.str(h.client)}}
	switch info := &types[h.id]; {
	case d.err != nil:
	case h.kind == KindNote:
		ev.Type = ed.str(h.note)
		ev.Note = decNote(d)
	case h.kind == KindInput:
		ev.Type = info.name
		ev.Input = info.input(d)
	default:
		ev.Type = info.name
		ev.Output = info.output(d)
	}
	if d.err == nil && d.left() != 0 {
		d.fail("%d trailing bytes", d.left())
	}
	if d.err != nil {
		return Event{}, true, &DamageError{Seq: seq, HasSeq: true, Problem: d.err.Error()}
	}
	return ev, true, nil
}

func appendNote(b []byte, n *Note) []byte {
	if n == nil {
		return append(b, 0)
	}
	b = putString(append(b, 1), n.Text)
	return putMap(b, n.Attrs)
}

func decNote(d *decoder) *Note {
	switch d.byte1("note") {
	case 0:
		return nil
	case 1:
		return &Note{Text: d.string("note text"), Attrs: d.stringMap("note attrs")}
	}
	d.fail("note: bad presence byte")
	return nil
}
