package live

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/backend/relay"
)

// TestServeAppliesLimits: the limits reach the relay — a third client is
// refused from a conversation limited to two — and the relay stops when
// its context ends, with its counters.
func TestServeAppliesLimits(t *testing.T) {
	checkLeaks(t)
	limits := relay.ServerOptions{
		MaxMessageSize: relay.DefaultMaxMessageSize, MaxClientsPerConv: 2, RatePerSecond: 5, Burst: 5,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", limits, pw); pw.Close() }()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatal("serve printed nothing")
	}
	url := strings.TrimPrefix(lines.Text(), "relay listening on ")
	dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var clients []*relay.Client
	for i := 1; i <= 3; i++ {
		id, err := relay.NewIdentity("U", fmt.Sprint(i), nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := relay.Dial(dctx, relay.ClientOptions{URL: url, Conv: "c", Identity: id}, nil, nil)
		if i < 3 {
			if err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
			clients = append(clients, c)
			continue
		}
		var se *relay.ServerError
		if !errors.As(err, &se) || se.Reason != relay.DropConversationFull {
			t.Errorf("third client in a conversation of at most 2: %v", err)
		}
		if c != nil {
			c.Close()
		}
	}
	for _, c := range clients {
		c.Close()
	}
	stop()
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if want := "relay stopped: 0 frames forwarded, dropped: conversation_full=1"; rest.String() != want {
		t.Errorf("relay's last line %q, want %q", rest.String(), want)
	}
}

func TestServeRefusesABusyAddress(t *testing.T) {
	rl, err := StartRelay(relay.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()
	addr := strings.TrimSuffix(strings.TrimPrefix(rl.URL(), "ws://"), "/ws")
	var out strings.Builder
	if err := Serve(context.Background(), addr, relay.ServerOptions{}, &out); err == nil || out.Len() != 0 {
		t.Fatalf("serve on a busy address: %v, printed %q", err, out.String())
	}
}
