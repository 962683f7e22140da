package verify_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/replay"
	"github.com/callrec/callrec/eventlog/verify"
)

// writeLog records the scenario, simulated, as call id into a new log
// and returns its path.
func writeLog(t *testing.T, id, scenario string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), id+".log")
	if err := simtest.WriteLog(path, simtest.Call{ID: id, Scenario: scenario}); err != nil {
		t.Fatal(err)
	}
	return path
}

func open(path string) (*eventlog.Log, error) {
	return eventlog.Open(path, 0, &eventlog.Options{ReadOnly: true})
}

// Logs verified in parallel come back in the order given, each with its
// calls or its error, and add up.
func TestLogsInOrder(t *testing.T) {
	glare := writeLog(t, "glare", simtest.Glare)
	basic := writeLog(t, "basic", simtest.BasicCall(5))
	missing := filepath.Join(t.TempDir(), "missing.log")
	paths := []string{basic, missing, glare, basic, glare}
	var got []string
	var sum verify.Summary
	var text bytes.Buffer
	err := verify.Logs(paths, 3, open, func(r verify.LogResult) error {
		got = append(got, r.Path)
		sum.Add(r)
		if r.Path == missing && r.Err == nil || r.Path != missing && (r.Err != nil || len(r.Calls) != 1) {
			t.Errorf("%s: %+v", r.Path, r)
		}
		return verify.WriteText(&text, r, false, 100)
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != strings.Join(paths, " ") {
		t.Fatalf("order %v, want %v", got, paths)
	}
	if sum.Logs != 5 || sum.Calls != 4 || sum.Unreadable != 1 || sum.Diverged != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if n := strings.Count(text.String(), fmt.Sprintf("format v%d", eventlog.FormatVersion)); n != 4 {
		t.Fatalf("%d calls say their format version:\n%s", n, text.String())
	}
	// each's error stops the run and comes back.
	stop := errors.New("stop")
	n := 0
	if err := verify.Logs(paths, 2, open, func(verify.LogResult) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("Logs after an error: %v, %d calls", err, n)
	}
}

func TestFieldDiffs(t *testing.T) {
	a := econn.Send{Msg: &econn.Message{Type: econn.MsgSetup, SessID: "x", Resp: true}}
	b := econn.Send{Msg: &econn.Message{Type: econn.MsgSetup, SessID: "y", Resp: true}}
	d := verify.FieldDiffs(a, b)
	if len(d) != 1 || d[0] != (verify.FieldDiff{Field: "Msg.SessID", Recorded: `"x"`, Replayed: `"y"`}) {
		t.Fatalf("diffs %+v", d)
	}
	d = verify.FieldDiffs(a, econn.Answered{})
	if len(d) != 1 || d[0].Field != "type" || d[0].Recorded != "Send" || d[0].Replayed != "Answered" {
		t.Fatalf("diffs of different types %+v", d)
	}
	// A missing output is named as divergences name it.
	d = verify.FieldDiffs(nil, a)
	if len(d) != 1 || d[0].Field != "type" || d[0].Recorded != replay.OutputName(nil) || d[0].Replayed != "Send" {
		t.Fatalf("diffs against nothing %+v", d)
	}
	if d = verify.FieldDiffs(a, a); len(d) != 0 {
		t.Fatalf("equal outputs differ in %+v", d)
	}
}

// A damaged call is not replayed but reported at its first bad event,
// even when quiet; it never counts as ok, and the other calls go on.
// Recorded refuses it too.
func TestDamagedCall(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "basic", Scenario: simtest.BasicCall(2)},
		simtest.Call{ID: "glare", Scenario: simtest.Glare}); err != nil {
		t.Fatal(err)
	}
	damage(t, path, "basic", 11)
	r := verify.Log(path, open)
	if r.Err != nil || len(r.Calls) != 1 || r.Calls[0].CallID != "glare" || len(r.Unverified) != 1 {
		t.Fatalf("result %+v", r)
	}
	if d := r.Unverified[0].Damage(); r.Unverified[0].CallID != "basic" || d == nil || d.Seq != 11 || !d.HasSeq {
		t.Fatalf("unverified %+v", r.Unverified[0])
	}
	var sum verify.Summary
	sum.Add(r)
	if sum.Calls != 2 || sum.OK() != 1 || sum.Damaged != 1 || sum.Diverged != 0 {
		t.Fatalf("summary %+v, %d ok", sum, sum.OK())
	}
	var text bytes.Buffer
	if err := verify.WriteText(&text, r, true, 100); err != nil {
		t.Fatal(err)
	}
	if want := "DAMAGED   " + path + "  call basic  event 11: missing (event 12 follows 10)\n"; text.String() != want {
		t.Fatalf("quiet text %q, want %q", text.String(), want)
	}
	if j := verify.SummaryJSONOf(sum, 0); j.OK != 1 || j.Damaged != 1 {
		t.Fatalf("JSON summary %+v", j)
	}
	var d *eventlog.DamageError
	if _, err := verify.Recorded(path, "basic"); !errors.As(err, &d) || d.Seq != 11 {
		t.Fatalf("Recorded of a damaged call: %v", err)
	}
}

// TestLogParallel: verified by several workers, a log's calls come back
// in the log's order, each call's report the same as with one worker,
// every call seen by OnCall in order, a damaged call among them in its
// place.
func TestLogParallel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "many.log")
	var calls []simtest.Call
	for i := range 45 {
		sc := simtest.Glare
		if i%3 == 0 {
			sc = simtest.BasicCall(i % 5)
		}
		calls = append(calls, simtest.Call{ID: fmt.Sprintf("c%02d", i), Scenario: sc})
	}
	if err := simtest.WriteLog(path, calls...); err != nil {
		t.Fatal(err)
	}
	damage(t, path, "c21", 3)
	var results []verify.LogResult
	for _, workers := range []int{1, 2, 3, 4, 45, 100} { // 2: batches of 2 calls, the last of 1
		var seen []verify.CallDone
		total := -1
		r := verify.LogWith(path, verify.LogOptions{Open: open, Workers: workers,
			OnCalls: func(n int) { total = n }, OnCall: func(c verify.CallDone) { seen = append(seen, c) }})
		if r.Err != nil || len(r.Calls) != 44 || len(r.Unverified) != 1 || r.Unverified[0].CallID != "c21" || total != 45 {
			t.Fatalf("%d workers: %+v, %d calls", workers, r, total)
		}
		for i, c := range r.Calls {
			if want := fmt.Sprintf("c%02d", i+min(i/21, 1)); c.CallID != want || !c.OK() {
				t.Fatalf("%d workers: call %d is %s (ok %v), want %s", workers, i, c.CallID, c.OK(), want)
			}
		}
		if len(seen) != 45 {
			t.Fatalf("%d workers: OnCall saw %d calls", workers, len(seen))
		}
		for i, c := range seen {
			if c.Index != i || c.Failed != (i == 21) || c.Diverged {
				t.Fatalf("%d workers: OnCall %d: %+v", workers, i, c)
			}
		}
		results = append(results, r)
	}
	for _, r := range results[1:] {
		if fmt.Sprint(r.Calls) != fmt.Sprint(results[0].Calls) {
			t.Fatalf("reports differ with more workers:\n%v\n%v", r.Calls, results[0].Calls)
		}
	}
}

// TestLogDamagedFile: damage found by the file's check, which runs
// beside the calls' workers, is the log's result, with no call reported,
// however many workers.
func TestLogDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "many.log")
	var calls []simtest.Call
	for i := range 30 {
		calls = append(calls, simtest.Call{ID: fmt.Sprintf("c%02d", i), Scenario: simtest.Glare})
	}
	if err := simtest.WriteLog(path, calls...); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A key of no call in the bucket format 3's calls share: the
	// file's check names it; the calls themselves read well.
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("_calls")).Put([]byte("\xff\xff\xff\xffstray"), []byte("x"))
	})
	if err := errors.Join(err, db.Close()); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2, 8} {
		r := verify.LogWith(path, verify.LogOptions{Open: open, Workers: workers})
		var d *eventlog.DamageError
		if !errors.As(r.Err, &d) || len(r.Calls) != 0 || len(r.Unverified) != 0 {
			t.Fatalf("%d workers: err %v, %d calls, %d unverified", workers, r.Err, len(r.Calls), len(r.Unverified))
		}
	}
}

// damage deletes event seq of call id: from the call's own bucket
// (formats 1 and 2), or from the bucket the calls share (format 3,
// eventlog/layout3.go: keyed by the call's number, the tag 5 and the Seq).
func damage(t *testing.T, path, id string, seq uint64) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(id)); b != nil {
			return b.Bucket([]byte("events")).Delete(binary.BigEndian.AppendUint64(nil, seq))
		}
		// Format 3 (eventlog/layout3.go): _calls keys an event by the
		// call's number and its Seq.
		calls := tx.Bucket([]byte("_calls"))
		num := calls.Get(append([]byte{0, 0, 0, 0}, id...))
		key := binary.BigEndian.AppendUint64(append([]byte(nil), num...), seq)
		if len(num) != 4 || calls.Get(key) == nil {
			return fmt.Errorf("no event %d of call %s in %s", seq, id, path)
		}
		return calls.Delete(key)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}
