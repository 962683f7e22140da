// Command callrec records Calling 3.0 calls into an event log: simulated
// calls from scenario files (sim), and live calls with real media (demo,
// serve, call).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
