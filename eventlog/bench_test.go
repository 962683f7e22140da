package eventlog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
)

// Benchmarks, each side by side with the baseline a user would otherwise
// pick: a JSON-lines file (bufio + encoding/json) with the same
// durability, fsync per 1,000 events. The figures and the command are in
// BENCHMARKS.md.

// benchEvent returns the i-th event of the benchmark mix: alternately a
// received SETUP as raw bytes and a sent SETUP message, each about 300
// bytes encoded.
func benchEvent(i uint64) Event {
	ep := Endpoint{"alice", "phone"}
	at := time.Duration(i) * time.Millisecond
	sdp := "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
		fmt.Sprintf("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ssrc:%d\r\n", i)
	if i%2 == 0 {
		data := fmt.Sprintf(`{"version":"3.0","type":"SETUP","sessid":"sB","resp":false,"src_userid":"bob",`+
			`"src_clientid":"laptop","sdp":%q,"props":{"videosend":"false"}}`, sdp)
		return Event{At: at, Endpoint: ep, Conn: "sA", Kind: KindInput, Input: RecvInput{FromUser: "bob",
			FromClient: "laptop", Data: []byte(data), CurrTime: uint32(i / 1000), MsgTime: uint32(i / 1000)}}
	}
	sdp += "a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n"
	msg := &econn.Message{Type: econn.MsgSetup, SessID: "sA", SrcUser: "alice", SrcClient: "phone",
		DestUser: "bob", DestClient: "laptop", SDP: sdp, Props: econn.Props{"videosend": "false"}}
	return Event{At: at, Endpoint: ep, Conn: "sA", Kind: KindOutput, Output: econn.Send{Msg: msg}}
}

// jsonEvent is the baseline's form of an event: a tagged union that
// encoding/json can decode.
type jsonEvent struct {
	Seq      uint64
	At       time.Duration
	Endpoint Endpoint
	Conn     string
	Kind     Kind
	Type     string
	Recv     *RecvInput  `json:",omitempty"`
	Send     *econn.Send `json:",omitempty"`
}

func toJSON(ev Event) jsonEvent {
	j := jsonEvent{Seq: ev.Seq, At: ev.At, Endpoint: ev.Endpoint, Conn: ev.Conn, Kind: ev.Kind, Type: typeOf(ev)}
	switch v := ev.Input.(type) {
	case RecvInput:
		j.Recv = &v
	}
	if v, ok := ev.Output.(econn.Send); ok {
		j.Send = &v
	}
	return j
}

// appendRates keeps the append rates of one run, for the ratio.
var appendRates = map[string]float64{}

// BenchmarkAppend appends the mix with durable batches of 1,000 events.
// Run with -benchtime=300000x or so: each op is one event.
func BenchmarkAppend(b *testing.B) {
	b.Run("jsonlines", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "events.jsonl")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		evs := benchEvents(b.N)
		bw := bufio.NewWriterSize(f, 1<<16)
		enc := json.NewEncoder(bw)
		b.ResetTimer()
		for i := range b.N {
			if err := enc.Encode(toJSON(evs[i])); err != nil {
				b.Fatal(err)
			}
			if (i+1)%1000 == 0 || i == b.N-1 {
				if err := bw.Flush(); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		}
		reportAppend(b, "jsonlines", path)
	})
	b.Run("eventlog", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "events.log")
		l, err := Open(path, 0o600, &Options{BatchSize: 1000, BatchDelay: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		w, _ := l.CreateCall(CallMeta{})
		evs := benchEvents(b.N)
		b.ResetTimer()
		for i := range b.N {
			if _, err := w.Append(evs[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		reportAppend(b, "eventlog", path)
		if base := appendRates["jsonlines"]; base > 0 {
			b.ReportMetric(appendRates["eventlog"]/base, "x-jsonlines")
		}
	})
}

func benchEvents(n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = benchEvent(uint64(i + 1))
	}
	return evs
}

func reportAppend(b *testing.B, name, path string) {
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	appendRates[name] = rate
	b.ReportMetric(rate, "events/s")
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/float64(b.N), "bytes/event")
	}
}

// fixture is a 1,000,000-event call as a log and as JSON lines, built once
// per benchmark run.
var fixture struct {
	once      sync.Once
	dir       string
	log, json string
	err       error
}

const fixtureEvents = 1_000_000

func getFixture(b *testing.B) (logPath, jsonPath string) {
	fixture.once.Do(func() {
		fixture.dir, fixture.err = os.MkdirTemp("", "eventlog-bench")
		if fixture.err == nil {
			fixture.log = filepath.Join(fixture.dir, "1m.log")
			fixture.json = filepath.Join(fixture.dir, "1m.jsonl")
			fixture.err = buildFixture(fixture.log, fixture.json)
		}
	})
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
	return fixture.log, fixture.json
}

func buildFixture(logPath, jsonPath string) error {
	l, err := Open(logPath, 0o600, &Options{NoSync: true, BatchSize: 10000})
	if err != nil {
		return err
	}
	defer l.Close()
	w, err := l.CreateCall(CallMeta{ID: "bench"})
	if err != nil {
		return err
	}
	f, err := os.Create(jsonPath)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<16)
	enc := json.NewEncoder(bw)
	for seq := uint64(1); seq <= fixtureEvents; seq++ {
		ev := benchEvent(seq)
		if _, err := w.Append(ev); err != nil {
			return err
		}
		ev.Seq = seq
		if err := enc.Encode(toJSON(ev)); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return w.Close()
}

// TestMain removes the benchmark fixture.
func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// BenchmarkRead1M reads every event of a 1,000,000-event call with its
// payload decoded. Each op reads all of them; the file is in the page
// cache (it was just written).
func BenchmarkRead1M(b *testing.B) {
	logPath, jsonPath := getFixture(b)
	b.Run("jsonlines", func(b *testing.B) {
		for range b.N {
			f, err := os.Open(jsonPath)
			if err != nil {
				b.Fatal(err)
			}
			dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<16))
			n := 0
			for {
				var ev jsonEvent
				if err := dec.Decode(&ev); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
				n++
			}
			f.Close()
			if n != fixtureEvents {
				b.Fatalf("read %d events", n)
			}
		}
		reportRead(b, jsonPath)
	})
	b.Run("eventlog", func(b *testing.B) { benchRead(b, logPath, false) })
	b.Run("eventlog-preload", func(b *testing.B) { benchRead(b, logPath, true) })
}

// benchRead opens the log (within the timing: a fresh mapping faults its
// pages in as the cursor reaches them, or all at once with preload) and
// reads the call b.N times.
func benchRead(b *testing.B, logPath string, preload bool) {
	l, err := Open(logPath, 0, &Options{ReadOnly: true, Preload: preload})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for range b.N {
		r, err := l.Call("bench")
		if err != nil {
			b.Fatal(err)
		}
		c, n := r.Cursor(nil), 0
		for ev, ok := c.First(); ok; ev, ok = c.Next() {
			if ev.Input == nil && ev.Output == nil {
				b.Fatal("no payload")
			}
			n++
		}
		r.Close()
		if n != fixtureEvents || c.Err() != nil {
			b.Fatalf("read %d events: %v", n, c.Err())
		}
	}
	reportRead(b, logPath)
}

func reportRead(b *testing.B, path string) {
	b.ReportMetric(float64(b.N*fixtureEvents)/b.Elapsed().Seconds(), "events/s")
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/fixtureEvents, "bytes/event")
	}
}

// BenchmarkSeek1M seeks to a random Seq of the 1,000,000-event call and
// decodes the event there; one op is one Seek. "cold" opens the log
// plainly, so most seeks fault in a page of the mapping; "preload" opens
// it with Options.Preload.
func BenchmarkSeek1M(b *testing.B) {
	b.Run("cold", func(b *testing.B) { benchSeek(b, false) })
	b.Run("preload", func(b *testing.B) { benchSeek(b, true) })
}

func benchSeek(b *testing.B, preload bool) {
	logPath, _ := getFixture(b)
	l, err := Open(logPath, 0, &Options{ReadOnly: true, Preload: preload})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	r, err := l.Call("bench")
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	c := r.Cursor(nil)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for range b.N {
		seq := 1 + rng.Uint64N(fixtureEvents)
		if ev, ok := c.Seek(seq); !ok || ev.Seq != seq {
			b.Fatalf("Seek(%d) = %d, %t", seq, ev.Seq, ok)
		}
	}
}

// The benchmark mix is what its comment says.
func TestBenchEventSize(t *testing.T) {
	total := 0
	for i := range uint64(100) {
		data, err := EncodeEvent(benchEvent(i))
		if err != nil {
			t.Fatal(err)
		}
		total += len(data)
	}
	if avg := total / 100; avg < 250 || avg > 350 {
		t.Errorf("benchmark events average %d bytes, want about 300", avg)
	}
	if !strings.Contains(string(benchEvent(2).Input.(RecvInput).Data), "SETUP") {
		t.Error("benchmark mix lost its received SETUP")
	}
}

// BenchmarkDecode decodes one event of the mix (no bbolt): the codec's
// share of reading, against encoding/json on the same event.
func BenchmarkDecode(b *testing.B) {
	evs := [2]Event{benchEvent(1), benchEvent(2)}
	var bin, js [2][]byte
	for i, ev := range evs {
		bin[i], _ = EncodeEvent(ev)
		js[i], _ = json.Marshal(toJSON(ev))
	}
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			var ev jsonEvent
			if err := json.Unmarshal(js[i%2], &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("eventlog", func(b *testing.B) {
		b.ReportAllocs()
		ed := eventDecoder{intern: map[string]string{}, d: decoder{chunkSize: 32 << 10}}
		for i := range b.N {
			if _, _, err := ed.decode(uint64(i), bin[i%2], nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
