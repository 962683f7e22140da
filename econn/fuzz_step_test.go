package econn

import (
	"errors"
	"fmt"
	"testing"
)

// FuzzStep drives one Conn with an input sequence read from the fuzz bytes
// and checks, after every Step, what must hold whatever the inputs:
//
//   - no panic; the state and direction are valid;
//   - StateChanged outputs chain from the previous state to the Snapshot's;
//   - at most one Closed over the run, given exactly when Snapshot.Closed
//     turns true;
//   - SetTimer/CancelTimer agree with Snapshot().Timer: generations grow,
//     a CancelTimer names the armed generation, the armed timer is the last
//     SetTimer's unless it was cancelled or fired;
//   - a refused command returns ErrProto or ErrInvalid, has no outputs and
//     changes nothing; other inputs are never refused;
//   - an input whose only output is Ignored leaves state, timer, errors and
//     the close flag alone;
//   - every Send carries the local session id and the type's transport.
//
// Seeds live in testdata/fuzz/FuzzStep; run longer with
// go test ./econn -run '^$' -fuzz FuzzStep.
func FuzzStep(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fz := &fuzzRun{t: t, data: data}
		fz.run()
	})
}

// fuzzRun is one fuzzed input sequence and the model it is checked against.
type fuzzRun struct {
	t    *testing.T
	data []byte
	c    *Conn

	timerArmed bool
	timerGen   uint64
	timerLast  SetTimer
	maxGen     uint64
	closes     int
	trace      []string // the inputs so far, for failure messages
}

// next returns the next fuzz byte, 0 once the data is used up.
func (fz *fuzzRun) next() byte {
	if len(fz.data) == 0 {
		return 0
	}
	b := fz.data[0]
	fz.data = fz.data[1:]
	return b
}

var (
	fuzzSenders = [][2]string{{"A", "1"}, {"a", "1"}, {"A", "2"}, {"C", "1"}, {"B", "2"}, {"", ""}}
	fuzzSess    = []string{"sA", "SA", "sC", "sX", ""}
	fuzzErrs    = []error{nil, ErrIO, ErrCanceled, ErrTimedOut, ErrDataChannel, errors.New("transport down")}
	fuzzAfter   = []string{"offer", "answer", ""}
)

func (fz *fuzzRun) run() {
	c, outs, err := New(Config{UserID: "B", ClientID: "1", SessID: "sB"})
	if err != nil {
		fz.t.Fatal(err)
	}
	fz.c = c
	fz.check(nil, Snapshot{}, outs, nil)
	for steps := 0; len(fz.data) > 0 && steps < 500; steps++ {
		in := fz.input()
		before := c.Snapshot()
		outs, err := c.Step(in)
		fz.trace = append(fz.trace, fmt.Sprintf("%#v", in))
		fz.check(in, before, outs, err)
	}
}

// input decodes one input from the fuzz bytes.
func (fz *fuzzRun) input() Input {
	op := fz.next()
	b := fz.next()
	sdp := fuzzAfter[int(b)%len(fuzzAfter)]
	var props Props
	if b&0x10 != 0 {
		props = Props{"videosend": sdp}
	}
	switch op % 16 {
	case 0:
		return Start{SDP: sdp, Props: props}
	case 1:
		return Answer{SDP: sdp, Props: props}
	case 2:
		return UpdateReq{SDP: sdp, Props: props}
	case 3:
		return UpdateResp{SDP: sdp, Props: props}
	case 4:
		return End{}
	case 5:
		return Close{Reason: fuzzErrs[int(b)%len(fuzzErrs)], MsgTime: uint32(b)}
	case 6:
		return DataChanEstablished{}
	case 7:
		return SetError{Err: fuzzErrs[int(b)%len(fuzzErrs)]}
	case 8:
		return SendPropsync{Resp: b&1 != 0, Props: props}
	case 9:
		return SendAlert{Level: uint32(b), Descr: sdp}
	case 10:
		return SendPing{Resp: b&1 != 0}
	case 11, 12:
		return fz.recv(b)
	case 13:
		return TimerFired{Gen: fz.c.Snapshot().Timer.Gen}
	case 14:
		// A stale or made-up generation: an earlier one, or any.
		return TimerFired{Gen: fz.maxGen - uint64(b%4)}
	default:
		return SendFailed{Type: msgTypes[int(b)%len(msgTypes)], Resp: b&0x80 != 0,
			Err: fuzzErrs[1+int(fz.next())%(len(fuzzErrs)-1)]}
	}
}

// recv builds a received message of any type from one of a few senders
// and sessions; now and then none at all.
func (fz *fuzzRun) recv(b byte) Input {
	who := fuzzSenders[int(b&0x7f)%len(fuzzSenders)]
	k := fz.next()
	if k == 0xff {
		return Recv{FromUser: who[0], FromClient: who[1]}
	}
	m := &Message{
		Type:   msgTypes[int(k)%len(msgTypes)],
		SessID: fuzzSess[int(fz.next())%len(fuzzSess)],
		Resp:   b&0x80 != 0,
		SDP:    fuzzAfter[int(k)%len(fuzzAfter)],
		Time:   uint32(k), Age: uint32(b),
	}
	if k&1 != 0 {
		m.Props = Props{"muted": "true"}
	}
	return Recv{FromUser: who[0], FromClient: who[1], Msg: m}
}

func (fz *fuzzRun) fail(format string, args ...any) {
	fz.t.Helper()
	fz.t.Fatalf("after %d inputs %v:\n%s", len(fz.trace), fz.trace, fmt.Sprintf(format, args...))
}

// check verifies the invariants for one Step (in nil: New).
func (fz *fuzzRun) check(in Input, before Snapshot, outs []Output, err error) {
	fz.t.Helper()
	after := fz.c.Snapshot()
	if !after.State.Valid() || after.Dir > DirIncoming {
		fz.fail("invalid state %s or direction %s", after.State, after.Dir)
	}
	if err != nil {
		fz.checkRefused(in, before, after, outs, err)
		return
	}
	// A timer that fired is no longer armed, whatever the outputs say.
	if tf, ok := in.(TimerFired); ok && fz.timerArmed && tf.Gen == fz.timerGen {
		fz.timerArmed = false
	}
	state := before.State
	closedNow := false
	for _, o := range outs {
		switch o := o.(type) {
		case StateChanged:
			if in != nil && (o.From != state || o.From == o.To || !o.To.Valid()) {
				fz.fail("StateChanged %s->%s while in %s", o.From, o.To, state)
			}
			state = o.To
		case SetTimer:
			if o.Gen <= fz.maxGen {
				fz.fail("SetTimer generation %d not above %d", o.Gen, fz.maxGen)
			}
			fz.maxGen, fz.timerGen, fz.timerArmed, fz.timerLast = o.Gen, o.Gen, true, o
		case CancelTimer:
			if !fz.timerArmed || o.Gen != fz.timerGen {
				fz.fail("CancelTimer(#%d) but armed=%t #%d", o.Gen, fz.timerArmed, fz.timerGen)
			}
			fz.timerArmed = false
		case Closed:
			fz.closes++
			closedNow = true
		case Send:
			if o.Msg == nil || o.Msg.SessID != fz.c.Config().SessID {
				fz.fail("Send without the local session: %+v", o.Msg)
			}
			if via, _ := TransportFor(o.Msg.Type); via != o.Via {
				fz.fail("%s sent via %s", o.Msg.Type, o.Via)
			}
		}
	}
	if in != nil && state != after.State {
		fz.fail("StateChanged outputs end in %s, Snapshot says %s", state, after.State)
	}
	if fz.closes > 1 {
		fz.fail("Closed given %d times", fz.closes)
	}
	if closedNow != (after.Closed && !before.Closed) {
		fz.fail("Closed output %t, but Snapshot.Closed went %t->%t", closedNow, before.Closed, after.Closed)
	}
	fz.checkTimer(after)
	if len(outs) == 1 {
		if _, ok := outs[0].(Ignored); ok {
			fz.checkUnchanged(before, after)
		}
	}
}

func (fz *fuzzRun) checkRefused(in Input, before, after Snapshot, outs []Output, err error) {
	fz.t.Helper()
	switch in.(type) {
	case Start, Answer, UpdateReq, UpdateResp, SendPropsync:
	default:
		fz.fail("%s refused: %v", in.InputName(), err)
	}
	if !errors.Is(err, ErrProto) && !errors.Is(err, ErrInvalid) {
		fz.fail("refusal %v is neither ErrProto nor ErrInvalid", err)
	}
	if len(outs) != 0 {
		fz.fail("refused %s returned outputs %q", in.InputName(), fmtOuts(outs))
	}
	if !after.Equal(before) {
		fz.fail("refused %s changed the connection:\n %s\n %s", in.InputName(), before, after)
	}
}

func (fz *fuzzRun) checkTimer(after Snapshot) {
	fz.t.Helper()
	tm := after.Timer
	if tm.Armed != fz.timerArmed {
		fz.fail("Snapshot timer armed=%t, outputs say %t", tm.Armed, fz.timerArmed)
	}
	if !tm.Armed {
		return
	}
	want := fz.timerLast
	if tm.Gen != want.Gen || tm.Action != want.Action || tm.After != want.After {
		fz.fail("Snapshot timer %+v, last SetTimer %+v", tm, want)
	}
}

func (fz *fuzzRun) checkUnchanged(before, after Snapshot) {
	fz.t.Helper()
	if after.State != before.State || after.Timer != before.Timer || after.Closed != before.Closed ||
		!SameError(after.Err, before.Err) || !SameError(after.SetupErr, before.SetupErr) {
		fz.fail("an ignored input changed the connection:\n %s\n %s", before, after)
	}
}
