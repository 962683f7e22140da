package viewer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// EventJSON renders an event as indented JSON, the form `y` writes: the
// event's header fields and its payload, with errors by their stable
// names, messages in their wire form and SDP as text.
func EventJSON(ev *eventlog.Event) ([]byte, error) {
	out := struct {
		Seq      uint64 `json:"seq"`
		At       string `json:"at"`
		AtNanos  int64  `json:"at_ns"`
		Endpoint string `json:"endpoint"`
		Conn     string `json:"conn,omitempty"`
		Kind     string `json:"kind"`
		Type     string `json:"type"`
		Payload  any    `json:"payload,omitempty"`
	}{
		Seq: ev.Seq, At: ev.At.String(), AtNanos: int64(ev.At), Endpoint: ev.Endpoint.String(),
		Conn: ev.Conn, Kind: ev.Kind.String(), Type: ev.Type, Payload: eventPayload(ev),
	}
	return json.MarshalIndent(out, "", "  ")
}

func eventPayload(ev *eventlog.Event) any {
	switch {
	case ev.Input != nil:
		return jsonValue(reflect.ValueOf(ev.Input))
	case ev.Output != nil:
		return jsonValue(reflect.ValueOf(ev.Output))
	case ev.Note != nil:
		return ev.Note
	}
	return nil
}

var (
	errorType   = reflect.TypeFor[error]()
	stringer    = reflect.TypeFor[fmt.Stringer]()
	messageType = reflect.TypeFor[*econn.Message]()
	bytesType   = reflect.TypeFor[[]byte]()
)

// jsonValue turns a payload value into something encoding/json renders
// readably: errors by name, enums and durations by their String, messages
// and JSON bytes as embedded JSON, structs field by field.
func jsonValue(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	t := v.Type()
	switch {
	case t == errorType || (t.Kind() == reflect.Interface && t.Implements(errorType)):
		if v.IsNil() {
			return nil
		}
		return econn.ErrorName(v.Interface().(error))
	case t == messageType:
		if v.IsNil() {
			return nil
		}
		if data, err := v.Interface().(*econn.Message).Encode(); err == nil {
			return json.RawMessage(data)
		}
		return v.Elem().Interface()
	case t == bytesType:
		if b := v.Bytes(); json.Valid(b) {
			return json.RawMessage(b)
		}
		return string(v.Bytes())
	case t.Kind() == reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonValue(v.Elem())
	case t.Implements(stringer) && t.Kind() != reflect.Struct:
		return v.Interface().(fmt.Stringer).String()
	case t.Kind() == reflect.Struct:
		if t.Implements(stringer) {
			return v.Interface().(fmt.Stringer).String()
		}
		obj := make(map[string]any, t.NumField())
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				obj[f.Name] = jsonValue(v.Field(i))
			}
		}
		return obj
	}
	return v.Interface()
}

// --- the detail pane ------------------------------------------------------------

// detailLines renders the event in full for the detail pane; the summary
// is left out when the caller shows it elsewhere.
func detailLines(r *Row, labels endpointLabels, summary bool) []Line {
	ev := &r.Event
	lbl, st := labels.label(ev.Endpoint)
	head := Line{{Text: fmtAt(ev.At) + " ", Style: StyleDim},
		{Text: lbl, Style: st}, {Text: " " + ev.Kind.String() + " "}, {Text: ev.Type, Style: StyleHeader}}
	lines := []Line{head}
	if summary && r.Summary != "" {
		lines = append(lines, plain(r.Summary))
	}
	switch {
	case ev.Input != nil:
		lines = append(lines, inputLines(ev.Input)...)
	case ev.Output != nil:
		lines = append(lines, outputLines(ev)...)
	case ev.Note != nil:
		lines = append(lines, noteLines(ev.Note)...)
	}
	return lines
}

func inputLines(in econn.Input) []Line {
	if rv, ok := in.(eventlog.RecvInput); ok {
		lines := []Line{plain(fmt.Sprintf("from %s/%s via %s, message time %d, received at %d",
			rv.FromUser, rv.FromClient, rv.Via, rv.MsgTime, rv.CurrTime))}
		if rv.DecodeErr != "" {
			lines = append(lines, styled("not decoded ("+rv.DecodeErr+"): the input was not stepped", StyleError))
		}
		return append(lines, messageLines(rv.Data)...)
	}
	return fieldLines(in)
}

func outputLines(ev *eventlog.Event) []Line {
	switch out := ev.Output.(type) {
	case econn.Send:
		lines := []Line{plain("via " + out.Via.String())}
		if out.Msg == nil {
			return lines
		}
		data, err := out.Msg.Encode()
		if err != nil {
			return append(lines, styled("cannot encode: "+err.Error(), StyleError))
		}
		return append(lines, messageLines(data)...)
	case econn.Ignored:
		return []Line{styled("Ignored: "+out.Reason, StyleError)}
	case econn.Closed:
		why := econn.ErrorName(out.Reason)
		if why == "" {
			why = "normal close"
		}
		return []Line{styled("Closed: "+why, StyleError), plain(fmt.Sprintf("message time %d", out.MsgTime))}
	case econn.SetTimer:
		return []Line{plain(fmt.Sprintf("timer %s after %s (generation %d), fires at %s",
			out.Action, out.After, out.Gen, fmtAt(ev.At+out.After)))}
	}
	return fieldLines(ev.Output)
}

func noteLines(n *eventlog.Note) []Line {
	lines := []Line{plain(n.Text)}
	keys := make([]string, 0, len(n.Attrs))
	for k := range n.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lines = append(lines, Line{{Text: "  " + k + ": ", Style: StyleDim}, {Text: n.Attrs[k]}})
	}
	return lines
}

// fieldLines lists a struct's exported fields, one a line, with any SDP
// broken into sections at the end.
func fieldLines(v any) []Line {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct {
		return nil
	}
	var lines []Line
	sdp := ""
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Name == "SDP" {
			sdp = rv.Field(i).String()
			continue
		}
		val := jsonValue(rv.Field(i))
		var text string
		switch x := val.(type) {
		case nil:
			text = "—"
		case string:
			text = x
		case map[string]string:
			text = attrsText(x)
		case econn.Props:
			text = attrsText(x)
		default:
			b, _ := json.Marshal(x)
			text = string(b)
		}
		lines = append(lines, Line{{Text: f.Name + ": ", Style: StyleDim}, {Text: text}})
	}
	return append(lines, sdpLines(sdp)...)
}

// messageLines shows wire bytes as indented JSON; the SDP inside is
// elided there and shown below in sections.
func messageLines(data []byte) []Line {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return []Line{styled("raw bytes (not JSON):", StyleDim), plain(string(data))}
	}
	var sdp struct {
		SDP string `json:"sdp"`
	}
	_ = json.Unmarshal(data, &sdp) // best effort: an absent sdp is ""
	lines := []Line{styled("message:", StyleHeader)}
	for _, l := range strings.Split(buf.String(), "\n") {
		if t := strings.TrimSpace(l); sdp.SDP != "" && strings.HasPrefix(t, `"sdp":`) {
			indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
			comma := strings.HasSuffix(t, ",")
			l = indent + `"sdp": "…" (see SDP below)`
			if comma {
				l += ","
			}
		}
		lines = append(lines, plain(l))
	}
	return append(lines, sdpLines(sdp.SDP)...)
}

// sdpLines splits an SDP into its session part and one section per media
// description ("m=" line), each under a heading.
func sdpLines(sdp string) []Line {
	if sdp == "" {
		return nil
	}
	lines := []Line{styled("SDP session", StyleHeader)}
	for _, l := range strings.Split(strings.TrimRight(sdp, "\r\n"), "\n") {
		l = strings.TrimRight(l, "\r")
		if media, ok := strings.CutPrefix(l, "m="); ok {
			kind, _, _ := strings.Cut(media, " ")
			lines = append(lines, styled("SDP media: "+kind, StyleHeader))
		}
		lines = append(lines, plain("  "+l))
	}
	return lines
}

// fmtAt renders a call time as "+12.345s".
func fmtAt(d time.Duration) string {
	return fmt.Sprintf("+%.3fs", d.Seconds())
}
