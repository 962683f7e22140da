package econn

import (
	"fmt"
	"time"
)

// One sentence per kind, next to the kind (the model is raft's
// DescribeMessage). Transcripts, exports and the viewer print these.

func (in Start) Describe() string      { return "start a call" + withProps(in.Props) }
func (in Answer) Describe() string     { return "answer" + withProps(in.Props) }
func (in UpdateReq) Describe() string  { return "request an update" + withProps(in.Props) }
func (in UpdateResp) Describe() string { return "answer the update" + withProps(in.Props) }
func (End) Describe() string           { return "end" }
func (in Close) Describe() string      { return "close: " + ReasonName(in.Reason) }

func (DataChanEstablished) Describe() string { return "data channel established" }

func (in SetError) Describe() string { return "set sticky error " + ErrorName(in.Err) }

func (in SendPropsync) Describe() string {
	return "send PROPSYNC " + ReqResp(in.Resp) + withProps(in.Props)
}

func (in SendAlert) Describe() string {
	return fmt.Sprintf("send ALERT level %d: %s", in.Level, in.Descr)
}

func (in SendPing) Describe() string { return "send PING " + ReqResp(in.Resp) }

func (in Recv) Describe() string {
	return "recv " + MsgName(in.Msg) + " from " + in.FromUser + "/" + in.FromClient + sessSuffix(in.Msg)
}

func (in TimerFired) Describe() string { return fmt.Sprintf("timer #%d fired", in.Gen) }

func (in SendFailed) Describe() string {
	return fmt.Sprintf("sending %s %s failed: %s", in.Type, ReqResp(in.Resp), ErrorName(in.Err))
}

func (o StateChanged) Describe() string { return o.From.String() + " → " + o.To.String() }
func (o Send) Describe() string         { return "send " + MsgName(o.Msg) + " via " + o.Via.String() }

func (o SetTimer) Describe() string {
	return fmt.Sprintf("timer %s %s armed (#%d)", o.Action, ShortDuration(o.After), o.Gen)
}

func (o CancelTimer) Describe() string { return fmt.Sprintf("timer #%d cancelled", o.Gen) }

func (o Incoming) Describe() string {
	s := "incoming call from " + o.FromUser + "/" + o.FromClient
	if o.Reset {
		s += " (reset)"
	}
	if o.Age > 0 {
		s += fmt.Sprintf(", %ds old", o.Age)
	}
	return s + withProps(o.Props)
}

func (o Answered) Describe() string {
	if o.Reset {
		return "glare lost: answer the remote offer" + withProps(o.Props)
	}
	return "answered" + withProps(o.Props)
}

func (o UpdateRequested) Describe() string {
	s := "update requested by " + o.FromUser + "/" + o.FromClient
	if o.ShouldReset {
		s += " (reset)"
	}
	return s + withProps(o.Props)
}

func (o UpdateAnswered) Describe() string { return "update answered" + withProps(o.Props) }

func (o AlertReceived) Describe() string {
	return fmt.Sprintf("alert level %d: %s", o.Level, o.Descr)
}

func (o PingReceived) Describe() string { return "PING " + ReqResp(o.Resp) + " received" }

func (o ConfPartReceived) Describe() string {
	n := 0
	if o.Msg != nil {
		n = len(o.Msg.Participants)
	}
	return fmt.Sprintf("CONFPART received (%d participants)", n)
}

func (o Closed) Describe() string { return "closed: " + ReasonName(o.Reason) }

func (o Ignored) Describe() string {
	if o.Type != 0 {
		return "ignored " + o.Type.String() + ": " + o.Sentence()
	}
	return "ignored: " + o.Sentence()
}

// ReqResp returns "request" or "response": how the protocol names the two
// halves of an exchange, for every package that prints one.
func ReqResp(resp bool) string {
	if resp {
		return "response"
	}
	return "request"
}

// ReasonName names a close reason: "normal" for nil, else its stable name.
func ReasonName(err error) string {
	if err == nil {
		return "normal"
	}
	return ErrorName(err)
}

// MsgName names a message by type and half: "SETUP request".
func MsgName(m *Message) string {
	if m == nil {
		return "no message"
	}
	return m.Type.String() + " " + ReqResp(m.Resp)
}

func sessSuffix(m *Message) string {
	if m == nil || m.SessID == "" {
		return ""
	}
	return " sess " + m.SessID
}

// ShortDuration prints a duration compactly: 60s, 5s, 1ms, 1.5s.
func ShortDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	case d < time.Second && d%time.Millisecond == 0:
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
	return d.String()
}

func withProps(p Props) string {
	if len(p) == 0 {
		return ""
	}
	return " " + p.String()
}
