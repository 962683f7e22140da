package export_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/export"
	"github.com/callrec/callrec/eventlog/redact"
)

// skewed is a call in which B/1's clock runs 3.2 s ahead and A/1's
// messages take 80 ms.
const skewed = `clients A/1 B/1
config B/1 clock-offset=+3.2s
fault delay from=A/1 by=80ms
start A/1
advance 1s
answer B/1
advance 1s
end A/1
advance 10s
`

// The text timeline of a call recorded on several clocks shows the
// aligned times and says by how much each device was shifted.
func TestTextAlignsClocks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skew.log")
	l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sc, err := sim.ParseString("skew.txt", skewed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(sc, sim.Options{Seed: 1, Log: l, CallID: "skew"}); err != nil {
		t.Fatal(err)
	}
	r, err := l.Call("skew")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	if err := export.Write(&out, r, export.Options{Format: export.Text}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"clocks aligned to A/1 by the messages the devices exchanged:\n  B/1 shifted -3.24s ± 40ms (",
		// B/1 heard the SETUP at 3.28 s on its clock; aligned, the 80 ms
		// one way and 0 the other come out 40 ms each way.
		"+0.040s  B/1", "+0.960s  B/1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "+3.280s  B/1") {
		t.Errorf("B/1's times are not aligned:\n%s", text)
	}

	// Redacted, the statement names the pseudonyms.
	red, err := redact.New(r)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := export.Write(&out, r, export.Options{Format: export.Text, Redactor: red}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "clocks aligned to u1/c1 by the messages the devices exchanged:\n  u2/c1 shifted -3.24s") {
		t.Errorf("redacted timeline:\n%s", out.String())
	}
}
