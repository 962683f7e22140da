package econn_test

import (
	"fmt"

	"github.com/callrec/callrec/econn"
)

// endpoint is one side of the example call: a Conn and the other side's
// address. A real caller also arms timers; this call ends before any
// expires.
type endpoint struct {
	name, user, client string
	conn               *econn.Conn
	other              *endpoint
}

// step feeds one input, prints what the application would see, then
// delivers the messages the Conn sent to the other side, encoded and
// decoded as on the wire.
func (e *endpoint) step(in econn.Input) {
	outs, err := e.conn.Step(in)
	if err != nil {
		fmt.Printf("%s: %s refused: %v\n", e.name, in.InputName(), err)
		return
	}
	// The slice is reused by the next Step, and delivering steps the
	// other side, which may step this one again: keep the messages aside.
	var sent []*econn.Message
	for _, o := range outs {
		switch o := o.(type) {
		case econn.StateChanged:
			fmt.Printf("%s: %s -> %s\n", e.name, o.From, o.To)
		case econn.Incoming:
			fmt.Printf("%s: incoming call from %s/%s\n", e.name, o.FromUser, o.FromClient)
		case econn.Answered:
			fmt.Printf("%s: answered with %q\n", e.name, o.SDP)
		case econn.Closed:
			fmt.Printf("%s: closed, reason %q\n", e.name, econn.ErrorName(o.Reason))
		case econn.Send:
			sent = append(sent, o.Msg)
		}
	}
	for _, m := range sent {
		e.deliver(m)
	}
}

func (e *endpoint) deliver(m *econn.Message) {
	data, err := m.Encode()
	if err != nil {
		fmt.Println("encode:", err)
		return
	}
	got, err := econn.Decode(data, 100, 100)
	if err != nil {
		fmt.Println("decode:", err)
		return
	}
	e.other.step(econn.Recv{FromUser: e.user, FromClient: e.client, Msg: got})
}

// Alice calls Bob, Bob answers, the data channel opens, Alice hangs up.
func Example() {
	newEndpoint := func(name, user, client, sess string) *endpoint {
		c, _, err := econn.New(econn.Config{UserID: user, ClientID: client, SessID: sess})
		if err != nil {
			panic(err)
		}
		return &endpoint{name: name, user: user, client: client, conn: c}
	}
	alice := newEndpoint("alice", "a11ce", "phone", "s-alice")
	bob := newEndpoint("bob", "b0b", "laptop", "s-bob")
	alice.other, bob.other = bob, alice

	alice.step(econn.Start{SDP: "alice's offer"})
	bob.step(econn.Answer{SDP: "bob's answer"})
	alice.step(econn.DataChanEstablished{})
	bob.step(econn.DataChanEstablished{})
	alice.step(econn.End{})

	fmt.Println("alice:", alice.conn.Snapshot())
	// Output:
	// alice: Idle -> Pending-Outgoing
	// bob: Idle -> Pending-Incoming
	// bob: incoming call from a11ce/phone
	// bob: Pending-Incoming -> Answered
	// alice: Pending-Outgoing -> Answered
	// alice: answered with "bob's answer"
	// alice: Answered -> DatachanEstablished
	// bob: Answered -> DatachanEstablished
	// alice: DatachanEstablished -> HangupSent
	// bob: DatachanEstablished -> HangupRecv
	// bob: HangupRecv -> Terminating
	// bob: closed, reason ""
	// alice: HangupSent -> HangupRecv
	// alice: HangupRecv -> Terminating
	// alice: closed, reason ""
	// alice: Terminating dir=Outgoing local=s-alice remote=b0b/laptop/s-bob conflict=none setupErr="" err="" timer=off closed=true
}
