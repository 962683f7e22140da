package fleet

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
)

// figures runs a figure test only when CALLREC_FIGURES asks for it.
func figures(t *testing.T, name string) {
	if f := os.Getenv("CALLREC_FIGURES"); f != name && f != "1" {
		t.Skipf("set CALLREC_FIGURES=%s to measure it", name)
	}
}

// ingestEvents is how many events each recorder writes in the ingest
// figure: the golden call's events over and over.
var ingestEvents = envInt("CALLREC_FIGURES_EVENTS", 20000)

func envInt(name string, def int) int {
	if s := os.Getenv(name); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return def
}

// TestFigureIngest measures BENCHMARKS.md's fleet ingest: events per
// second from 1 and from 8 concurrent recorders (a CallWriter with the
// fleet's Publisher: local commit, then async publish, until the fleet
// acknowledged every event) against raw JetStream async publishes of the
// same messages (same bytes, headers and subjects) to the same server,
// alternating A and B rounds in one process:
//
//	CALLREC_FIGURES=ingest go test -count=1 -run TestFigureIngest -v ./fleet
func TestFigureIngest(t *testing.T) {
	figures(t, "ingest")
	c := connect(t, serve(t).URL())
	_, evs := simtest.ReadCall(t, goldenLog, callIDs(t, goldenLog)[0])
	rounds := envInt("CALLREC_FIGURES_ROUNDS", 3)
	for _, n := range []int{1, 8} {
		var rec, raw []float64
		for i := 0; i < rounds; i++ {
			rec = append(rec, ingestRecorders(t, c, evs, n))
			raw = append(raw, ingestRaw(t, c, evs, n))
		}
		r, w := median(rec), median(raw)
		t.Logf("%d recorder(s), %d events each: recorder %.0f events/s, raw async publish %.0f events/s, ratio %.2f (rounds: %v / %v)",
			n, ingestEvents, r, w, r/w, round(rec), round(raw))
	}
}

// ingestRecorders runs n recorders at once and returns the events per
// second the fleet acknowledged.
func ingestRecorders(t *testing.T, c *Client, evs []eventlog.Event, n int) float64 {
	logs := make([]*eventlog.Log, n)
	ws := make([]*eventlog.CallWriter, n)
	dir := t.TempDir()
	for i := range logs {
		l, err := eventlog.Open(filepath.Join(dir, fmt.Sprint(i)), 0o600, &eventlog.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		meta := eventlog.CallMeta{Start: time.Now(), Endpoints: []eventlog.Endpoint{{User: "U" + fmt.Sprint(i), Client: "1"}},
			Conns: []eventlog.ConnMeta{{}}, Labels: map[string]string{"conv": "figure"}}
		if ws[i], err = l.CreateCall(meta); err != nil {
			t.Fatal(err)
		}
		logs[i] = l
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range ws {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := c.Watch(logs[i], ws[i], PublishOptions{CloseWait: time.Minute})
			for k := 0; k < ingestEvents; k++ {
				ev := evs[k%len(evs)]
				ev.Seq = 0
				if _, err := ws[i].Append(ev); err != nil {
					t.Error(err)
					return
				}
			}
			ws[i].Close()
			if err := p.Close(); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	return float64(n*ingestEvents) / time.Since(start).Seconds()
}

// ingestRaw publishes the same messages straight to JetStream, n
// publishers at once, and returns the events per second acknowledged.
func ingestRaw(t *testing.T, c *Client, evs []eventlog.Event, n int) float64 {
	data := make([][]byte, len(evs))
	for i, ev := range evs {
		var err error
		if data[i], err = eventlog.EncodeEvent(ev); err != nil {
			t.Fatal(err)
		}
	}
	msgs := make([][]*nats.Msg, n)
	for i := range msgs {
		rec := fmt.Sprintf("raw%d-%d", i, time.Now().UnixNano())
		subject := SubjectPrefix + ".figure." + rec + ".U-1"
		for k := 0; k < ingestEvents; k++ {
			msgs[i] = append(msgs[i], eventMsg(rec, subject, uint64(k+1), data[k%len(data)]))
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range msgs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := newBatchPublisher(c.js, "", "")
			for _, m := range msgs[i] {
				f, err := c.js.PublishMsgAsync(m)
				if err != nil {
					t.Error(err)
					return
				}
				p.futures = append(p.futures, f)
				if len(p.futures) == maxChunk {
					if err := p.wait(context.Background()); err != nil {
						t.Error(err)
						return
					}
				}
			}
			if err := p.wait(context.Background()); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	return float64(n*ingestEvents) / time.Since(start).Seconds()
}

// TestFigureServerMemory measures BENCHMARKS.md's memory of the embedded
// server holding 10,000 calls: a `callrec fleet serve` process is filled
// with recordings of the golden call (its events and metadata), and its
// resident set size read before and after (Linux):
//
//	CALLREC_FIGURES=memory go test -count=1 -run TestFigureServerMemory -v ./fleet
func TestFigureServerMemory(t *testing.T) {
	figures(t, "memory")
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	calls := envInt("CALLREC_FIGURES_CALLS", 10000)
	bin := filepath.Join(t.TempDir(), "callrec")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/callrec").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	srv := exec.Command(bin, "fleet", "serve", "--listen", addr, "--store", t.TempDir())
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	var c *Client
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		cl, err := Connect(ctx, "nats://"+addr)
		cancel()
		if err == nil {
			c = cl
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	defer c.Close()
	before := rss(t, srv.Process.Pid)
	meta, evs := simtest.ReadCall(t, goldenLog, callIDs(t, goldenLog)[0])
	data := make([][]byte, len(evs))
	for i, ev := range evs {
		data[i], _ = eventlog.EncodeEvent(ev)
	}
	ctx := testCtx(t)
	_, kv, err := c.streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < calls; i++ {
		m := meta
		m.ID = fmt.Sprintf("call-%05d", i)
		rm := newRecordingMeta(m, false)
		p := newBatchPublisher(c.js, rm.Rec, Subject(&m, rm.Rec))
		for k, d := range data {
			if err := p.add(ctx, uint64(k+1), d); err != nil {
				t.Fatal(err)
			}
		}
		rm.Events, rm.Closed = uint64(len(data)), true
		if err := putMeta(ctx, kv, &rm); err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			if err := p.wait(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	fill := time.Since(start)
	time.Sleep(2 * time.Second) // let the server settle its caches
	after := rss(t, srv.Process.Pid)
	t.Logf("embedded server holding %d calls (%d events): RSS %.1f MiB (%.1f MiB empty), filled in %v",
		calls, calls*len(data), float64(after)/(1<<20), float64(before)/(1<<20), fill.Round(time.Millisecond))
}

// rss reads a process's resident set size in bytes.
func rss(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func round(xs []float64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x)
	}
	return out
}
