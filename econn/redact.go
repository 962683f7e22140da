package econn

import "strings"

// A Redactor rewrites personal data. Every kind's Redact passes each field
// that can name a person or a device, or carry their secrets, through
// exactly one of these methods, so a redaction that implements them covers
// every kind by construction (a test checks every string, byte and props
// field of every kind).
type Redactor interface {
	UserID(id string) string
	ClientID(id string) string
	SessID(id string) string
	SDP(sdp string) string
	Props(p Props) Props
	// Text is free text: alert descriptions, URLs, tool names, error
	// texts and anything else a person may have typed.
	Text(s string) string
	// Credential is a user name or password (ICE servers, device pairing).
	Credential(s string) string
	// Secret is key material: conference secrets, entropy, media keys.
	Secret(b []byte) []byte
}

func (in Start) Redact(r Redactor) Input { return Start{SDP: r.SDP(in.SDP), Props: r.Props(in.Props)} }

func (in Answer) Redact(r Redactor) Input {
	return Answer{SDP: r.SDP(in.SDP), Props: r.Props(in.Props)}
}

func (in UpdateReq) Redact(r Redactor) Input {
	return UpdateReq{SDP: r.SDP(in.SDP), Props: r.Props(in.Props)}
}

func (in UpdateResp) Redact(r Redactor) Input {
	return UpdateResp{SDP: r.SDP(in.SDP), Props: r.Props(in.Props)}
}

func (in End) Redact(Redactor) Input { return in }

func (in Close) Redact(r Redactor) Input {
	return Close{Reason: RedactError(in.Reason, r), MsgTime: in.MsgTime}
}

func (in DataChanEstablished) Redact(Redactor) Input { return in }

func (in SetError) Redact(r Redactor) Input { return SetError{Err: RedactError(in.Err, r)} }

func (in SendPropsync) Redact(r Redactor) Input {
	return SendPropsync{Resp: in.Resp, Props: r.Props(in.Props)}
}

func (in SendAlert) Redact(r Redactor) Input {
	return SendAlert{Level: in.Level, Descr: r.Text(in.Descr)}
}

func (in SendPing) Redact(Redactor) Input { return in }

func (in Recv) Redact(r Redactor) Input {
	return Recv{FromUser: r.UserID(in.FromUser), FromClient: r.ClientID(in.FromClient), Msg: in.Msg.Redact(r)}
}

func (in TimerFired) Redact(Redactor) Input { return in }

func (in SendFailed) Redact(r Redactor) Input {
	return SendFailed{Type: in.Type, Resp: in.Resp, Err: RedactError(in.Err, r)}
}

func (o StateChanged) Redact(Redactor) Output { return o }
func (o Send) Redact(r Redactor) Output       { return Send{Msg: o.Msg.Redact(r), Via: o.Via} }
func (o SetTimer) Redact(Redactor) Output     { return o }
func (o CancelTimer) Redact(Redactor) Output  { return o }

func (o Incoming) Redact(r Redactor) Output {
	o.FromUser, o.FromClient = r.UserID(o.FromUser), r.ClientID(o.FromClient)
	o.SDP, o.Props = r.SDP(o.SDP), r.Props(o.Props)
	return o
}

func (o Answered) Redact(r Redactor) Output {
	o.SDP, o.Props = r.SDP(o.SDP), r.Props(o.Props)
	return o
}

func (o UpdateRequested) Redact(r Redactor) Output {
	o.FromUser, o.FromClient = r.UserID(o.FromUser), r.ClientID(o.FromClient)
	o.SDP, o.Props = r.SDP(o.SDP), r.Props(o.Props)
	return o
}

func (o UpdateAnswered) Redact(r Redactor) Output {
	o.SDP, o.Props = r.SDP(o.SDP), r.Props(o.Props)
	return o
}

func (o AlertReceived) Redact(r Redactor) Output {
	o.Descr = r.Text(o.Descr)
	return o
}

func (o PingReceived) Redact(Redactor) Output { return o }

func (o ConfPartReceived) Redact(r Redactor) Output { return ConfPartReceived{Msg: o.Msg.Redact(r)} }

func (o Closed) Redact(r Redactor) Output {
	return Closed{Reason: RedactError(o.Reason, r), MsgTime: o.MsgTime}
}

func (o Ignored) Redact(r Redactor) Output {
	a := &o.Args
	a.Err = redactErrorName(a.Err, r)
	a.User, a.RemoteUser, a.LocalUser = r.UserID(a.User), r.UserID(a.RemoteUser), r.UserID(a.LocalUser)
	a.Client, a.RemoteClient, a.LocalClient = r.ClientID(a.Client), r.ClientID(a.RemoteClient), r.ClientID(a.LocalClient)
	a.Sess, a.RemoteSess = r.SessID(a.Sess), r.SessID(a.RemoteSess)
	a.Text = r.Text(a.Text)
	return o
}

// Redact returns a copy of m whose personal data went through r; nil
// stays nil.
func (m *Message) Redact(r Redactor) *Message {
	if m == nil {
		return nil
	}
	c := *m
	c.SessID = r.SessID(m.SessID)
	c.SrcUser, c.SrcClient = r.UserID(m.SrcUser), r.ClientID(m.SrcClient)
	c.DestUser, c.DestClient = r.UserID(m.DestUser), r.ClientID(m.DestClient)
	c.SDP, c.Props = r.SDP(m.SDP), r.Props(m.Props)
	c.URL, c.Descr, c.SFTURL = r.Text(m.URL), r.Text(m.Descr), r.Text(m.SFTURL)
	c.Tool, c.ToolVer = r.Text(m.Tool), r.Text(m.ToolVer)
	c.Secret, c.Entropy = r.Secret(m.Secret), r.Secret(m.Entropy)
	c.Username = r.Credential(m.Username)
	if m.ICEServers != nil {
		c.ICEServers = make([]ICEServer, len(m.ICEServers))
		for i, s := range m.ICEServers {
			urls := make([]string, len(s.URLs))
			for j, u := range s.URLs {
				urls[j] = r.Text(u)
			}
			if s.URLs == nil {
				urls = nil
			}
			c.ICEServers[i] = ICEServer{URLs: urls, Username: r.Credential(s.Username), Credential: r.Credential(s.Credential)}
		}
	}
	if m.Participants != nil {
		c.Participants = make([]ConfParticipant, len(m.Participants))
		for i, p := range m.Participants {
			p.UserID, p.ClientID = r.UserID(p.UserID), r.ClientID(p.ClientID)
			c.Participants[i] = p
		}
	}
	if m.Keys != nil {
		c.Keys = make([]ConfKey, len(m.Keys))
		for i, k := range m.Keys {
			c.Keys[i] = ConfKey{Idx: k.Idx, Data: r.Secret(k.Data)}
		}
	}
	return &c
}

// RedactError keeps a sentinel error (its name says nothing personal) and
// passes any other error's text through r.Text.
func RedactError(err error, r Redactor) error {
	if err == nil {
		return nil
	}
	return ErrorFromName(redactErrorName(ErrorName(err), r))
}

// redactErrorName keeps a sentinel's name and the "error:" prefix of any
// other; the rest is text that may name anyone.
func redactErrorName(name string, r Redactor) string {
	if name == "" {
		return ""
	}
	for _, e := range namedErrors {
		if e.name == name {
			return name
		}
	}
	if text, ok := strings.CutPrefix(name, "error:"); ok {
		return "error:" + r.Text(text)
	}
	return r.Text(name)
}

// RedactInput redacts in; nil stays nil.
func RedactInput(in Input, r Redactor) Input {
	if in == nil {
		return nil
	}
	return in.Redact(r)
}

// RedactOutput redacts o; nil stays nil.
func RedactOutput(o Output, r Redactor) Output {
	if o == nil {
		return nil
	}
	return o.Redact(r)
}

// collector is a Redactor that changes nothing and keeps every value it
// is shown: the personal data of a kind, found by the kind's own Redact.
type collector struct{ texts []string }

func (c *collector) add(s string) string {
	if s != "" {
		c.texts = append(c.texts, s)
	}
	return s
}

func (c *collector) UserID(s string) string     { return c.add(s) }
func (c *collector) ClientID(s string) string   { return c.add(s) }
func (c *collector) SessID(s string) string     { return c.add(s) }
func (c *collector) SDP(s string) string        { return c.add(s) }
func (c *collector) Text(s string) string       { return c.add(s) }
func (c *collector) Credential(s string) string { return c.add(s) }
func (c *collector) Secret(b []byte) []byte     { return b }
func (c *collector) Props(p Props) Props {
	if len(p) > 0 {
		c.add(p.String())
	}
	return p
}

// InputData returns the personal data in, every id, session id, SDP, props
// (as Props.String) and free text it carries, in field order: what a
// search or a redaction check looks at. Key material is left out.
func InputData(in Input) []string {
	if in == nil {
		return nil
	}
	var c collector
	in.Redact(&c)
	return c.texts
}

// OutputData is InputData for an output.
func OutputData(o Output) []string {
	if o == nil {
		return nil
	}
	var c collector
	o.Redact(&c)
	return c.texts
}

// CommandProps returns the local props a command carries (Start, Answer,
// UpdateReq, UpdateResp, SendPropsync); false for any other input.
func CommandProps(in Input) (Props, bool) {
	switch in := in.(type) {
	case Start:
		return in.Props, true
	case Answer:
		return in.Props, true
	case UpdateReq:
		return in.Props, true
	case UpdateResp:
		return in.Props, true
	case SendPropsync:
		return in.Props, true
	}
	return nil, false
}

// RemoteProps returns the remote side's props an output passes on
// (Incoming, Answered, UpdateRequested, UpdateAnswered); false for any
// other output.
func RemoteProps(o Output) (Props, bool) {
	switch o := o.(type) {
	case Incoming:
		return o.Props, true
	case Answered:
		return o.Props, true
	case UpdateRequested:
		return o.Props, true
	case UpdateAnswered:
		return o.Props, true
	}
	return nil, false
}
