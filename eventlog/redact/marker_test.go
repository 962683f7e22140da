package redact_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/export"
	"github.com/callrec/callrec/eventlog/redact"
)

// planter fills every string, byte slice, props map (key and value) and
// error with a marker of its own, "Qz<n>xJ": no word of the vocabulary,
// no number, and easy to find in bytes.
type planter struct {
	n       int
	markers []string
}

func (p *planter) next() string {
	p.n++
	m := fmt.Sprintf("Qz%04dxJ", p.n)
	p.markers = append(p.markers, m)
	return m
}

var (
	errorType = reflect.TypeOf((*error)(nil)).Elem()
	propsType = reflect.TypeOf(econn.Props(nil))
	bytesType = reflect.TypeOf([]byte(nil))
)

// fill plants markers in v and everything it holds. Message types stay
// SETUP so that the message encodes; other enums and numbers keep
// their zero values.
func (p *planter) fill(v reflect.Value) {
	switch {
	case v.Type() == errorType:
		v.Set(reflect.ValueOf(econn.ErrorFromName("error:" + p.next())))
		return
	case v.Type() == propsType:
		v.Set(reflect.ValueOf(econn.Props{p.next(): p.next()}))
		return
	case v.Type() == bytesType:
		v.SetBytes([]byte(p.next()))
		return
	case v.Type() == reflect.TypeOf(econn.MsgType(0)):
		v.Set(reflect.ValueOf(econn.MsgSetup))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(p.next())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				p.fill(v.Field(i))
			}
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		p.fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		p.fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		p.fill(k)
		p.fill(e)
		v.SetMapIndex(k, e)
	}
}

func planted[T any](p *planter) T {
	var x T
	p.fill(reflect.ValueOf(&x).Elem())
	return x
}

func plantedKind(p *planter, k any) any {
	v := reflect.New(reflect.TypeOf(k)).Elem()
	p.fill(v)
	return v.Interface()
}

// markedLog writes a log of one call holding every kind of event with a
// marker in each string field: metadata, every econn input (stepped, as
// older recorders logged received messages too) and output, received
// messages that decode and that do not (JSON with unknown members, a
// wrong version, no JSON), a NewConn, and notes with text and
// attributes, props among them. It returns the path and the markers.
func markedLog(t *testing.T) (string, []string) {
	t.Helper()
	p := &planter{}
	path := filepath.Join(t.TempDir(), "marked.log")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	meta := planted[eventlog.CallMeta](p)
	meta.FormatVersion, meta.Start = eventlog.FormatVersion, time.Unix(1700000000, 0).UTC()
	w, err := l.CreateCall(meta)
	if err != nil {
		t.Fatal(err)
	}
	var evs []eventlog.Event
	ev := func(kind eventlog.Kind) eventlog.Event {
		return eventlog.Event{At: time.Second, Endpoint: planted[eventlog.Endpoint](p), Conn: p.next(), Kind: kind}
	}
	for _, k := range econn.InputKinds() {
		e := ev(eventlog.KindInput)
		e.Input = eventlog.StepInput{In: plantedKind(p, k).(econn.Input)}
		evs = append(evs, e)
	}
	for _, k := range econn.OutputKinds() {
		e := ev(eventlog.KindOutput)
		e.Output = plantedKind(p, k).(econn.Output)
		evs = append(evs, e)
	}
	e := ev(eventlog.KindInput)
	e.Input = planted[eventlog.NewConn](p)
	evs = append(evs, e)

	// One message of each type econn encodes and decodes, every member
	// of it planted.
	var raws []string
	for t := econn.MsgType(1); t < 64; t++ {
		start := len(p.markers)
		msg := planted[econn.Message](p)
		msg.Type = t
		data, err := msg.Encode()
		if err == nil {
			_, err = econn.Decode(data, 0, 0)
		}
		// Only the members of its type are on the wire.
		kept := p.markers[:start]
		for _, m := range p.markers[start:] {
			if err == nil && bytes.Contains(data, []byte(m)) {
				kept = append(kept, m)
			}
		}
		p.markers = kept
		if err == nil {
			raws = append(raws, string(data))
		}
	}
	if len(raws) < 10 {
		t.Fatalf("only %d message types encode", len(raws))
	}
	user, client, sess := p.next(), p.next(), p.next()
	for _, raw := range append(raws,
		// undecodable: unknown members, a wrong version, no JSON
		fmt.Sprintf(`{"version":"3.0","type":"SETUP","phone":491701234567,"sessid":%q,"resp":"no","src_userid":%q,"src_clientid":%q,"%s":%q,"props":{%q:%q},"sdp":"a=candidate:1 1 udp 1 10.9.8.7 4444 typ host ufrag %s"}`,
			sess, user, client, p.next(), p.next()+" at 10.9.8.7:4444", p.next(), p.next(), p.next()),
		fmt.Sprintf(`{"version":"2.0","type":"SETUP","sessid":%q,"src_userid":%q,"resp":false,"descr":%q}`, sess, user, p.next()),
		fmt.Sprintf(`not json %s from 10.9.8.7:4444`, p.next()),
	) {
		e := ev(eventlog.KindInput)
		in := eventlog.RecvInput{FromUser: user, FromClient: client, Data: []byte(raw)}
		if _, err := econn.Decode(in.Data, 0, 0); err != nil {
			in.DecodeErr = econn.ErrorName(err)
		}
		e.Input = in
		evs = append(evs, e)
	}
	// Long numbers: a phone number however spelled, a key's fingerprint.
	p.markers = append(p.markers, "10.9.8.7", "4444", "491701234567", "1234567", "5678 9012")

	for range 2 {
		e := ev(eventlog.KindNote)
		e.Type = p.next()
		e.Note = planted[*eventlog.Note](p)
		e.Note.Text += " from 10.9.8.7:4444 " + p.next() + " call +49 170 1234567, key 1a2b 3c4d 5678 9012 ef01"
		e.Note.Attrs["prop."+p.next()] = p.next()
		evs = append(evs, e)
	}
	for _, e := range evs {
		if _, err := w.Append(e); err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path, p.markers
}

// exports returns every call of the log at path in every export format.
func exports(t *testing.T, path string) string {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, info := range infos {
		r, err := l.Call(info.Meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%+v\n", info.Meta)
		for _, f := range export.Formats() {
			if err := export.Write(&b, r, export.Options{Format: export.Format(f)}); err != nil {
				t.Fatalf("export %s: %v", f, err)
			}
		}
		r.Close()
	}
	return b.String()
}

// TestNoMarkerSurvives plants a marker in every string field of every
// kind of event and of the call's metadata, redacts, and finds none of
// them in any export of the redacted log nor in its bytes (so not in a
// freed page either: the redacted log is written afresh).
func TestNoMarkerSurvives(t *testing.T) {
	in, markers := markedLog(t)
	raw, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	plain := exports(t, in) + string(raw)
	for _, m := range markers {
		if !strings.Contains(plain, m) {
			t.Errorf("the original log lacks the marker %s: it was planted where nothing is stored", m)
		}
	}
	out := filepath.Join(t.TempDir(), "redacted.log")
	if _, err := redact.File(in, out, redact.Options{}); err != nil {
		t.Fatal(err)
	}
	raw, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	text := exports(t, out)
	for _, m := range markers {
		if bytes.Contains(raw, []byte(m)) {
			t.Errorf("the redacted file still holds %s", m)
		}
		if i := strings.Index(text, m); i >= 0 {
			t.Errorf("an export of the redacted log shows %s: %q", m, text[max(0, i-80):min(len(text), i+40)])
		}
	}
}
