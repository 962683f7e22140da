package fleet

import "flag"

// -update is accepted for `go test ./... -update`.
var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")
