package econn

import (
	"fmt"
	"sort"
	"strings"
)

// fmtOut renders one output on one line, so that tests compare outputs
// exactly, in order, as strings.
func fmtOut(o Output) string {
	switch o := o.(type) {
	case StateChanged:
		return fmt.Sprintf("StateChanged(%s->%s)", o.From, o.To)
	case Send:
		s := fmt.Sprintf("Send(%s %s, %s", o.Msg.Type, ReqResp(o.Msg.Resp), o.Via)
		if o.Msg.SDP != "" {
			s += ", sdp=" + o.Msg.SDP
		}
		if o.Msg.Props != nil {
			s += ", props=" + fmtProps(o.Msg.Props)
		}
		if o.Msg.Type == MsgAlert {
			s += fmt.Sprintf(", level=%d, descr=%s, transient=%t", o.Msg.Level, o.Msg.Descr, o.Msg.Transient)
		}
		if o.Msg.SrcUser != "" || o.Msg.SrcClient != "" {
			s += ", src=" + o.Msg.SrcUser + "/" + o.Msg.SrcClient
		}
		return s + ")"
	case SetTimer:
		return fmt.Sprintf("SetTimer(%s, %s, #%d)", o.Action, o.After, o.Gen)
	case CancelTimer:
		return fmt.Sprintf("CancelTimer(#%d)", o.Gen)
	case Incoming:
		return fmt.Sprintf("Incoming(%s/%s, t=%d, age=%d, sdp=%s, props=%s, reset=%t)",
			o.FromUser, o.FromClient, o.MsgTime, o.Age, o.SDP, fmtProps(o.Props), o.Reset)
	case Answered:
		return fmt.Sprintf("Answered(reset=%t, sdp=%s, props=%s)", o.Reset, o.SDP, fmtProps(o.Props))
	case UpdateRequested:
		return fmt.Sprintf("UpdateRequested(%s/%s, sdp=%s, props=%s, reset=%t)",
			o.FromUser, o.FromClient, o.SDP, fmtProps(o.Props), o.ShouldReset)
	case UpdateAnswered:
		return fmt.Sprintf("UpdateAnswered(sdp=%s, props=%s)", o.SDP, fmtProps(o.Props))
	case AlertReceived:
		return fmt.Sprintf("AlertReceived(%d, %s)", o.Level, o.Descr)
	case PingReceived:
		return fmt.Sprintf("PingReceived(resp=%t)", o.Resp)
	case ConfPartReceived:
		return fmt.Sprintf("ConfPartReceived(%s)", o.Msg.Type)
	case Closed:
		return fmt.Sprintf("Closed(%q, t=%d)", ErrorName(o.Reason), o.MsgTime)
	case Ignored:
		if o.Type == 0 {
			return "Ignored(" + o.Sentence() + ")"
		}
		return fmt.Sprintf("Ignored(%s: %s)", o.Type, o.Sentence())
	}
	return fmt.Sprintf("unknown output %T", o)
}

func fmtOuts(outs []Output) []string {
	s := make([]string, len(outs))
	for i, o := range outs {
		s[i] = fmtOut(o)
	}
	return s
}

func fmtProps(p Props) string {
	if p == nil {
		return "nil"
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + p[k]
	}
	return "{" + strings.Join(parts, ",") + "}"
}
