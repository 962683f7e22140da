package progress

import (
	"bytes"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	p := New(&b, true, 0)
	p.Show("long line")
	p.Show("short")
	p.Clear()
	if want := "\rlong line\rshort    \r     \r"; b.String() != want {
		t.Fatalf("terminal progress %q, want %q", b.String(), want)
	}
	b.Reset()
	p = New(&b, false, 0)
	p.Show("x")
	p.Clear()
	if b.Len() != 0 {
		t.Fatalf("progress off a terminal with no interval: %q", b.String())
	}
	p = New(&b, false, time.Hour)
	p.Show("first")
	p.Show("second")
	if b.String() != "first\n" {
		t.Fatalf("plain progress %q", b.String())
	}
}

// TestProgressEscaped: a progress line names peers, whose ids come from the
// network; it reaches the terminal with control and bidi characters escaped.
func TestProgressEscaped(t *testing.T) {
	var b bytes.Buffer
	New(&b, true, 0).Show("call \x1b]52;c;SGVsbG8=\x07 \u202eflip")
	if want := "\r" + `call \x1b]52;c;SGVsbG8=\x07 \u202eflip`; b.String() != want {
		t.Errorf("progress: %q, want %q", b.String(), want)
	}
}
