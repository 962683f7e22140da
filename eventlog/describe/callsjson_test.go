package describe

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/callrec/callrec/econn"
)

// jsonReference is WriteCallsJSON as encoding/json writes it.
func jsonReference(t *testing.T, calls []CallSummary) (string, error) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	err := enc.Encode(calls)
	return b.String(), err
}

// randomText is a string of bytes of every kind: ASCII, the characters
// JSON escapes, multi-byte and invalid UTF-8, U+2028 and U+2029.
func randomText(r *rand.Rand) string {
	pieces := []string{"a", "Z", "/", " ", "\"", "\\", "<", ">", "&", "\x00", "\x1f", "\x7f", "\b", "\f", "\n", "\r", "\t",
		"é", "调", "\u2028", "\u2029", "\u202e", "\xff", "\xe2\x80", "\xc3", "😀"}
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomCall(r *rand.Rand) CallSummary {
	c := CallSummary{ID: randomText(r), FormatVersion: r.IntN(4), Duration: randomText(r), Events: r.Uint64(),
		Start: time.Date(1+r.IntN(9998), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, r.IntN(60), r.IntN(3)*123456789, time.FixedZone("z", r.IntN(3)*3600-3600))}
	if r.IntN(2) == 0 {
		c.Source, c.Scenario = randomText(r), randomText(r)
	}
	if r.IntN(2) == 0 {
		seed := r.Int64() - r.Int64()
		c.Seed = &seed
	}
	if n := r.IntN(4); n > 0 || r.IntN(2) == 0 {
		c.Endpoints = make([]string, n)
		for i := range c.Endpoints {
			c.Endpoints[i] = randomText(r)
		}
	}
	if n := r.IntN(4); n > 0 || r.IntN(2) == 0 {
		c.Outcome = make([]ConnSummary, n)
		for i := range c.Outcome {
			c.Outcome[i] = ConnSummary{Endpoint: randomText(r), State: econn.State(r.IntN(8)).String(),
				ConnOutcome: ConnOutcome{Conn: randomText(r), Closed: r.IntN(2) == 0, Reason: randomText(r)}}
		}
	}
	if r.IntN(3) == 0 {
		c.Damage = &DamageSummary{Problem: randomText(r)}
		if r.IntN(2) == 0 {
			seq := r.Uint64()
			c.Damage.Seq = &seq
		}
	}
	return c
}

// WriteCallsJSON writes what encoding/json writes, byte for byte, for
// calls with every field set or not, texts of every kind, and no calls.
func TestWriteCallsJSONAsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := [][]CallSummary{nil, {}}
	for range 300 {
		calls := make([]CallSummary, r.IntN(4))
		for i := range calls {
			calls[i] = randomCall(r)
		}
		cases = append(cases, calls)
	}
	for i, calls := range cases {
		want, err := jsonReference(t, calls)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteCallsJSON(&got, calls); err != nil {
			t.Fatal(err)
		}
		if got.String() != want {
			t.Fatalf("case %d:\ngot:\n%s\nwant (encoding/json):\n%s", i, got.String(), want)
		}
	}
}

// Every byte and the runes JSON treats apart escape as in encoding/json.
func TestAppendStringAsEncodingJSON(t *testing.T) {
	var all []string
	for c := range 256 {
		all = append(all, string([]byte{byte(c)}), "x"+string([]byte{byte(c)})+"y")
	}
	all = append(all, "\u2028\u2029", "a\u2028b", "\u00e9\U0001F600", "\xed\xa0\x80", "")
	for _, s := range all {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

// A start time JSON cannot hold is encoding/json's error.
func TestWriteCallsJSONBadTime(t *testing.T) {
	calls := []CallSummary{{ID: "c", Start: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	_, want := jsonReference(t, calls)
	err := WriteCallsJSON(&bytes.Buffer{}, calls)
	var me *json.MarshalerError
	if want == nil || err == nil || !errors.As(err, &me) || err.Error() != want.Error() {
		t.Fatalf("got %v, want %v", err, want)
	}
}
