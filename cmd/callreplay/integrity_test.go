package main

import (
	bin "encoding/binary"
	"encoding/json"
	"fmt"
	"github.com/callrec/callrec/internal/cmdtest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
)

// The integrity tests damage real logs with plain bbolt, as a disk, a
// crash of another tool or a hand edit would, and run the callreplay
// binary on them: damage is reported as damage (exit 3, a line naming the
// call and the first bad event), never as a divergence (exit 1) or ok.

// editLog changes the log at path with plain bbolt.
func editLog(t *testing.T, path string, change func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(change); err != nil {
		t.Fatal(err)
	}
}

// events are the stored events of one call, in format 3's layout
// (eventlog/layout3.go): in the shared bucket _calls, keyed by the
// call's number and the Seq.
type events struct {
	b      *bolt.Bucket
	prefix []byte
}

func (e events) key(seq uint64) []byte {
	return bin.BigEndian.AppendUint64(append([]byte(nil), e.prefix...), seq)
}
func (e events) Delete(seq uint64) error        { return e.b.Delete(e.key(seq)) }
func (e events) Get(seq uint64) []byte          { return e.b.Get(e.key(seq)) }
func (e events) Put(seq uint64, v []byte) error { return e.b.Put(e.key(seq), v) }

// editEvents changes the events of call id.
func editEvents(t *testing.T, path, id string, change func(b events) error) {
	t.Helper()
	editLog(t, path, func(tx *bolt.Tx) error {
		calls := tx.Bucket([]byte("_calls"))
		num := calls.Get(append([]byte{0, 0, 0, 0}, id...))
		if len(num) != 4 {
			return fmt.Errorf("no call %s in %s", id, path)
		}
		return change(events{b: calls, prefix: num})
	})
}

// forgetOutcome deletes call id's stored outcome (in the records bucket
// nested in _calls, tag 3), as if its writer had never closed.
func forgetOutcome(t *testing.T, path, id string) {
	t.Helper()
	editLog(t, path, func(tx *bolt.Tx) error {
		calls := tx.Bucket([]byte("_calls"))
		num := calls.Get(append([]byte{0, 0, 0, 0}, id...))
		if len(num) != 4 || calls.Bucket([]byte{0}).Get(append(num, 3)) == nil {
			return fmt.Errorf("no call %s with an outcome in %s", id, path)
		}
		return calls.Bucket([]byte{0}).Delete(append(num, 3))
	})
}

// firstOf returns the Seq of the first event of c of type typ.
func firstOf(t *testing.T, c call, typ string) uint64 {
	t.Helper()
	for i, ev := range c.events {
		if ev.Type == typ {
			return uint64(i + 1)
		}
	}
	t.Fatalf("no %s event in call %s", typ, c.meta.ID)
	return 0
}

// lsCall is what `ls --json` says of a call's size and damage.
type lsCall struct {
	ID     string `json:"id"`
	Events uint64 `json:"events"`
	Damage *struct {
		Seq     *uint64 `json:"seq"`
		Problem string  `json:"problem"`
	} `json:"damage"`
}

func lsJSON(t *testing.T, path string) []lsCall {
	t.Helper()
	r := execCmd(t, "ls", path, "--json")
	var calls []lsCall
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &calls) != nil {
		t.Fatalf("ls --json: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	return calls
}

// TestVerifyDamagedCall: an event deleted (a note, an input, the last
// one) or a stray key added is reported by verify as damage at the first
// bad Seq, exit 3, the call not replayed. ls lists a closed call from its
// records, without reading an event: the length it recorded, no damage.
// A call whose writer never closed it, ls checks key by key (it reads
// the events anyway for the outcome) and lists damaged.
func TestVerifyDamagedCall(t *testing.T) {
	c := basicCall(t)
	n := uint64(len(c.events))
	note, input := firstOf(t, c, "app.answer"), firstOf(t, c, "Answer")+4 // the Recv of the peer's answer
	if c.events[input-1].Type != "Recv" {
		t.Fatalf("event %d is %s, the test wants a Recv", input, c.events[input-1].Type)
	}
	for _, tc := range []struct {
		name   string
		change func(b events) error
		seq    uint64
		stored uint64
		want   string
	}{
		{"note deleted", func(b events) error { return b.Delete(note) }, note, n - 1,
			fmt.Sprintf("event %d: missing (event %d follows %d)", note, note+1, note-1)},
		{"input deleted", func(b events) error { return b.Delete(input) }, input, n - 1,
			fmt.Sprintf("event %d: missing (event %d follows %d)", input, input+1, input-1)},
		{"last deleted", func(b events) error { return b.Delete(n) }, n, n - 1,
			fmt.Sprintf("event %d: missing (the call committed %d)", n, n)},
		{"stray key 0", func(b events) error { return b.Put(0, b.Get(note)) }, 0, n,
			"event 0: stray key 0 (events start at 1)"},
		{"stray seq+1000", func(b events) error { return b.Put(n+1000, b.Get(note)) }, n + 1, n + 1,
			fmt.Sprintf("event %d: missing through event %d (event %d follows %d)", n+1, n+999, n+1000, n)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeCalls(t, c)
			editEvents(t, path, c.meta.ID, tc.change)
			for _, closed := range []bool{true, false} {
				if !closed {
					forgetOutcome(t, path, c.meta.ID)
				}
				r := execCmd(t, "verify", path)
				line := fmt.Sprintf("DAMAGED   %s  call %s  %s\n", path, c.meta.ID, tc.want)
				if r.code != cmdutil.ExitInput || !strings.HasPrefix(r.stdout, line) || strings.Contains(r.stdout, "DIVERGED") ||
					!strings.Contains(r.stdout, ": 0 ok, 0 diverged, 1 call damaged\n") || r.stderr != "" {
					t.Fatalf("verify (closed %t): exit %d, want %d and %q\nstdout: %s\nstderr: %s", closed, r.code, cmdutil.ExitInput, line, r.stdout, r.stderr)
				}
				calls := lsJSON(t, path)
				if closed {
					if len(calls) != 1 || calls[0].Events != n || calls[0].Damage != nil {
						t.Fatalf("ls --json of the closed call: %+v, want %d events, no damage", calls, n)
					}
					continue
				}
				if len(calls) != 1 || calls[0].Events != tc.stored || calls[0].Damage == nil ||
					calls[0].Damage.Seq == nil || *calls[0].Damage.Seq != tc.seq {
					t.Fatalf("ls --json: %+v, want damage at %d, %d events", calls, tc.seq, tc.stored)
				}
				out := execCmd(t, "ls", path)
				row := regexp.MustCompile(fmt.Sprintf(`(?m)^call-1 .* %d +DAMAGED event %d: `, tc.stored, tc.seq))
				if out.code != 0 || !row.MatchString(out.stdout) {
					t.Fatalf("ls: exit %d\n%s%s", out.code, out.stdout, out.stderr)
				}
			}
		})
	}
}

// TestVerifyLeakedPage: a log that reads well but fails bbolt's page
// check is damaged, not ok.
func TestVerifyLeakedPage(t *testing.T) {
	path := writeCalls(t, basicCall(t), generate(t, "glare", simtest.Glare))
	// Free pages come from rewriting: add and delete a note's worth.
	editLog(t, path, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("scratch"))
		for i := range 200 {
			if err == nil {
				err = b.Put(bin.BigEndian.AppendUint64(nil, uint64(i)), make([]byte, 100))
			}
		}
		return err
	})
	editLog(t, path, func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("scratch")) })
	leakFreePage(t, path)
	r := execCmd(t, "verify", path)
	checkOneLine(t, r, cmdutil.ExitInput, "unreachable unfreed")
	if !strings.Contains(r.stdout, ": 0 ok, 0 diverged, 1 log unreadable\n") {
		t.Fatalf("stdout: %s", r.stdout)
	}
}

// leakFreePage drops the last page id from the file's free list, in place:
// that page is then neither reachable nor free, which bbolt's check
// reports; the meta checksum does not cover the free list, so the file
// opens and reads as before.
func leakFreePage(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u64 := bin.LittleEndian.Uint64
	pageSize := int(bin.LittleEndian.Uint32(data[16+8:])) // meta 0 says it
	// meta pages 0 and 1 (the higher txid is current): a 16-byte page
	// header, then magic, version, page size, flags (4 bytes each), the
	// root bucket (16), the free list's page (8), high-water mark, txid.
	meta := func(p int) []byte { return data[p*pageSize+16:] }
	m := meta(0)
	if u64(meta(1)[48:]) > u64(m[48:]) {
		m = meta(1)
	}
	free := int(u64(m[32:])) * pageSize
	count := bin.LittleEndian.Uint16(data[free+10:])
	if count == 0 || count == 0xFFFF {
		t.Fatalf("the free list holds %d pages; the test needs a short list", count)
	}
	bin.LittleEndian.PutUint16(data[free+10:], count-1)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyUnreadableCall: a call whose event does not decode is counted
// as damaged, never as ok, and the calls after it are still verified.
func TestVerifyUnreadableCall(t *testing.T) {
	path := writeCalls(t, basicCall(t), generate(t, "glare", simtest.Glare))
	editEvents(t, path, "call-1", func(b events) error { return b.Put(20, []byte{3, 0, 99}) })
	r := execCmd(t, "verify", path)
	if r.code != cmdutil.ExitInput || !strings.Contains(r.stdout, "DAMAGED   "+path+"  call call-1  event 20: ") ||
		!strings.Contains(r.stdout, "ok        "+path+"  call glare") ||
		!regexp.MustCompile(`verified 2 calls .*: 1 ok, 0 diverged, 1 call damaged\n$`).MatchString(r.stdout) {
		t.Fatalf("verify: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	r = execCmd(t, "verify", path, "--json")
	var run struct {
		Logs []struct {
			Calls []struct {
				CallID string `json:"call_id"`
				OK     bool   `json:"ok"`
				Damage *struct {
					Damaged bool    `json:"damaged"`
					Seq     *uint64 `json:"seq"`
				} `json:"damage"`
			} `json:"calls"`
		} `json:"logs"`
		Summary struct{ Calls, OK, Damaged int } `json:"summary"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &run); err != nil || r.code != cmdutil.ExitInput {
		t.Fatalf("verify --json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	calls := run.Logs[0].Calls
	if run.Summary.Calls != 2 || run.Summary.OK != 1 || run.Summary.Damaged != 1 || len(calls) != 2 ||
		calls[0].OK || calls[0].Damage == nil || !calls[0].Damage.Damaged || *calls[0].Damage.Seq != 20 || !calls[1].OK {
		t.Fatalf("verify --json:\n%s", r.stdout)
	}
	// ls lists both. It takes each call's outcome as stored when the call
	// closed and reads no event (ls is O(calls)), so damage inside an
	// event's bytes is verify's to find; the keys it still checks.
	if ls := lsJSON(t, path); len(ls) != 2 || ls[0].Damage != nil || ls[1].Damage != nil {
		t.Fatalf("ls --json: %+v", ls)
	}
	// Without a stored outcome, ls reads the events, meets the damage and
	// lists the call damaged, its outcome an empty list.
	forgetOutcome(t, path, "call-1")
	r = execCmd(t, "ls", path, "--json")
	var ls []struct {
		Outcome []json.RawMessage `json:"outcome"`
		Damage  *struct {
			Seq *uint64 `json:"seq"`
		} `json:"damage"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &ls); err != nil || len(ls) != 2 || ls[0].Damage == nil ||
		ls[0].Damage.Seq == nil || *ls[0].Damage.Seq != 20 || ls[0].Outcome == nil || len(ls[0].Outcome) != 0 {
		t.Fatalf("ls --json of the unclosed damaged call: %v\n%s", err, r.stdout)
	}
}

// TestDuplicateIndexEntry: a calls index listing a call twice is damage
// to every command: verify does not verify the call twice, redact does
// not fail half-way (exit 4) but refuses it (exit 3), ls says so.
func TestDuplicateIndexEntry(t *testing.T) {
	path := writeCalls(t, basicCall(t), generate(t, "glare", simtest.Glare))
	editLog(t, path, func(tx *bolt.Tx) error {
		calls := tx.Bucket([]byte("_callrec")).Bucket([]byte("calls"))
		n, err := calls.NextSequence()
		if err != nil {
			return err
		}
		return calls.Put(bin.BigEndian.AppendUint64(nil, n), []byte("call-1"))
	})
	const want = "call call-1: listed twice in the calls index (entries 1 and 3)"
	r := execCmd(t, "verify", path)
	checkOneLine(t, r, cmdutil.ExitInput, want)
	if strings.Contains(r.stdout, "ok    ") || !strings.Contains(r.stdout, "1 log unreadable") {
		t.Fatalf("verify stdout: %s", r.stdout)
	}
	out := filepath.Join(t.TempDir(), "redacted.log")
	checkOneLine(t, execCmd(t, "redact", path, out), cmdutil.ExitInput, want)
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused redact left its output behind")
	}
	checkOneLine(t, execCmd(t, "ls", path), cmdutil.ExitInput, want)
}

// TestRedactDamagedCall: redact refuses a call with a missing event
// rather than renumber the rest into a log that verifies.
func TestRedactDamagedCall(t *testing.T) {
	c := basicCall(t)
	path := writeCalls(t, c)
	editEvents(t, path, c.meta.ID, func(b events) error { return b.Delete(7) })
	out := filepath.Join(t.TempDir(), "redacted.log")
	checkOneLine(t, execCmd(t, "redact", path, out), cmdutil.ExitInput, "call call-1: event 7: missing")
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused redact left its output behind")
	}
}

// execCmd runs the built callreplay binary, as a user runs it.
func execCmd(t *testing.T, args ...string) result {
	t.Helper()
	r := callreplay.Run(t, args...)
	return result{code: r.Code, stdout: r.Stdout, stderr: r.Stderr}
}

// checkOneLine checks the exit status and that stderr is one line naming want.
func checkOneLine(t *testing.T, r result, code int, want string) {
	t.Helper()
	callreplay.CheckOneLine(t, cmdtest.Result{Code: r.code, Stdout: r.stdout, Stderr: r.stderr}, code, want)
}
