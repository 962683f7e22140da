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

// TestTask: nothing before the delay, then at most a line per Redraw;
// nothing at all off a terminal.
func TestTask(t *testing.T) {
	var b bytes.Buffer
	tk := NewTask(&b, true, time.Second)
	now := tk.start
	tk.now = func() time.Time { return now }
	tk.Show("early")
	now = now.Add(999 * time.Millisecond)
	if tk.Due() {
		t.Fatal("due before the delay")
	}
	tk.Show("still early")
	now = now.Add(time.Millisecond)
	if !tk.Due() {
		t.Fatal("not due after the delay")
	}
	tk.Show("one")
	now = now.Add(Redraw - time.Millisecond)
	tk.Show("too soon")
	now = now.Add(time.Millisecond)
	tk.Show("two")
	tk.Clear()
	if want := "\rone\rtwo\r   \r"; b.String() != want {
		t.Fatalf("task progress %q, want %q", b.String(), want)
	}

	off := NewTask(&b, false, 0)
	b.Reset()
	off.Show("x")
	off.Clear()
	if off.Due() || b.Len() != 0 {
		t.Fatalf("task progress off a terminal: %q", b.String())
	}
}

func TestBar(t *testing.T) {
	for _, c := range []struct {
		done, total int
		want        string
	}{{0, 10, "[....]"}, {5, 10, "[##..]"}, {10, 10, "[####]"}, {12, 10, "[####]"}, {3, 0, "[....]"}} {
		if got := Bar(c.done, c.total, 4); got != c.want {
			t.Errorf("Bar(%d, %d) = %q, want %q", c.done, c.total, got, c.want)
		}
	}
}
