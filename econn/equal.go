package econn

import "maps"

// Equality by meaning, next to each kind: errors compare by stable name,
// nil props equal empty props, messages field by field. That is what
// survives a round trip through a log, so replay compares with these.

func (in Start) Equal(o Input) bool {
	b, ok := o.(Start)
	return ok && in.SDP == b.SDP && maps.Equal(in.Props, b.Props)
}

func (in Answer) Equal(o Input) bool {
	b, ok := o.(Answer)
	return ok && in.SDP == b.SDP && maps.Equal(in.Props, b.Props)
}

func (in UpdateReq) Equal(o Input) bool {
	b, ok := o.(UpdateReq)
	return ok && in.SDP == b.SDP && maps.Equal(in.Props, b.Props)
}

func (in UpdateResp) Equal(o Input) bool {
	b, ok := o.(UpdateResp)
	return ok && in.SDP == b.SDP && maps.Equal(in.Props, b.Props)
}

func (End) Equal(o Input) bool { _, ok := o.(End); return ok }

func (in Close) Equal(o Input) bool {
	b, ok := o.(Close)
	return ok && in.MsgTime == b.MsgTime && SameError(in.Reason, b.Reason)
}

func (DataChanEstablished) Equal(o Input) bool { _, ok := o.(DataChanEstablished); return ok }

func (in SetError) Equal(o Input) bool {
	b, ok := o.(SetError)
	return ok && SameError(in.Err, b.Err)
}

func (in SendPropsync) Equal(o Input) bool {
	b, ok := o.(SendPropsync)
	return ok && in.Resp == b.Resp && maps.Equal(in.Props, b.Props)
}

func (in SendAlert) Equal(o Input) bool { b, ok := o.(SendAlert); return ok && in == b }
func (in SendPing) Equal(o Input) bool  { b, ok := o.(SendPing); return ok && in == b }

func (in Recv) Equal(o Input) bool {
	b, ok := o.(Recv)
	return ok && in.FromUser == b.FromUser && in.FromClient == b.FromClient && in.Msg.Equal(b.Msg)
}

func (in TimerFired) Equal(o Input) bool { b, ok := o.(TimerFired); return ok && in == b }

func (in SendFailed) Equal(o Input) bool {
	b, ok := o.(SendFailed)
	return ok && in.Type == b.Type && in.Resp == b.Resp && SameError(in.Err, b.Err)
}

func (o StateChanged) Equal(x Output) bool { b, ok := x.(StateChanged); return ok && o == b }

func (o Send) Equal(x Output) bool {
	b, ok := x.(Send)
	return ok && o.Via == b.Via && o.Msg.Equal(b.Msg)
}

func (o SetTimer) Equal(x Output) bool    { b, ok := x.(SetTimer); return ok && o == b }
func (o CancelTimer) Equal(x Output) bool { b, ok := x.(CancelTimer); return ok && o == b }

func (o Incoming) Equal(x Output) bool {
	b, ok := x.(Incoming)
	return ok && o.MsgTime == b.MsgTime && o.FromUser == b.FromUser && o.FromClient == b.FromClient &&
		o.Age == b.Age && o.SDP == b.SDP && o.Reset == b.Reset && maps.Equal(o.Props, b.Props)
}

func (o Answered) Equal(x Output) bool {
	b, ok := x.(Answered)
	return ok && o.Reset == b.Reset && o.SDP == b.SDP && maps.Equal(o.Props, b.Props)
}

func (o UpdateRequested) Equal(x Output) bool {
	b, ok := x.(UpdateRequested)
	return ok && o.FromUser == b.FromUser && o.FromClient == b.FromClient &&
		o.SDP == b.SDP && o.ShouldReset == b.ShouldReset && maps.Equal(o.Props, b.Props)
}

func (o UpdateAnswered) Equal(x Output) bool {
	b, ok := x.(UpdateAnswered)
	return ok && o.SDP == b.SDP && maps.Equal(o.Props, b.Props)
}

func (o AlertReceived) Equal(x Output) bool { b, ok := x.(AlertReceived); return ok && o == b }
func (o PingReceived) Equal(x Output) bool  { b, ok := x.(PingReceived); return ok && o == b }

func (o ConfPartReceived) Equal(x Output) bool {
	b, ok := x.(ConfPartReceived)
	return ok && o.Msg.Equal(b.Msg)
}

func (o Closed) Equal(x Output) bool {
	b, ok := x.(Closed)
	return ok && o.MsgTime == b.MsgTime && SameError(o.Reason, b.Reason)
}

// Equal compares the reason code and its arguments, never the sentence.
func (o Ignored) Equal(x Output) bool { b, ok := x.(Ignored); return ok && o == b }

// EqualInputs reports whether a and b are the same input by meaning; two
// nils are equal.
func EqualInputs(a, b Input) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(b)
}

// EqualOutputs reports whether a and b are the same output by meaning; two
// nils are equal.
func EqualOutputs(a, b Output) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(b)
}
