package relay_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/ecall/backend/relay"
)

// A Client is an ecall client's signalling transport.
var _ ecall.Backend = (*relay.Client)(nil)

// A relay on loopback and two clients in one conversation: A's SETUP
// reaches B sealed end to end, stamped with A's ids.
func Example() {
	srv := relay.NewServer(relay.ServerOptions{Logger: slog.New(slog.DiscardHandler)})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer srv.Close()

	join := func(user, client string, onMsg func(relay.Received)) *relay.Client {
		id, err := relay.NewIdentity(user, client, nil)
		if err != nil {
			panic(err)
		}
		c, err := relay.Dial(context.Background(), relay.ClientOptions{
			URL: srv.URL(), Conv: "conv-1", Identity: id,
		}, onMsg, func(err error) { fmt.Println("rejected:", err) })
		if err != nil {
			panic(err)
		}
		return c
	}
	got := make(chan relay.Received, 1)
	b := join("B", "1", func(r relay.Received) { got <- r })
	defer b.Close()
	a := join("A", "1", nil)
	defer a.Close()

	// Wait until A knows B's key, then send.
	a.WaitRoster(context.Background(), func(ms []relay.Member) bool { return len(ms) == 2 })
	if err := a.Send([]byte(`{"version":"3.0","type":"SETUP","sessid":"s1","resp":false,"sdp":"v=0","props":{}}`)); err != nil {
		panic(err)
	}
	r := <-got
	fmt.Printf("%s/%s: %s\n", r.FromUser, r.FromClient, r.Data)
	// Output:
	// A/1: {"version":"3.0","type":"SETUP","sessid":"s1","resp":false,"sdp":"v=0","props":{}}
}
