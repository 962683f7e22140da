// Command callreplay lists, shows, verifies, exports and redacts recorded
// calls: every call in a callrec event log is rebuilt step by step from its
// log by the current code.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], newSystemIO())) }
