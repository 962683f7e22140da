package eventlog

import "syscall"

// mmapPopulate asks mmap to read the whole file in at once (Options.Preload).
const mmapPopulate = syscall.MAP_POPULATE
