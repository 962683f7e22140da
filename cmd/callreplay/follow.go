package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/export"
	"github.com/callrec/callrec/eventlog/tail"
	"github.com/callrec/callrec/viewer"
)

// followTimeout bounds connecting to a recorder and its first answer.
const followTimeout = 5 * time.Second

// follow attaches to the recorder writing the log at path and asks for
// call id ("" the one it records). Errors wrap tail.ErrNoRecorder when
// nobody serves the log; the others are bad input.
func follow(ctx context.Context, path, id string) (*tail.Follower, error) {
	f, err := tail.Follow(ctx, path, id, &tail.Options{Timeout: followTimeout})
	if err != nil {
		return nil, cmdutil.InputError(err)
	}
	return f, nil
}

// openOrFollow opens the log at path, or, when a recorder holds it,
// follows call id through the recorder. With preferLive the recorder is
// asked first, so that following does not wait out the lock's timeout.
// Exactly one of l and f is set.
func openOrFollow(ctx context.Context, path, id string, preferLive bool) (l *eventlog.Log, f *tail.Follower, err error) {
	if preferLive {
		f, err = follow(ctx, path, id)
		if !errors.Is(err, tail.ErrNoRecorder) {
			return nil, f, err
		}
	}
	l, err = openCallLog(path)
	if !errors.Is(err, eventlog.ErrLocked) {
		return l, nil, err
	}
	// A recorder that was starting while the lock was awaited serves by now.
	if f, ferr := follow(ctx, path, id); ferr == nil {
		return nil, f, nil
	} else if !errors.Is(ferr, tail.ErrNoRecorder) {
		return nil, nil, ferr
	}
	return nil, nil, err
}

// liveNote is what view says when it follows a recording.
func liveNote(asked bool) string {
	if asked {
		return "following the recording live"
	}
	return "the log is being recorded: following it live (as with --follow)"
}

// viewCatalog is what view shows: the log, or the call a recorder is
// writing into it. close releases it.
func viewCatalog(opts *viewOptions) (cat viewer.Catalog, note string, close func(), err error) {
	if opts.Fleet != "" {
		return fleetCatalog(opts)
	}
	l, f, err := openOrFollow(context.Background(), opts.Log, opts.Call, opts.Follow)
	if err != nil {
		return nil, "", nil, err
	}
	if f != nil {
		lc := viewer.NewLiveCatalog(f)
		return lc, liveNote(opts.Follow), func() { lc.Close() }, nil
	}
	// The viewer jumps around the call: the kernel reads the file into
	// its page cache in the background, so that no jump waits for the
	// disk, while only the pages read stay resident (Preload kept the
	// whole file, 157 MB for a call of 1.8M events).
	_ = l.Prefetch()
	lc := viewer.NewLogCatalog(l, nil)
	if opts.Follow {
		note = "the log is not being recorded: showing it as it is"
	}
	return lc, note, func() { lc.Close(); l.Close() }, nil
}

// interruptible is a context that Ctrl-C (or SIGTERM) ends.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// showFollow prints the call f follows as its events arrive, until the
// recorder closes the call or ctx ends (exit 130).
func showFollow(ctx context.Context, w io.Writer, f *tail.Follower, xo export.Options) error {
	defer f.Close()
	s, err := export.NewStream(w, f.Meta(), xo)
	if err != nil {
		return err
	}
	var n uint64
	for {
		for ; n < f.Count(); n++ {
			ev, err := f.Event(n + 1)
			if err != nil {
				return err
			}
			if err := s.Event(ev); err != nil {
				return err
			}
		}
		if ended, _ := f.Ended(); ended && n == f.Count() {
			if err := f.Err(); err != nil {
				return fmt.Errorf("%s after event %d: %w", f.Path(), n, err)
			}
			return nil
		}
		if err := f.Wait(ctx, n); err != nil {
			return cmdutil.Interrupted(fmt.Errorf("interrupted after event %d; the recording goes on", n))
		}
	}
}
