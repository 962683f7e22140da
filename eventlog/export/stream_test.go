package export_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callrec/callrec/eventlog/export"
)

// A stream writes, event by event, the lines Write writes for the whole
// call; only the header differs (no count: the call is being recorded).
func TestStreamMatchesWrite(t *testing.T) {
	r := openCall(t, filepath.Join("..", "..", "testdata", "golden", "04-glare.log"))
	for _, opts := range []export.Options{
		{Format: export.Text}, {Format: export.JSONL}, {Format: export.Text, From: 5, Filter: mustFilter(t, "kind=output")},
	} {
		want := exportString(t, r, opts)
		var b bytes.Buffer
		s, err := export.NewStream(&b, r.Meta(), opts)
		if err != nil {
			t.Fatal(err)
		}
		cur := r.Cursor(nil)
		for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
			n := b.Len()
			if err := s.Event(ev); err != nil {
				t.Fatal(err)
			}
			if opts.Filter.Match(ev) && ev.Seq >= opts.From && b.Len() == n {
				t.Fatalf("event %d did not reach the writer at once", ev.Seq)
			}
		}
		got := b.String()
		if opts.Format == export.Text {
			wl, gl := strings.SplitN(want, "\n", 2), strings.SplitN(got, "\n", 2)
			if !strings.HasSuffix(gl[0], "being recorded") {
				t.Errorf("header %q", gl[0])
			}
			want, got = wl[1], gl[1]
		}
		if got != want {
			t.Errorf("%+v: stream differs from Write:\n%s", opts, firstDiff(want, got))
		}
	}
	if _, err := export.NewStream(&bytes.Buffer{}, r.Meta(), export.Options{Format: export.Mermaid}); !errors.Is(err, export.ErrFormat) {
		t.Errorf("mermaid stream: %v", err)
	}
}
