//go:build !linux

package eventlog

// mmapPopulate is 0 where mmap has no MAP_POPULATE: Options.Preload is then
// a no-op.
const mmapPopulate = 0
