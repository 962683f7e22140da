package eventlog

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
	dropMapped(r.log.db.Info().Data, r.tx.Size())
}

// walk counts a key the cursor passes and releases the mapping's pages
// every ReleaseEvery keys: a cursor that reads a whole call, or skips
// through it under a filter, leaves at most that many events' pages
// resident.
func (c *Cursor) walk() {
	if c.n++; c.n%ReleaseEvery == 0 {
		c.r.ReleasePages()
	}
}
