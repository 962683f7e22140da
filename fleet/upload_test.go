package fleet

import (
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
			wantMeta, want := readCall(t, path, id)
			gotMeta, got := readCallOf(t, out, infos[i].Meta.ID)
			sameCall(t, path+" "+id, wantMeta, gotMeta, want, got)
		}
	}
}
