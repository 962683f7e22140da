package replay

// RestoredCheckpoints counts the index's checkpoints made from recorded
// snapshots, so that a test can tell that a seek used one.
func (ix *Index) RestoredCheckpoints() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := 0
	for _, cp := range ix.cps {
		for _, c := range cp.conns {
			if c.partial {
				n++
				break
			}
		}
	}
	return n
}
