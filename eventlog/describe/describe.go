// Package describe turns recorded events into what a person reads: one
// sentence per event ("recv SETUP request from B/2 sess 4x12",
// "Pending-Outgoing → Answered"), the event's fields as plain data, and the
// messages between endpoints as a ladder (who sent what to whom, which
// receive matches which send). `callreplay show` and `export` and the
// terminal viewer print these.
package describe

import (
	"fmt"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Sentence returns one line describing ev.
func Sentence(ev eventlog.Event) string {
	switch ev.Kind {
	case eventlog.KindNote:
		if ev.Note != nil && ev.Note.Text != "" {
			return ev.Note.Text
		}
		return ev.Type
	case eventlog.KindInput:
		return Input(ev.Input)
	case eventlog.KindOutput:
		return Output(ev.Output)
	}
	return fmt.Sprintf("%s %s", ev.Kind, ev.Type)
}

// Input describes an input: an econn input, a NewConn or a RecvInput.
func Input(in econn.Input) string {
	switch in := in.(type) {
	case eventlog.NewConn:
		return newConn(in)
	case eventlog.RecvInput:
		return recvInput(in)
	case econn.Recv:
		return "recv " + msgName(in.Msg) + " from " + in.FromUser + "/" + in.FromClient + sess(in.Msg)
	case econn.Start:
		return "start a call" + withProps(in.Props)
	case econn.Answer:
		return "answer" + withProps(in.Props)
	case econn.UpdateReq:
		return "request an update" + withProps(in.Props)
	case econn.UpdateResp:
		return "answer the update" + withProps(in.Props)
	case econn.End:
		return "end"
	case econn.Close:
		return "close: " + reason(in.Reason)
	case econn.DataChanEstablished:
		return "data channel established"
	case econn.SetError:
		return "set sticky error " + econn.ErrorName(in.Err)
	case econn.SendPropsync:
		return "send PROPSYNC " + reqResp(in.Resp) + withProps(in.Props)
	case econn.SendAlert:
		return fmt.Sprintf("send ALERT level %d: %s", in.Level, in.Descr)
	case econn.SendPing:
		return "send PING " + reqResp(in.Resp)
	case econn.TimerFired:
		return fmt.Sprintf("timer #%d fired", in.Gen)
	case econn.SendFailed:
		return fmt.Sprintf("sending %s %s failed: %s", in.Type, reqResp(in.Resp), econn.ErrorName(in.Err))
	case nil:
		return "empty input"
	}
	return in.InputName()
}

func newConn(in eventlog.NewConn) string {
	s := "new connection " + in.Config.SessID
	if in.Remote != (eventlog.Endpoint{}) {
		s += " to " + in.Remote.String()
	}
	return s + fmt.Sprintf(" (setup %s, term %s)", dur(in.Config.SetupTimeout), dur(in.Config.TermTimeout))
}

func recvInput(in eventlog.RecvInput) string {
	from := in.FromUser + "/" + in.FromClient
	if in.DecodeErr != "" {
		return fmt.Sprintf("recv %d bytes from %s that do not decode: %s", len(in.Data), from, in.DecodeErr)
	}
	m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime)
	if err != nil {
		return fmt.Sprintf("recv %d bytes from %s that no longer decode: %s", len(in.Data), from, econn.ErrorName(err))
	}
	s := "recv " + msgName(m) + " from " + from + sess(m)
	if in.Via == econn.TransportDirect {
		s += " via direct"
	}
	return s
}

// Output describes an econn output.
func Output(o econn.Output) string {
	switch o := o.(type) {
	case econn.StateChanged:
		return o.From.String() + " → " + o.To.String()
	case econn.Send:
		return "send " + msgName(o.Msg) + " via " + o.Via.String()
	case econn.SetTimer:
		return fmt.Sprintf("timer %s %s armed (#%d)", o.Action, dur(o.After), o.Gen)
	case econn.CancelTimer:
		return fmt.Sprintf("timer #%d cancelled", o.Gen)
	case econn.Incoming:
		s := "incoming call from " + o.FromUser + "/" + o.FromClient
		if o.Reset {
			s += " (reset)"
		}
		if o.Age > 0 {
			s += fmt.Sprintf(", %ds old", o.Age)
		}
		return s + withProps(o.Props)
	case econn.Answered:
		if o.Reset {
			return "glare lost: answer the remote offer" + withProps(o.Props)
		}
		return "answered" + withProps(o.Props)
	case econn.UpdateRequested:
		s := "update requested by " + o.FromUser + "/" + o.FromClient
		if o.ShouldReset {
			s += " (reset)"
		}
		return s + withProps(o.Props)
	case econn.UpdateAnswered:
		return "update answered" + withProps(o.Props)
	case econn.AlertReceived:
		return fmt.Sprintf("alert level %d: %s", o.Level, o.Descr)
	case econn.PingReceived:
		return "PING " + reqResp(o.Resp) + " received"
	case econn.ConfPartReceived:
		n := 0
		if o.Msg != nil {
			n = len(o.Msg.Participants)
		}
		return fmt.Sprintf("CONFPART received (%d participants)", n)
	case econn.Closed:
		return "closed: " + reason(o.Reason)
	case econn.Ignored:
		if o.Type != 0 {
			return "ignored " + o.Type.String() + ": " + o.Reason
		}
		return "ignored: " + o.Reason
	case nil:
		return "empty output"
	}
	return o.OutputName()
}

func msgName(m *econn.Message) string {
	if m == nil {
		return "no message"
	}
	return m.Type.String() + " " + reqResp(m.Resp)
}

func sess(m *econn.Message) string {
	if m == nil || m.SessID == "" {
		return ""
	}
	return " sess " + m.SessID
}

func reqResp(resp bool) string {
	if resp {
		return "response"
	}
	return "request"
}

func reason(err error) string {
	if err == nil {
		return "normal"
	}
	return econn.ErrorName(err)
}

// dur prints a duration compactly: 60s, 5s, 1ms, 1.5s.
func dur(d time.Duration) string {
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

func withProps(p econn.Props) string {
	if len(p) == 0 {
		return ""
	}
	return " " + p.String()
}
