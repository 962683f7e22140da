package eventlog

import "syscall"

// The advice the log gives about its mapping.
const (
	adviceDrop     = syscall.MADV_DONTNEED
	adviceWillNeed = syscall.MADV_WILLNEED
)

// advise gives the kernel advice about the size bytes of the mapping at
// addr. bbolt maps at least the file's size, so the range is mapped; an
// error (none is expected) changes nothing the caller could act on.
func advise(addr uintptr, size int64, advice int) {
	if size <= 0 {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(size), uintptr(advice))
}
