package relay

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/coder/websocket"
)

// benchSetup is a SETUP-sized message (2.7 KB, as MEASUREMENTS.md's).
var benchSetup = append(bytes.Clone(setupMsg), bytes.Repeat([]byte("a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n"), 45)...)[:2700]

func BenchmarkSealOpen(b *testing.B) {
	ab, ba := sharedPair(b)
	b.SetBytes(int64(len(benchSetup)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sealed, err := sealBox(ab, cryptoRand, "conv", uint64(i), benchSetup)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := openBox(ba, "conv", sealed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRelay measures one Send from A until every other client has
// opened it, through a relay on loopback.
func BenchmarkRelay(b *testing.B) {
	for _, n := range []int{1, 3, 10} {
		b.Run(fmt.Sprintf("recipients=%d", n), func(b *testing.B) { benchRelay(b, n) })
	}
}

func benchRelay(b *testing.B, recipients int) {
	srv := NewServer(ServerOptions{RatePerSecond: -1, Logger: slog.New(slog.DiscardHandler)})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	got := make(chan struct{}, 1024)
	var clients []*Client
	dial := func(user string, onMsg func(Received)) *Client {
		id, err := NewIdentity(user, "1", nil)
		if err != nil {
			b.Fatal(err)
		}
		c, err := Dial(context.Background(), ClientOptions{URL: srv.URL(), Conv: "conv", Identity: id}, onMsg,
			func(err error) { b.Error(err) })
		if err != nil {
			b.Fatal(err)
		}
		clients = append(clients, c)
		return c
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := 0; i < recipients; i++ {
		dial(fmt.Sprintf("R%d", i), func(Received) { got <- struct{}{} })
	}
	a := dial("A", nil)
	a.WaitRoster(context.Background(), func(ms []Member) bool { return len(ms) == recipients+1 })
	b.SetBytes(int64(len(benchSetup)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := a.Send(benchSetup); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < recipients; j++ {
			<-got
		}
	}
}

// BenchmarkBareWebSocket is the floor under BenchmarkRelay/recipients=1:
// the same message through a forwarding WebSocket server on loopback, with
// no JSON, no crypto, no roster and no queue.
func BenchmarkBareWebSocket(b *testing.B) {
	sinks := make(chan *websocket.Conn, 1)
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ws.SetReadLimit(1 << 20)
		if r.URL.Query().Get("role") == "sink" {
			sinks <- ws
			ws.Read(context.Background()) // until closed
			return
		}
		sink := <-sinks
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			if err := sink.Write(context.Background(), websocket.MessageText, data); err != nil {
				return
			}
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go hs.Serve(ln)
	defer hs.Close()
	ctx := context.Background()
	url := "ws://" + ln.Addr().String() + "/"
	sink, _, err := websocket.Dial(ctx, url+"?role=sink", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer sink.CloseNow()
	src, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer src.CloseNow()
	b.SetBytes(int64(len(benchSetup)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := src.Write(ctx, websocket.MessageText, benchSetup); err != nil {
			b.Fatal(err)
		}
		if _, _, err := sink.Read(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
