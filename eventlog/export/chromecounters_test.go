package export_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/export"
)

type traceFile struct {
	TraceEvents []struct {
		Name string         `json:"name"`
		Ph   string         `json:"ph"`
		Ts   float64        `json:"ts"`
		Pid  int            `json:"pid"`
		Args map[string]any `json:"args"`
		Cat  string         `json:"cat"`
	} `json:"traceEvents"`
}

// TestChromeCounters exports the v2 live demo as a Chrome trace: each
// device that talked gets counter tracks for the packets per second, loss
// and jitter of its audio each way (no RTT: the log predates it), four
// points each, placed at the start of the interval they describe; B/1,
// which never had media, gets none.
func TestChromeCounters(t *testing.T) {
	r := openCall(t, filepath.Join("..", "..", "testdata", "compat", "v2", "live-demo.db"))
	var tf traceFile
	if err := json.Unmarshal([]byte(exportString(t, r, export.Options{Format: export.ChromeTrace})), &tf); err != nil {
		t.Fatal(err)
	}
	pidName := map[int]string{}
	for _, e := range tf.TraceEvents {
		if e.Ph == "M" && e.Name == "process_name" {
			pidName[e.Pid] = e.Args["name"].(string)
		}
	}
	type key struct{ proc, track string }
	values := map[key][]float64{}
	var firstTs float64
	for _, e := range tf.TraceEvents {
		if e.Ph != "C" {
			continue
		}
		if len(e.Args) != 1 || e.Cat != "media" {
			t.Fatalf("counter %s: args %v, cat %q; want one value, cat media", e.Name, e.Args, e.Cat)
		}
		for unit, v := range e.Args {
			k := key{pidName[e.Pid], e.Name + " " + unit}
			values[k] = append(values[k], v.(float64))
			if firstTs == 0 {
				firstTs = e.Ts
			}
		}
	}
	var tracks []string
	for k := range values {
		tracks = append(tracks, k.proc+": "+k.track)
	}
	slices.Sort(tracks)
	want := []string{}
	for _, dev := range [][2]string{{"A/1", "B/2"}, {"B/2", "A/1"}} {
		for _, m := range []string{"packets per s", "loss %", "jitter ms"} {
			want = append(want, dev[0]+": audio sent to "+dev[1]+" "+m, dev[0]+": audio recv from "+dev[1]+" "+m)
		}
	}
	slices.Sort(want)
	if !slices.Equal(tracks, want) {
		t.Fatalf("counter tracks:\n%q\nwant\n%q", tracks, want)
	}
	for k, vs := range values {
		if len(vs) != 4 {
			t.Errorf("%v: %d points, want 4", k, len(vs))
		}
		for _, v := range vs {
			if strings.HasSuffix(k.track, "per s") && (v < 45 || v > 55) || strings.HasSuffix(k.track, "%") && v != 0 {
				t.Errorf("%v: value %v", k, v)
			}
		}
	}
	// The first interval runs from the first report (at 1.513 s) to the next.
	if firstTs < 1.51e6 || firstTs > 1.52e6 {
		t.Errorf("first counter at %v µs, want the first report's time, about 1.513 s", firstTs)
	}
}

// TestChromeCounterRTT: a stream whose reports carry the round-trip time
// gets an RTT track in milliseconds, placed at its interval's start.
func TestChromeCounterRTT(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rtt.db")
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	a1 := eventlog.Endpoint{User: "A", Client: "1"}
	w, err := l.CreateCall(eventlog.CallMeta{Endpoints: []eventlog.Endpoint{a1}})
	if err != nil {
		t.Fatal(err)
	}
	for i, rtt := range []string{"800", "1500"} {
		_, err := w.Append(eventlog.Event{At: time.Duration(i+1) * time.Second, Endpoint: a1, Conn: "c1",
			Kind: eventlog.KindNote, Type: "media.stats", Note: &eventlog.Note{Text: "stats", Attrs: map[string]string{
				"audio.sent.packets": fmt.Sprint(50 * (i + 1)), "audio.sent.rtt_us": rtt}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	l.Close()
	trace := exportString(t, openCall(t, path), export.Options{Format: export.ChromeTrace})
	want := `{"name":"audio sent c1 RTT","cat":"media","ph":"C","ts":1000000,"pid":1,"tid":0,"args":{"ms":1.5}}`
	if !strings.Contains(trace, want) {
		t.Errorf("no %s in\n%s", want, trace)
	}
}
