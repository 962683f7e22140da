package redact

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// The per-kind part of redaction: which ids each input and output kind
// mentions, and its redacted form. Every kind is listed, those without
// personal data too, so that a kind added later fails redaction
// (ErrUnredactable) instead of passing through unredacted.

// event collects the ids ev mentions.
func (c *collector) event(ev eventlog.Event) {
	c.endpoint(ev.Endpoint)
	switch in := ev.Input.(type) {
	case eventlog.NewConn:
		c.pair(in.Config.UserID, in.Config.ClientID)
		c.endpoint(in.Remote)
	case eventlog.RecvInput:
		c.pair(in.FromUser, in.FromClient)
		if m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime); err == nil {
			c.message(m)
		} else if w := rawFields(in.Data); w != nil {
			c.pair(str(w["src_userid"]), str(w["src_clientid"]))
			c.pair(str(w["dest_userid"]), str(w["dest_clientid"]))
		}
	case econn.Recv:
		c.pair(in.FromUser, in.FromClient)
		c.message(in.Msg)
	}
	switch out := ev.Output.(type) {
	case econn.Send:
		c.message(out.Msg)
	case econn.Incoming:
		c.pair(out.FromUser, out.FromClient)
	case econn.UpdateRequested:
		c.pair(out.FromUser, out.FromClient)
	case econn.ConfPartReceived:
		c.message(out.Msg)
	}
}

// input returns the redacted form of in.
func (r *Redactor) input(in econn.Input) (econn.Input, error) {
	switch in := in.(type) {
	case eventlog.NewConn:
		return eventlog.NewConn{Config: r.config(in.Config), Remote: r.endpoint(in.Remote)}, nil
	case eventlog.RecvInput:
		return r.recv(in)
	case econn.Recv:
		return econn.Recv{FromUser: r.user(in.FromUser), FromClient: r.client(in.FromClient), Msg: r.message(in.Msg)}, nil
	case econn.Start:
		return econn.Start{SDP: ScrubSDP(in.SDP), Props: in.Props}, nil
	case econn.Answer:
		return econn.Answer{SDP: ScrubSDP(in.SDP), Props: in.Props}, nil
	case econn.UpdateReq:
		return econn.UpdateReq{SDP: ScrubSDP(in.SDP), Props: in.Props}, nil
	case econn.UpdateResp:
		return econn.UpdateResp{SDP: ScrubSDP(in.SDP), Props: in.Props}, nil
	case econn.End, econn.Close, econn.DataChanEstablished, econn.SetError, econn.SendPropsync,
		econn.SendAlert, econn.SendPing, econn.TimerFired, econn.SendFailed:
		return in, nil // no ids, addresses or credentials
	}
	return nil, fmt.Errorf("%w input of type %T", ErrUnredactable, in)
}

// output returns the redacted form of o.
func (r *Redactor) output(o econn.Output) (econn.Output, error) {
	switch o := o.(type) {
	case econn.Send:
		return econn.Send{Msg: r.message(o.Msg), Via: o.Via}, nil
	case econn.Incoming:
		o.FromUser, o.FromClient, o.SDP = r.user(o.FromUser), r.client(o.FromClient), ScrubSDP(o.SDP)
		return o, nil
	case econn.Answered:
		o.SDP = ScrubSDP(o.SDP)
		return o, nil
	case econn.UpdateRequested:
		o.FromUser, o.FromClient, o.SDP = r.user(o.FromUser), r.client(o.FromClient), ScrubSDP(o.SDP)
		return o, nil
	case econn.UpdateAnswered:
		o.SDP = ScrubSDP(o.SDP)
		return o, nil
	case econn.ConfPartReceived:
		return econn.ConfPartReceived{Msg: r.message(o.Msg)}, nil
	case econn.Ignored:
		o.Reason = r.text(o.Reason)
		return o, nil
	case econn.StateChanged, econn.SetTimer, econn.CancelTimer, econn.AlertReceived, econn.PingReceived, econn.Closed:
		return o, nil // no ids, addresses or credentials
	}
	return nil, fmt.Errorf("%w output of type %T", ErrUnredactable, o)
}

// recv redacts a received message: decoded, redacted and encoded again; a
// message that does not decode is redacted as raw JSON (or replaced) in a
// way that fails to decode with the same error.
func (r *Redactor) recv(in eventlog.RecvInput) (econn.Input, error) {
	in.FromUser, in.FromClient = r.user(in.FromUser), r.client(in.FromClient)
	m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime)
	if err == nil {
		data, err := r.message(m).Encode()
		if err != nil {
			return nil, fmt.Errorf("encode the redacted %s: %w", m.Type, err)
		}
		in.Data = data
		return in, nil
	}
	want := econn.ErrorName(err)
	for _, data := range r.undecodable(in.Data, want) {
		_, err := econn.Decode(data, in.CurrTime, in.MsgTime)
		if econn.ErrorName(err) == want {
			in.Data = data
			return in, nil
		}
	}
	return nil, fmt.Errorf("%w a message that fails to decode with %s and keep it failing so", ErrUnredactable, want)
}

// undecodable proposes redacted forms of data, which fails to decode with
// the error named want, best first.
func (r *Redactor) undecodable(data []byte, want string) [][]byte {
	var out [][]byte
	if w := rawFields(data); w != nil {
		for _, k := range []string{"src_userid", "dest_userid"} {
			if s, ok := w[k].(string); ok {
				w[k] = r.user(s)
			}
		}
		for _, k := range []string{"src_clientid", "dest_clientid"} {
			if s, ok := w[k].(string); ok {
				w[k] = r.client(s)
			}
		}
		if s, ok := w["sdp"].(string); ok {
			w["sdp"] = ScrubSDP(s)
		}
		if b, err := json.Marshal(w); err == nil {
			out = append(out, b)
		}
	}
	if want == econn.ErrorName(econn.ErrTooLarge) {
		out = append(out, []byte(strings.Repeat("x", len(data))))
	}
	return append(out, []byte(`{"redacted": `)) // not JSON
}

// rawFields parses data as a JSON object; nil when it is none.
func rawFields(data []byte) map[string]any {
	var w map[string]any
	if json.Unmarshal(data, &w) != nil {
		return nil
	}
	return w
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
