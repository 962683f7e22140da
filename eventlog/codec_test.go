package eventlog

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
)

// allInputs and allOutputs hold a zero value of every input and output
// the log encodes: every kind econn lists (econn.InputKinds, OutputKinds),
// so a kind added to econn is round-tripped here at once and fails until
// the codec knows it.
var allInputs = func() []Input {
	var ins []Input
	for _, k := range econn.InputKinds() {
		ins = append(ins, StepInput{In: k})
	}
	return append(ins, RecvInput{}, NewConn{})
}()

var allOutputs = econn.OutputKinds()

func TestCodecCoversEveryKind(t *testing.T) {
	for _, in := range allInputs {
		if _, err := EncodeEvent(Event{Kind: KindInput, Input: in}); err != nil {
			t.Errorf("%s: %v", in.InputName(), err)
		}
	}
	for _, out := range allOutputs {
		if _, err := EncodeEvent(Event{Kind: KindOutput, Output: out}); err != nil {
			t.Errorf("%s: %v", out.OutputName(), err)
		}
	}
}

// filledInput fills an input; a StepInput's econn input is filled inside.
func filledInput(t testing.TB, in Input, n *int) Input {
	if s, ok := in.(StepInput); ok {
		return StepInput{In: filled(t, s.In, n)}
	}
	return filled(t, in, n)
}

// fill sets every field reachable from v to a non-zero value derived from
// *n, so that a field the codec forgets shows up as a difference.
func fill(t testing.TB, v reflect.Value, n *int) {
	*n++
	errType := reflect.TypeFor[error]()
	if v.Type() == reflect.TypeFor[econn.IgnoreReason]() {
		v.Set(reflect.ValueOf(econn.IgnoreReason(*n % len(econn.IgnoreReasons()))))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n%100 + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n%100 + 1))
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), n)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(t, k, n)
			fill(t, e, n)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(t, p.Elem(), n)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), n)
		}
	case reflect.Interface:
		if v.Type() != errType {
			t.Fatalf("fill: cannot fill interface %v", v.Type())
		}
		v.Set(reflect.ValueOf(econn.ErrTimedOut))
	default:
		t.Fatalf("fill: cannot fill %v", v.Type())
	}
}

func filled[T any](t testing.TB, zero T, n *int) T {
	p := reflect.New(reflect.TypeOf(zero))
	fill(t, p.Elem(), n)
	return p.Elem().Interface().(T)
}

func roundTrip(t *testing.T, ev Event) Event {
	t.Helper()
	data, err := EncodeEvent(ev)
	if err != nil {
		t.Fatalf("encode %s: %v", ev.Type, err)
	}
	got, err := DecodeEvent(ev.Seq, data)
	if err != nil {
		t.Fatalf("decode %s: %v", ev.Type, err)
	}
	return got
}

func TestRoundTripEveryFieldFilled(t *testing.T) {
	n := 0
	for _, zero := range allInputs {
		in := filledInput(t, zero, &n)
		ev := Event{Seq: 7, At: -3 * time.Second, Endpoint: Endpoint{"u", "c"}, Conn: "sess",
			Kind: KindInput, Type: in.InputName(), Input: in}
		if got := roundTrip(t, ev); !reflect.DeepEqual(got, ev) {
			t.Errorf("%T:\n got %#v\nwant %#v", in, got.Input, in)
		}
	}
	for _, zero := range allOutputs {
		out := filled(t, zero, &n)
		ev := Event{Seq: 1 << 60, At: time.Hour, Endpoint: Endpoint{"u", "c"}, Conn: "sess",
			Kind: KindOutput, Type: out.OutputName(), Output: out}
		if got := roundTrip(t, ev); !reflect.DeepEqual(got, ev) {
			t.Errorf("%T:\n got %#v\nwant %#v", out, got.Output, out)
		}
	}
	note := Event{Seq: 3, Kind: KindNote, Type: "ice", Note: filled(t, &Note{}, &n)}
	if got := roundTrip(t, note); !reflect.DeepEqual(got, note) {
		t.Errorf("note: got %#v, want %#v", got.Note, note.Note)
	}
}

// Zero values keep nil maps and slices nil; empty ones stay empty.
func TestRoundTripZeroAndEmpty(t *testing.T) {
	for _, in := range allInputs {
		ev := Event{Seq: 1, Kind: KindInput, Type: in.InputName(), Input: in}
		if got := roundTrip(t, ev); !reflect.DeepEqual(got, ev) {
			t.Errorf("zero %T: got %#v", in, got.Input)
		}
	}
	for _, out := range allOutputs {
		ev := Event{Seq: 1, Kind: KindOutput, Type: out.OutputName(), Output: out}
		if got := roundTrip(t, ev); !reflect.DeepEqual(got, ev) {
			t.Errorf("zero %T: got %#v", out, got.Output)
		}
	}
	empty := &econn.Message{Props: econn.Props{}, Secret: []byte{}, ICEServers: []econn.ICEServer{{URLs: []string{}}},
		Entropy: []byte{}, Participants: []econn.ConfParticipant{}, Keys: []econn.ConfKey{{Data: []byte{}}}}
	for _, ev := range []Event{
		{Kind: KindOutput, Type: "Send", Output: econn.Send{Msg: empty}},
		{Kind: KindInput, Type: "Recv", Input: RecvInput{Data: []byte{}}},
		{Kind: KindInput, Type: "Start", Input: StepInput{In: econn.Start{Props: econn.Props{}}}},
		{Kind: KindNote, Type: "x", Note: &Note{Attrs: map[string]string{}}},
		{Kind: KindNote, Type: "x", Note: &Note{}},
		{Kind: KindNote, Type: "x"},
	} {
		if got := roundTrip(t, ev); !reflect.DeepEqual(got, ev) {
			t.Errorf("%s: got %#v, want %#v", ev.Type, got, ev)
		}
	}
}

// Errors travel by stable name: a wrapped sentinel comes back as the
// sentinel, any other error as an *econn.Error with the same name.
func TestRoundTripErrorsByName(t *testing.T) {
	for _, err := range []error{nil, econn.ErrCanceled, fmt.Errorf("remote: %w", econn.ErrTimedOut),
		errors.New("socket closed")} {
		evs := []Event{
			{Kind: KindInput, Input: StepInput{In: econn.Close{Reason: err, MsgTime: 9}}},
			{Kind: KindInput, Input: StepInput{In: econn.SetError{Err: err}}},
			{Kind: KindInput, Input: StepInput{In: econn.SendFailed{Type: econn.MsgSetup, Err: err}}},
			{Kind: KindOutput, Output: econn.Closed{Reason: err}},
		}
		for _, ev := range evs {
			got := roundTrip(t, ev)
			g, w := errorOf(got), errorOf(ev)
			if econn.ErrorName(g) != econn.ErrorName(w) || (w == nil) != (g == nil) {
				t.Errorf("%T with %v: got error %v (%s)", ev.Input, w, g, econn.ErrorName(g))
			}
			if w != nil && errors.Is(w, econn.ErrTimedOut) && g != econn.ErrTimedOut {
				t.Errorf("wrapped sentinel came back as %#v", g)
			}
		}
	}
}

func errorOf(ev Event) error {
	switch v := ev.Stepped().(type) {
	case econn.Close:
		return v.Reason
	case econn.SetError:
		return v.Err
	case econn.SendFailed:
		return v.Err
	}
	return ev.Output.(econn.Closed).Reason
}

func TestEncodeFillsType(t *testing.T) {
	got := roundTrip(t, Event{Kind: KindInput, Input: NewConn{}})
	if got.Type != "New" {
		t.Errorf("Type = %q, want New", got.Type)
	}
	got = roundTrip(t, Event{Kind: KindInput, Input: RecvInput{Data: []byte("{}")}})
	if _, ok := got.Input.(RecvInput); !ok || got.Type != "Recv" {
		t.Errorf("RecvInput came back as %T %q", got.Input, got.Type)
	}
}

func TestEncodeRejects(t *testing.T) {
	for name, ev := range map[string]Event{
		"no kind":             {Input: StepInput{In: econn.End{}}},
		"bad kind":            {Kind: 9, Input: StepInput{In: econn.End{}}},
		"input without input": {Kind: KindInput},
		"input and output":    {Kind: KindInput, Input: StepInput{In: econn.End{}}, Output: econn.PingReceived{}},
		"output with note":    {Kind: KindOutput, Output: econn.PingReceived{}, Note: &Note{}},
		"note without type":   {Kind: KindNote, Note: &Note{}},
		"type mismatch":       {Kind: KindInput, Type: "Answer", Input: StepInput{In: econn.Start{}}},
		"empty step input":    {Kind: KindInput, Input: StepInput{}},
		"pointer input":       {Kind: KindInput, Input: StepInput{In: &econn.Start{}}},
	} {
		if _, err := EncodeEvent(ev); err == nil {
			t.Errorf("%s: encoded without error", name)
		}
	}
}

// sampleEvents returns one event of each shape, realistic sizes.
func sampleEvents() []Event {
	a, b := Endpoint{"alice", "phone"}, Endpoint{"bob", "laptop"}
	msg := &econn.Message{Type: econn.MsgSetup, SessID: "sA", SrcUser: "alice", SrcClient: "phone",
		DestUser: "bob", DestClient: "laptop", Time: 100, SDP: strings.Repeat("a=candidate\r\n", 12),
		Props: econn.Props{"audiosend": "true", "videosend": "false"}}
	return []Event{
		{At: 0, Endpoint: a, Conn: "sA", Kind: KindInput, Input: NewConn{
			Config: econn.Config{UserID: "alice", ClientID: "phone", SessID: "sA", SetupTimeout: time.Minute}, Remote: b}},
		{At: time.Millisecond, Endpoint: a, Conn: "sA", Kind: KindInput, Input: StepInput{In: econn.Start{SDP: msg.SDP, Props: msg.Props}}},
		{At: time.Millisecond, Endpoint: a, Conn: "sA", Kind: KindOutput, Output: econn.Send{Msg: msg, Via: econn.TransportBackend}},
		{At: time.Millisecond, Endpoint: a, Conn: "sA", Kind: KindOutput, Output: econn.StateChanged{To: econn.StatePendingOutgoing}},
		{At: time.Millisecond, Endpoint: a, Conn: "sA", Kind: KindOutput, Output: econn.SetTimer{After: time.Minute, Gen: 1}},
		{At: 5 * time.Millisecond, Endpoint: b, Conn: "sB", Kind: KindInput, Input: RecvInput{FromUser: "alice",
			FromClient: "phone", Data: []byte(`{"version":"3.0","type":"SETUP","sessid":"sA","resp":false}`), CurrTime: 101, MsgTime: 100}},
		{At: 6 * time.Millisecond, Endpoint: b, Kind: KindNote, Type: "media", Note: &Note{Text: "ice connected",
			Attrs: map[string]string{"pair": "host/udp"}}},
		{At: 9 * time.Millisecond, Endpoint: b, Conn: "sB", Kind: KindOutput, Output: econn.Closed{Reason: econn.ErrCanceled}},
	}
}

// Every proper prefix of a valid encoding, and the encoding with a byte
// appended, fails to decode with ErrCorrupt.
func TestDecodeTruncatedAndTrailing(t *testing.T) {
	for _, ev := range sampleEvents() {
		data, err := EncodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		for i := range data {
			if _, err := DecodeEvent(1, data[:i]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s truncated to %d of %d bytes: err = %v", ev.Type, i, len(data), err)
			}
		}
		if _, err := DecodeEvent(1, append(slices.Clip(data), 0)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s with a trailing byte: err = %v", ev.Type, err)
		}
	}
}

func TestDecodeRejectsBadHeader(t *testing.T) {
	data, _ := EncodeEvent(sampleEvents()[1])
	for name, mutate := range map[string]func([]byte){
		"kind 0":          func(b []byte) { b[0] = 0 },
		"kind 7":          func(b []byte) { b[0] = 7 },
		"output type id":  func(b []byte) { b[1] = byte(idSend) },
		"unknown type id": func(b []byte) { b[1] = 200 },
	} {
		b := bytes.Clone(data)
		mutate(b)
		if _, err := DecodeEvent(1, b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestEncodingIsDeterministic(t *testing.T) {
	ev := Event{Kind: KindInput, Input: StepInput{In: econn.Start{Props: econn.Props{"a": "1", "b": "2", "c": "3", "d": "4"}}}}
	first, _ := EncodeEvent(ev)
	for range 20 {
		if again, _ := EncodeEvent(ev); !bytes.Equal(again, first) {
			t.Fatal("two encodings of one event differ (map order leaked)")
		}
	}
}

// FuzzDecodeEvent: arbitrary bytes never panic, and whatever decodes
// re-encodes to something that decodes to the same event.
func FuzzDecodeEvent(f *testing.F) {
	for _, ev := range sampleEvents() {
		data, _ := EncodeEvent(ev)
		f.Add(data)
	}
	n := 0
	for _, out := range allOutputs {
		data, _ := EncodeEvent(Event{Kind: KindOutput, Output: filled(f, out, &n)})
		f.Add(data)
	}
	f.Add([]byte{})
	f.Add([]byte{3, 0, 0, 0, 0, 0, 1, 'x', 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvent(5, data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error does not wrap ErrCorrupt: %v", err)
			}
			return
		}
		again, err := EncodeEvent(ev)
		if err != nil {
			t.Fatalf("decoded event does not encode: %v", err)
		}
		ev2, err := DecodeEvent(5, again)
		if err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
		if !reflect.DeepEqual(ev, ev2) {
			t.Fatalf("round trip differs:\n%#v\n%#v", ev, ev2)
		}
	})
}
