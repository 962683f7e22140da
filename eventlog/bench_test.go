package eventlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
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

// jsonlWriter is the baseline's writer, built the way the log's writer is
// (see CallWriter): Append encodes into one of two buffers while a
// goroutine writes and fsyncs the other, a batch of batchSize events at a
// time; Append blocks only when both are full. Same durability: a batch
// is durable once its fsync returns, and Flush waits for the last one.
type jsonlWriter struct {
	f         *os.File
	batchSize int
	cur       *jsonlBuf
	n         int            // events in cur
	full      chan *jsonlBuf // to the syncer
	free      chan *jsonlBuf // back from it
	done      chan error
}

type jsonlBuf struct {
	b   bytes.Buffer
	enc *json.Encoder
}

func newJSONLWriter(f *os.File, batchSize int) *jsonlWriter {
	w := &jsonlWriter{f: f, batchSize: batchSize, full: make(chan *jsonlBuf, 1), free: make(chan *jsonlBuf, 1),
		done: make(chan error, 1)}
	bufs := [2]*jsonlBuf{{}, {}}
	for _, b := range bufs {
		b.enc = json.NewEncoder(&b.b)
	}
	w.cur = bufs[0]
	w.free <- bufs[1]
	go w.sync()
	return w
}

func (w *jsonlWriter) sync() {
	var err error
	for b := range w.full {
		if err == nil {
			if _, err = w.f.Write(b.b.Bytes()); err == nil {
				err = w.f.Sync()
			}
		}
		b.b.Reset()
		w.free <- b
	}
	w.done <- err
}

func (w *jsonlWriter) Append(ev jsonEvent) error {
	if err := w.cur.enc.Encode(ev); err != nil {
		return err
	}
	if w.n++; w.n == w.batchSize {
		w.full <- w.cur
		w.cur, w.n = <-w.free, 0
	}
	return nil
}

// Close commits the last batch and waits until every batch is durable.
func (w *jsonlWriter) Close() error {
	if w.n > 0 {
		w.full <- w.cur
	}
	close(w.full)
	return <-w.done
}

// appendJSONL appends evs to a new JSON-lines file at path through the
// pipelined baseline writer and returns the time it took.
func appendJSONL(path string, evs []Event) (time.Duration, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	start := time.Now()
	w := newJSONLWriter(f, 1000)
	for _, ev := range evs {
		if err := w.Append(toJSON(ev)); err != nil {
			return 0, err
		}
	}
	err = w.Close()
	return time.Since(start), err
}

// appendLog appends evs to a new log at path, durable batches of 1,000,
// and returns the time it took, Flush included.
func appendLog(path string, evs []Event) (time.Duration, error) {
	l, err := Open(path, 0o600, &Options{BatchSize: 1000, BatchDelay: time.Second})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	w, err := l.CreateCall(CallMeta{})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for _, ev := range evs {
		if _, err := w.Append(ev); err != nil {
			return 0, err
		}
	}
	err = w.Flush()
	return time.Since(start), err
}

// BenchmarkAppend appends the mix with durable batches of 1,000 events,
// each side on its own (for its rate and size; the ratio comes from
// BenchmarkAppendPaired). Run with -benchtime=300000x or so: each op is
// one event.
func BenchmarkAppend(b *testing.B) {
	for _, side := range []struct {
		name, file string
		run        func(string, []Event) (time.Duration, error)
	}{{"jsonlines", "events.jsonl", appendJSONL}, {"eventlog", "events.log", appendLog}} {
		b.Run(side.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), side.file)
			evs := benchEvents(b.N)
			b.ResetTimer()
			d, err := side.run(path, evs)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/d.Seconds(), "events/s")
			if fi, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(fi.Size())/float64(b.N), "bytes/event")
			}
		})
	}
}

// pairedEvents is how many events each side of a pair appends.
const pairedEvents = 200_000

// BenchmarkAppendPaired appends the same 200,000 events with the
// pipelined JSON-lines writer and with the log, one after the other in
// each op, the order alternating between ops, so that both sides of a
// pair see the same load and disk; x-jsonlines is the median of the ops'
// ratios (log rate / JSON-lines rate), min-x and max-x their range.
// Run with -benchtime 5x or more: each op is one pair.
func BenchmarkAppendPaired(b *testing.B) {
	evs := benchEvents(pairedEvents)
	dir := b.TempDir()
	var ratios, logRates, jsonRates []float64
	for i := 0; b.Loop(); i++ {
		var tj, tl time.Duration
		var err error
		jp, lp := filepath.Join(dir, fmt.Sprint(i, ".jsonl")), filepath.Join(dir, fmt.Sprint(i, ".log"))
		if i%2 == 0 {
			if tj, err = appendJSONL(jp, evs); err == nil {
				tl, err = appendLog(lp, evs)
			}
		} else {
			if tl, err = appendLog(lp, evs); err == nil {
				tj, err = appendJSONL(jp, evs)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		os.Remove(jp)
		os.Remove(lp)
		ratios = append(ratios, tj.Seconds()/tl.Seconds())
		logRates = append(logRates, pairedEvents/tl.Seconds())
		jsonRates = append(jsonRates, pairedEvents/tj.Seconds())
	}
	reportPaired(b, ratios, logRates, jsonRates)
}

// reportPaired reports the median ratio of interleaved pairs and its
// range, and the median rate of each side.
func reportPaired(b *testing.B, ratios, ours, theirs []float64) {
	b.ReportMetric(median(ratios), "x-jsonlines")
	b.ReportMetric(slices.Min(ratios), "min-x")
	b.ReportMetric(slices.Max(ratios), "max-x")
	b.ReportMetric(median(ours), "eventlog-ev/s")
	b.ReportMetric(median(theirs), "jsonlines-ev/s")
	b.ReportMetric(0, "ns/op")
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func benchEvents(n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = benchEvent(uint64(i + 1))
	}
	return evs
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
// cache (it was just written). The ratio comes from BenchmarkReadPaired.
func BenchmarkRead1M(b *testing.B) {
	logPath, jsonPath := getFixture(b)
	b.Run("jsonlines", func(b *testing.B) {
		for range b.N {
			if _, err := readJSONL(jsonPath); err != nil {
				b.Fatal(err)
			}
		}
		reportRead(b, jsonPath)
	})
	b.Run("eventlog", func(b *testing.B) { benchRead(b, logPath, false) })
	b.Run("eventlog-preload", func(b *testing.B) { benchRead(b, logPath, true) })
}

// BenchmarkReadPaired reads the 1,000,000-event call from the JSON-lines
// file and from the log (opened in the op, no Preload), one after the
// other in each op, the order alternating between ops; x-jsonlines is the
// median ratio of the pairs (log rate / JSON-lines rate). Run with
// -benchtime 5x or more.
func BenchmarkReadPaired(b *testing.B) {
	logPath, jsonPath := getFixture(b)
	var ratios, logRates, jsonRates []float64
	for i := 0; b.Loop(); i++ {
		var tj, tl time.Duration
		var err error
		if i%2 == 0 {
			if tj, err = readJSONL(jsonPath); err == nil {
				tl, err = readLog(logPath, false)
			}
		} else {
			if tl, err = readLog(logPath, false); err == nil {
				tj, err = readJSONL(jsonPath)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		ratios = append(ratios, tj.Seconds()/tl.Seconds())
		logRates = append(logRates, fixtureEvents/tl.Seconds())
		jsonRates = append(jsonRates, fixtureEvents/tj.Seconds())
	}
	reportPaired(b, ratios, logRates, jsonRates)
}

// readJSONL decodes every line of the JSON-lines fixture and returns the
// time it took.
func readJSONL(path string) (time.Duration, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<16))
	n := 0
	for {
		var ev jsonEvent
		if err := dec.Decode(&ev); err == io.EOF {
			break
		} else if err != nil {
			return 0, err
		}
		n++
	}
	if n != fixtureEvents {
		return 0, fmt.Errorf("read %d events", n)
	}
	return time.Since(start), nil
}

// readLog opens the log and reads every event of the fixture's call, and
// returns the time it took.
func readLog(path string, preload bool) (time.Duration, error) {
	start := time.Now()
	l, err := Open(path, 0, &Options{ReadOnly: true, Preload: preload})
	if err != nil {
		return 0, err
	}
	defer l.Close()
	if err := readCall(l); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func readCall(l *Log) error {
	r, err := l.Call("bench")
	if err != nil {
		return err
	}
	defer r.Close()
	c, n := r.Cursor(nil), 0
	for ev, ok := c.First(); ok; ev, ok = c.Next() {
		if ev.Input == nil && ev.Output == nil {
			return fmt.Errorf("event %d: no payload", ev.Seq)
		}
		n++
	}
	if n != fixtureEvents || c.Err() != nil {
		return fmt.Errorf("read %d events: %v", n, c.Err())
	}
	return nil
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
		if err := readCall(l); err != nil {
			b.Fatal(err)
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
// decodes the event there; one op is one Seek. Both are warm: the file is
// in the page cache, and as b.N grows most seeks land on pages mapped
// already. "mapped" opens the log plainly, "preload" with
// Options.Preload. The first access from a fresh open of a file not in
// the page cache is BenchmarkSeekCold.
func BenchmarkSeek1M(b *testing.B) {
	b.Run("mapped", func(b *testing.B) { benchSeek(b, false) })
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
