package viewer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/describe"
)

// EventJSON renders an event as indented JSON, the form `y` writes: the
// record `callreplay show --json` prints (package describe), with errors
// by their stable names, received bytes as embedded JSON and SDP as text.
func EventJSON(ev *eventlog.Event) ([]byte, error) {
	return json.MarshalIndent(describe.RecordOf(*ev), "", "  ")
}

// --- the detail pane ------------------------------------------------------------

// detailLines renders the event in full for the detail pane; the summary
// is left out when the caller shows it elsewhere, and for a note, whose
// summary is its text, which follows.
func detailLines(r *Row, labels endpointLabels, summary bool) []Line {
	ev := &r.Event
	lbl, st := labels.label(ev.Endpoint)
	head := Line{{Text: fmtAt(ev.At) + " ", Style: StyleDim},
		{Text: lbl, Style: st}, {Text: " " + ev.Kind.String() + " "}, {Text: ev.Type, Style: StyleHeader}}
	lines := []Line{head}
	if summary && r.Summary != "" && ev.Note == nil {
		lines = append(lines, plain(r.Summary))
	}
	switch {
	case ev.Input != nil:
		lines = append(lines, inputLines(ev)...)
	case ev.Output != nil:
		lines = append(lines, outputLines(ev)...)
	case ev.Note != nil:
		lines = append(lines, noteLines(ev.Note)...)
	}
	return lines
}

func inputLines(ev *eventlog.Event) []Line {
	if rv, ok := ev.Input.(eventlog.RecvInput); ok {
		lines := []Line{plain(fmt.Sprintf("from %s/%s via %s", rv.FromUser, rv.FromClient, rv.Via)),
			plain(fmt.Sprintf("message time %s, received at %s", secondsText(rv.MsgTime), secondsText(rv.CurrTime)))}
		if rv.DecodeErr != "" {
			lines = append(lines, styled("not decoded ("+rv.DecodeErr+"): the input was not stepped", StyleError))
		}
		return append(lines, messageLines(rv.Data)...)
	}
	return fieldLines(ev)
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
		return []Line{styled("Ignored: "+out.Sentence(), StyleError)}
	case econn.Closed:
		why := econn.ErrorName(out.Reason)
		if why == "" {
			why = "normal close"
		}
		return []Line{styled("Closed: "+why, StyleError), plain("message time " + secondsText(out.MsgTime))}
	case econn.SetTimer:
		return []Line{plain(fmt.Sprintf("timer %s after %s (generation %d), fires at %s",
			out.Action, out.After, out.Gen, fmtAt(ev.At+out.After)))}
	}
	return fieldLines(ev)
}

func noteLines(n *eventlog.Note) []Line {
	var lines []Line
	if n.Text != "" {
		lines = append(lines, plain(n.Text))
	}
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

// fieldLines lists the event's payload fields, one a line, as `show
// --json` names them; any SDP is broken into sections at the end.
func fieldLines(ev *eventlog.Event) []Line {
	data := describe.RecordOf(*ev).Data
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []Line
	sdp := ""
	for _, k := range keys {
		if text, ok := data[k].(string); ok && k == "SDP" {
			sdp = text
			continue
		}
		lines = append(lines, Line{{Text: k + ": ", Style: StyleDim}, {Text: fieldText(data[k])}})
	}
	return append(lines, sdpLines(sdp)...)
}

// fieldText renders a payload value: text as is, an endpoint as
// "user/client", props as "k=v k=v", anything else as JSON.
func fieldText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		u, uok := x["User"].(string)
		c, cok := x["Client"].(string)
		if uok && cok && len(x) == 2 {
			return u + "/" + c
		}
		flat := make(map[string]string, len(x))
		for k, val := range x {
			s, ok := val.(string)
			if !ok {
				flat = nil
				break
			}
			flat[k] = s
		}
		if flat != nil {
			return attrsText(flat)
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
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

// secondsText renders a message or receive time, the seconds ECONN
// decodes a message with (ECONN.md, "Message time"); 0 means none was
// given, which a bare 0 does not say.
func secondsText(s uint32) string {
	if s == 0 {
		return "0 s (none)"
	}
	return fmt.Sprintf("%d s", s)
}

// fmtAt renders a call time as "+12.345s".
func fmtAt(d time.Duration) string {
	return fmt.Sprintf("+%.3fs", d.Seconds())
}
