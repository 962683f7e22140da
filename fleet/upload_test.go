package fleet

import (
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog/redact"
	"github.com/callrec/callrec/eventlog/replay"
	"path/filepath"
	"testing"
)

// logsUnder lists the logs matching pattern under testdata.
func logsUnder(t *testing.T, pattern string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", pattern))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no logs match %s: %v", pattern, err)
	}
	return paths
}

// TestUploadFetch ships logs of every format version and the golden logs,
// and pulls each recording back equal to its call.
func TestUploadFetch(t *testing.T) {
	// The golden logs are the v1 logs' calls again: each set gets its own
	// fleet, or the second would find its recordings there already.
	for _, pats := range [][]string{{"compat/v1/*.log", "compat/v1/*.db"}, {"compat/v2/*.db"}, {"golden/*.log"}} {
		c := connect(t, serve(t).URL())
		for _, pat := range pats {
			for _, path := range logsUnder(t, pat) {
				uploadFetch(t, c, path)
			}
		}
	}
}

// uploadFetch uploads the log at path and checks that each of its calls
// comes back equal.
func uploadFetch(t *testing.T, c *Client, path string) {
	t.Helper()
	{
		rep, err := c.Upload(testCtx(t), path, UploadOptions{})
		if err != nil {
			t.Fatalf("upload %s: %v", path, err)
		}
		ids := callIDs(t, path)
		if len(rep.Recordings) != len(ids) || rep.Skipped != 0 || rep.Events == 0 {
			t.Fatalf("upload %s: %+v for %d calls", path, rep, len(ids))
		}
		out := fetchAll(t, c, rep.Recordings)
		infos, err := out.Calls()
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			wantMeta, want := simtest.ReadCall(t, path, id)
			gotMeta, got := simtest.CallOf(t, out, infos[i].Meta.ID)
			sameCall(t, path+" "+id, wantMeta, gotMeta, want, got)
		}
	}
}

// TestUploadRedacted ships a log redacted: each recording is the call
// `callreplay redact` would write, and it verifies.
func TestUploadRedacted(t *testing.T) {
	c := connect(t, serve(t).URL())
	src := "../testdata/compat/v2/live-demo.db"
	rep, err := c.Upload(testCtx(t), src, UploadOptions{Redact: true})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(t.TempDir(), "redacted.log")
	if _, err := redact.File(src, want, redact.Options{}); err != nil {
		t.Fatal(err)
	}
	out := fetchAll(t, c, rep.Recordings)
	infos, err := out.Calls()
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range callIDs(t, want) {
		wantMeta, wantEvs := simtest.ReadCall(t, want, id)
		gotMeta, gotEvs := simtest.CallOf(t, out, infos[i].Meta.ID)
		sameCall(t, id, wantMeta, gotMeta, wantEvs, gotEvs)
		rm, err := c.Recording(testCtx(t), rep.Recordings[i])
		if err != nil || !rm.Redacted {
			t.Errorf("recording %s: redacted %v, %v", rep.Recordings[i], rm.Redacted, err)
		}
		r, err := out.Call(infos[i].Meta.ID)
		if err != nil {
			t.Fatal(err)
		}
		vr, err := replay.Verify(replay.Reader(r))
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := vr.Check(); err != nil {
			t.Errorf("the redacted recording does not verify: %v", err)
		}
	}
	// The original's session ids do not travel.
	origMeta, _ := simtest.ReadCall(t, src, callIDs(t, src)[0])
	for _, rec := range rep.Recordings {
		rm, err := c.Recording(testCtx(t), rec)
		if err != nil {
			t.Fatal(err)
		}
		for i, conn := range rm.Meta.Conns {
			if orig := origMeta.Conns[i].Config.SessID; conn.Config.SessID == orig {
				t.Errorf("recording %s holds session id %q of the original", rec, orig)
			}
		}
	}
}
