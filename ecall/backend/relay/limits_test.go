package relay

import (
	"fmt"
	"math"
	"testing"
)

// A MaxMessageSize near the int64 limit once overflowed the hard read
// limit (4×): 2^62 refused every join, MaxInt64 dropped every frame. It is
// clamped to MaxMaxMessageSize.
func TestHugeMaxMessageSize(t *testing.T) {
	for _, size := range []int64{1 << 62, math.MaxInt64} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			checkLeaks(t)
			ts := startServer(t, ServerOptions{MaxMessageSize: size})
			a := dial(t, ts.url, "conv", "A", "1")
			b := dial(t, ts.url, "conv", "B", "1")
			a.waitMembers(t, 2)
			if a.maxSize != MaxMaxMessageSize {
				t.Errorf("the server announced max_size %d, want %d", a.maxSize, MaxMaxMessageSize)
			}
			if err := a.Send([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			if got := b.next(t); string(got.Data) != "hello" {
				t.Errorf("got %q", got.Data)
			}
		})
	}
}
