package redact

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// The per-kind part of redaction. Every econn input and output redacts
// itself through an econn.Redactor (its Redact method passes each field
// that can hold personal data through one of the Redactor's methods), so
// redaction covers every kind by construction; only the three kinds of
// logged input (eventlog.Input, a closed set) are handled here.

// The collector is an econn.Redactor that changes nothing and notes the
// user and client ids each kind shows it.
func (c *collector) UserID(id string) string {
	c.pair(id, "")
	return id
}

func (c *collector) ClientID(id string) string {
	c.pair("", id)
	return id
}

func (c *collector) SessID(s string) string          { return s }
func (c *collector) SDP(s string) string             { return s }
func (c *collector) Props(p econn.Props) econn.Props { return p }
func (c *collector) Text(s string) string            { return s }
func (c *collector) Credential(s string) string      { return s }
func (c *collector) Secret(b []byte) []byte          { return b }

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
			m.Redact(c)
		} else if w := rawFields(in.Data); w != nil {
			c.pair(str(w["src_userid"]), str(w["src_clientid"]))
			c.pair(str(w["dest_userid"]), str(w["dest_clientid"]))
		}
	case eventlog.StepInput:
		econn.RedactInput(in.In, c)
	}
	econn.RedactOutput(ev.Output, c)
}

// The Redactor is an econn.Redactor: ids become their pseudonyms, SDPs
// are scrubbed, free text loses ids and addresses, credentials and key
// material are replaced. Session ids and props are kept: they name no
// one, and replay needs them.
func (r *Redactor) UserID(id string) string         { return r.user(id) }
func (r *Redactor) ClientID(id string) string       { return r.client(id) }
func (r *Redactor) SessID(s string) string          { return s }
func (r *Redactor) SDP(s string) string             { return ScrubSDP(s) }
func (r *Redactor) Props(p econn.Props) econn.Props { return p }
func (r *Redactor) Text(s string) string            { return r.text(s) }
func (r *Redactor) Credential(s string) string      { return redacted(s) }
func (r *Redactor) Secret(b []byte) []byte          { return zeroed(b) }

// input returns the redacted form of a logged input.
func (r *Redactor) input(in eventlog.Input) (eventlog.Input, error) {
	switch in := in.(type) {
	case eventlog.NewConn:
		return eventlog.NewConn{Config: r.config(in.Config), Remote: r.endpoint(in.Remote)}, nil
	case eventlog.RecvInput:
		return r.recv(in)
	case eventlog.StepInput:
		if in.In == nil {
			return nil, fmt.Errorf("%w: an input event holds no input", ErrUnredactable)
		}
		return eventlog.StepInput{In: in.In.Redact(r)}, nil
	}
	return nil, fmt.Errorf("%w input of type %T", ErrUnredactable, in)
}

// recv redacts a received message: decoded, redacted and encoded again; a
// message that does not decode is redacted as raw JSON (or replaced) in a
// way that fails to decode with the same error.
func (r *Redactor) recv(in eventlog.RecvInput) (eventlog.Input, error) {
	in.FromUser, in.FromClient = r.user(in.FromUser), r.client(in.FromClient)
	m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime)
	if err == nil {
		data, err := m.Redact(r).Encode()
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
