package econn

import "flag"

// update is accepted so that `go test ./... -update`, which rewrites the
// golden files of the packages that have them, runs here too; this
// package keeps no golden files (the multi-connection scenarios and their
// transcripts live in testdata/scenarios and testdata/golden at the root).
var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")
