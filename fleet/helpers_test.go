package fleet

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
)

// serve starts an embedded server on a random port with its store in a
// temporary directory, stopped when the test ends.
func serve(t testing.TB) *Server {
	t.Helper()
	return serveAt(t, "127.0.0.1:0", t.TempDir())
}

func serveAt(t testing.TB, listen, store string) *Server {
	t.Helper()
	s, err := Serve(ServerOptions{Listen: listen, StoreDir: store, MaxStore: 1 << 30, MaxMemory: 64 << 20, Ready: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// connect connects to url, closed when the test ends.
func connect(t testing.TB, url string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// callIDs lists the call ids of the log at path.
func callIDs(t testing.TB, path string) []string {
	t.Helper()
	l, err := eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	infos, err := l.Calls()
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(infos))
	for i, info := range infos {
		ids[i] = info.Meta.ID
	}
	return ids
}

// fetchAll fetches every recording in recs into a new log and returns it.
func fetchAll(t testing.TB, c *Client, recs []string) *eventlog.Log {
	t.Helper()
	out, err := eventlog.Open(filepath.Join(t.TempDir(), "pulled.log"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	for _, rec := range recs {
		if _, err := c.Fetch(testCtx(t), rec, out); err != nil {
			t.Fatalf("fetch %s: %v", rec, err)
		}
	}
	return out
}

// sameCall fails unless a pulled call equals the original: the same
// events, and the same metadata but for the id and format version the
// new log gives it.
func sameCall(t testing.TB, what string, wantMeta, gotMeta eventlog.CallMeta, want, got []eventlog.Event) {
	t.Helper()
	wantMeta.ID, gotMeta.ID = "", ""
	wantMeta.FormatVersion, gotMeta.FormatVersion = 0, 0
	if !reflect.DeepEqual(wantMeta, gotMeta) {
		t.Errorf("%s: metadata\n got %+v\nwant %+v", what, gotMeta, wantMeta)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: event %d\n got %+v\nwant %+v", what, i+1, got[i], want[i])
		}
	}
}
