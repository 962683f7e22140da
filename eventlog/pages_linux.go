package eventlog

import "syscall"

// dropMapped advises the kernel that the size bytes of the mapping at
// addr are not needed (MADV_DONTNEED). bbolt maps at least the file's
// size, so the range is mapped; an error (none is expected) changes
// nothing the caller could act on.
func dropMapped(addr uintptr, size int64) {
	if size <= 0 {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(size), syscall.MADV_DONTNEED)
}
