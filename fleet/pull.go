package fleet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/merge"
)

// Pull writes every recording of call into a new log at out, merged as
// `callreplay merge` merges the devices' logs of one call: each recording
// is fetched into a log of its own in a temporary directory, then
// merge.Files joins them. out must not exist (merge.ErrExists).
func (c *Client) Pull(ctx context.Context, call Call, out string, opts merge.Options) (merge.Report, error) {
	if _, err := os.Lstat(out); err == nil {
		return merge.Report{Out: out}, fmt.Errorf("%s %w", out, merge.ErrExists)
	}
	dir, err := os.MkdirTemp(filepath.Dir(out), ".callrec-pull-")
	if err != nil {
		return merge.Report{Out: out}, err
	}
	defer os.RemoveAll(dir)
	var paths []string
	for i, r := range call.Recordings {
		p := filepath.Join(dir, fmt.Sprintf("%03d-%s.log", i, r.Rec))
		if err := c.fetchInto(ctx, r.Rec, p); err != nil {
			return merge.Report{Out: out}, err
		}
		paths = append(paths, p)
	}
	return merge.Files(paths, out, opts)
}

// fetchInto writes recording rec into a new log at path. The log is a
// scratch copy merge reads at once: it is written without fsync (a crash
// loses only the copy, the fleet still holds the recording).
func (c *Client) fetchInto(ctx context.Context, rec, path string) (err error) {
	l, err := eventlog.Open(path, 0o600, &eventlog.Options{NoSync: true, BatchSize: 4096})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := l.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = c.Fetch(ctx, rec, l)
	return err
}
