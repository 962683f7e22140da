package ecall

import (
	"path/filepath"
	"testing"
)

// TestRecordedLine: a new log says "recorded", one with calls "added" and
// the count; more than three calls are summed up.
func TestRecordedLine(t *testing.T) {
	for _, c := range []struct {
		before int
		ids    []string
		want   string
	}{
		{0, []string{"call-0001"}, "recorded call-0001 in x.db"},
		{1, []string{"call-0002"}, "added call-0002 to x.db (2 calls)"},
		{2, []string{"c3", "c4", "c5", "c6"}, "added 4 calls (c3 to c6) to x.db (6 calls)"},
	} {
		if got := RecordedLine("x.db", c.before, c.ids); got != c.want {
			t.Errorf("RecordedLine(%d, %q) = %q, want %q", c.before, c.ids, got, c.want)
		}
	}
}

// TestLogCallIDsOfNoLog: no path, or a file that is not there, lists no
// call and adds none.
func TestLogCallIDsOfNoLog(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.db")
	if ids := LogCallIDs(""); ids != nil {
		t.Errorf("no path: %q", ids)
	}
	if ids := LogCallIDs(missing); ids != nil {
		t.Errorf("missing file: %q", ids)
	}
	if line := AddedLine(missing, nil); line != "" {
		t.Errorf("AddedLine of a missing file: %q", line)
	}
}
