package mediaflow_test

import (
	"context"
	"fmt"
	"log"

	"github.com/callrec/callrec/mediaflow"
)

// Two call legs in one process: the caller offers, the callee accepts, and
// a direct message crosses the data channel once it is open. A real caller
// posts each event into its own loop instead of a channel per kind.
func Example() {
	opened := make(chan string, 2)
	messages := make(chan string, 1)
	events := func(who string) func(mediaflow.Event) {
		return func(e mediaflow.Event) {
			switch e := e.(type) {
			case mediaflow.DataChannelOpen:
				opened <- who
			case mediaflow.DataChannelMessage:
				messages <- fmt.Sprintf("%s got %s", who, e.Data)
			}
		}
	}
	caller, err := mediaflow.New(mediaflow.DefaultOptions(), events("caller"))
	if err != nil {
		log.Fatal(err)
	}
	defer caller.Close()
	callee, err := mediaflow.New(mediaflow.DefaultOptions(), events("callee"))
	if err != nil {
		log.Fatal(err)
	}
	defer callee.Close()

	ctx := context.Background()
	offer, err := caller.CreateOffer(ctx) // goes into SETUP
	if err != nil {
		log.Fatal(err)
	}
	answer, err := callee.Accept(ctx, offer) // goes into the SETUP response
	if err != nil {
		log.Fatal(err)
	}
	if err := caller.SetAnswer(answer); err != nil {
		log.Fatal(err)
	}
	<-opened
	<-opened

	if err := caller.SendData([]byte(`{"type":"HANGUP"}`)); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-messages)
	// Output: callee got {"type":"HANGUP"}
}
