package econn

// The closed sets of inputs and outputs. isInput and isOutput seal the
// interfaces: no other package can add a kind that Step would reject only
// at run time.

func (Start) isInput()               {}
func (Answer) isInput()              {}
func (UpdateReq) isInput()           {}
func (UpdateResp) isInput()          {}
func (End) isInput()                 {}
func (Close) isInput()               {}
func (DataChanEstablished) isInput() {}
func (SetError) isInput()            {}
func (SendPropsync) isInput()        {}
func (SendAlert) isInput()           {}
func (SendPing) isInput()            {}
func (Recv) isInput()                {}
func (TimerFired) isInput()          {}
func (SendFailed) isInput()          {}

func (StateChanged) isOutput()     {}
func (Send) isOutput()             {}
func (SetTimer) isOutput()         {}
func (CancelTimer) isOutput()      {}
func (Incoming) isOutput()         {}
func (Answered) isOutput()         {}
func (UpdateRequested) isOutput()  {}
func (UpdateAnswered) isOutput()   {}
func (AlertReceived) isOutput()    {}
func (PingReceived) isOutput()     {}
func (ConfPartReceived) isOutput() {}
func (Closed) isOutput()           {}
func (Ignored) isOutput()          {}

// InputKinds returns the zero value of every input kind, in a fixed
// order. A new kind is added here and gets Describe, Equal and Redact (the
// interface demands them; TestKinds checks they cover every field).
func InputKinds() []Input {
	return []Input{
		Start{}, Answer{}, UpdateReq{}, UpdateResp{}, End{}, Close{},
		DataChanEstablished{}, SetError{}, SendPropsync{}, SendAlert{},
		SendPing{}, Recv{}, TimerFired{}, SendFailed{},
	}
}

// OutputKinds returns the zero value of every output kind, in a fixed order.
func OutputKinds() []Output {
	return []Output{
		StateChanged{}, Send{}, SetTimer{}, CancelTimer{}, Incoming{},
		Answered{}, UpdateRequested{}, UpdateAnswered{}, AlertReceived{},
		PingReceived{}, ConfPartReceived{}, Closed{}, Ignored{},
	}
}
