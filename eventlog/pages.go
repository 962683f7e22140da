package eventlog

import bolt "go.etcd.io/bbolt"

// ReleaseEvery is how many events a cursor passes between releases of
// the pages it read (CallReader.ReleasePages): at the 100–400 bytes of a
// typical event a few MiB of the mapping, at 3 KB SETUPs about 48 MiB.
const ReleaseEvery = 1 << 14

// ReleasePages drops the pages of the log's file mapping from this
// process's resident memory. The file is mapped read-only, so nothing is
// lost: the pages stay in the kernel's page cache and a later read maps
// them again (a minor page fault). Without it, a command that reads a
// whole call through the mapping ends with every page of that call
// counted in its resident size, however little it keeps. Cursors call it
// every ReleaseEvery events they pass, so that a command's memory is
// bounded by what it keeps, not by the length of the call.
//
// It is a no-op on a closed reader and where the system has no
// MADV_DONTNEED.
func (r *CallReader) ReleasePages() {
	if r.closed {
		return
	}
	advise(r.log.db.Info().Data, r.tx.Size(), adviceDrop)
}

// Prefetch asks the kernel to read the whole file into its page cache in
// the background (MADV_WILLNEED), without mapping it into this process.
// A program that will jump around a large log, such as a viewer, then
// meets no disk read on a page fault, and its resident memory holds only
// the pages it reads: what Options.Preload gives, without the whole file
// resident and without waiting for it at Open.
func (l *Log) Prefetch() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkOpen(); err != nil {
		return err
	}
	return l.db.View(func(tx *bolt.Tx) error {
		advise(l.db.Info().Data, tx.Size(), adviceWillNeed)
		return nil
	})
}

// walk counts a key the cursor passes and releases the mapping's pages
// every ReleaseEvery keys the reader's cursors passed: a cursor that
// reads a whole call, or skips through it under a filter, or many
// cursors that read a window each, leave at most that many events'
// pages resident.
func (c *Cursor) walk() {
	if c.r.passed++; c.r.passed%ReleaseEvery == 0 {
		c.r.ReleasePages()
	}
}
