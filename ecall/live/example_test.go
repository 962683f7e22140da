package live_test

import (
	"context"
	"fmt"
	"time"

	"github.com/callrec/callrec/ecall/backend/relay"
	"github.com/callrec/callrec/ecall/live"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// A call between two devices in one process: a relay on a loopback port,
// A/1 calls, B/1 answers, the data channel opens, A/1 hangs up.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rl, err := live.StartRelay(relay.ServerOptions{})
	if err != nil {
		panic(err)
	}
	defer rl.Close()
	device := func(user, client string) *live.Device {
		d, err := live.NewDevice(ctx, live.DeviceConfig{
			Self:     eventlog.Endpoint{User: user, Client: client},
			RelayURL: rl.URL(), Conv: "example",
		})
		if err != nil {
			panic(err)
		}
		return d
	}
	a, b := device("A", "1"), device("B", "1")
	defer a.Close()
	defer b.Close()
	has := func(s econn.State) func([]live.CallInfo) bool {
		return func(c []live.CallInfo) bool { return len(c) == 1 && c[0].State == s }
	}
	closed := func(c []live.CallInfo) bool { return len(c) == 1 && c[0].Closed == 1 }

	if err := a.WaitMembers(ctx, 2); err != nil {
		panic(err)
	}
	if err := a.Start(); err != nil {
		panic(err)
	}
	if err := b.Wait(ctx, has(econn.StatePendingIncoming)); err != nil {
		panic(err)
	}
	if err := b.Answer(); err != nil {
		panic(err)
	}
	for _, d := range []*live.Device{a, b} {
		if err := d.Wait(ctx, has(econn.StateDataChanEstablished)); err != nil {
			panic(err)
		}
	}
	fmt.Println("A/1 talks to", a.Calls()[0].Remote)
	if err := a.End(); err != nil {
		panic(err)
	}
	for _, d := range []*live.Device{a, b} {
		if err := d.Wait(ctx, closed); err != nil {
			panic(err)
		}
		c := d.Calls()[0]
		fmt.Println(d.Self(), c.Dir, c.State, "closed:", c.Reason == nil)
	}
	// Output:
	// A/1 talks to B/1
	// A/1 Outgoing Terminating closed: true
	// B/1 Incoming Terminating closed: true
}
