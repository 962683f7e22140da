package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
// values each kind shows it that get pseudonyms.
func (c *collector) UserID(id string) string {
	c.pair(id, "")
	return id
}

func (c *collector) ClientID(id string) string {
	c.pair("", id)
	return id
}

func (c *collector) SessID(s string) string {
	if s != "" {
		c.sessions[strings.ToLower(s)] = true
	}
	return s
}

func (c *collector) Props(p econn.Props) econn.Props {
	for k, v := range p {
		c.prop(k, v)
	}
	return p
}

func (c *collector) prop(k, v string) {
	c.key(k)
	if v != "" && !keptValues[v] {
		c.values[v] = true
	}
}

func (c *collector) SDP(s string) string        { return s }
func (c *collector) Text(s string) string       { c.collectNumbers(s); return s }
func (c *collector) Credential(s string) string { return s }
func (c *collector) Secret(b []byte) []byte     { return b }

// event collects the values ev holds.
func (c *collector) event(ev eventlog.Event) {
	c.endpoint(ev.Endpoint)
	c.SessID(ev.Conn)
	switch in := ev.Input.(type) {
	case eventlog.NewConn:
		c.config(in.Config)
		c.endpoint(in.Remote)
	case eventlog.RecvInput:
		c.pair(in.FromUser, in.FromClient)
		econn.RedactError(econn.ErrorFromName(in.DecodeErr), c)
		if m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime); err == nil {
			m.Redact(c)
		} else if w, ok := rawJSON(in.Data); ok {
			walk(w, "", c, func(k string) string { c.key(k); return k }, c.jsonNumber)
		}
	case eventlog.StepInput:
		econn.RedactInput(in.In, c)
	}
	econn.RedactOutput(ev.Output, c)
	if ev.Input == nil && ev.Output == nil {
		c.collectNumbers(ev.Type)
	}
	if ev.Note != nil {
		c.collectNumbers(ev.Note.Text)
		for k, v := range ev.Note.Attrs {
			if name, ok := strings.CutPrefix(k, "prop."); ok {
				c.prop(name, v)
			} else {
				c.key(k)
				c.collectNumbers(v)
			}
		}
	}
}

// The Redactor is an econn.Redactor: ids, session ids and prop values
// become their pseudonyms (prop keys are kept when plain), SDPs are
// scrubbed, free text keeps only vocabulary words, credentials and key
// material are replaced.
func (r *Redactor) UserID(id string) string   { return r.user(id) }
func (r *Redactor) ClientID(id string) string { return r.client(id) }
func (r *Redactor) SessID(s string) string    { return r.sess(s) }
func (r *Redactor) SDP(s string) string       { return ScrubSDP(s) }
func (r *Redactor) Text(s string) string      { return r.text(s) }
func (r *Redactor) Credential(s string) string {
	return redacted(s)
}
func (r *Redactor) Secret(b []byte) []byte { return zeroed(b) }

func (r *Redactor) Props(p econn.Props) econn.Props {
	if p == nil {
		return nil
	}
	c := make(econn.Props, len(p))
	for k, v := range p {
		c[r.key(k)] = r.value(v)
	}
	return c
}

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
// way that fails to decode with the same error. Its DecodeErr is a
// sentinel's name, kept; any other is text.
func (r *Redactor) recv(in eventlog.RecvInput) (eventlog.Input, error) {
	in.FromUser, in.FromClient = r.user(in.FromUser), r.client(in.FromClient)
	in.DecodeErr = econn.ErrorName(econn.RedactError(econn.ErrorFromName(in.DecodeErr), r))
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
// the error named want, best first: the JSON with every member redacted
// by its name, then placeholders of the same size or none.
func (r *Redactor) undecodable(data []byte, want string) [][]byte {
	var out [][]byte
	if w, ok := rawJSON(data); ok {
		if b, err := json.Marshal(walk(w, "", r, r.key, r.jsonNumber)); err == nil {
			out = append(out, b)
		}
	}
	if want == econn.ErrorName(econn.ErrTooLarge) {
		out = append(out, []byte(strings.Repeat("x", len(data))))
	}
	return append(out, []byte(`{"redacted": `)) // not JSON
}

// rawJSON parses data as JSON, numbers as written (a long one may be a
// phone number); false when it is none.
func rawJSON(data []byte) (any, bool) {
	var w any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if d.Decode(&w) != nil || d.Decode(new(any)) != io.EOF {
		return nil, false
	}
	return w, true
}

// walk redacts (or, with a collector, collects) a JSON value that is no
// message econn decodes: a string by the name of the member holding it,
// as the codec names them; a "props" object as props; every other
// object's member names through key; numbers through num (a long one is
// personal data). Booleans and null stay.
func walk(v any, name string, r econn.Redactor, key func(string) string, num func(json.Number) json.Number) any {
	switch v := v.(type) {
	case string:
		return walkString(v, name, r)
	case json.Number:
		return num(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = walk(e, name, r, key, num)
		}
		return out
	case map[string]any:
		if name == "props" {
			if p, ok := stringProps(v); ok {
				out := map[string]any{}
				for k, s := range r.Props(p) {
					out[k] = s
				}
				return out
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[key(k)] = walk(e, k, r, key, num)
		}
		return out
	}
	return v
}

func walkString(s, name string, r econn.Redactor) string {
	switch name {
	case "src_userid", "dest_userid", "userid":
		return r.UserID(s)
	case "src_clientid", "dest_clientid", "clientid":
		return r.ClientID(s)
	case "sessid":
		return r.SessID(s)
	case "sdp":
		return r.SDP(s)
	case "username", "credential":
		return r.Credential(s)
	case "secret", "entropy", "data", "key":
		return redacted(s)
	}
	return r.Text(s)
}

func stringProps(m map[string]any) (econn.Props, bool) {
	p := econn.Props{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, false
		}
		p[k] = s
	}
	return p, true
}
