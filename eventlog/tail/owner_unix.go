//go:build unix

package tail

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ownerOK reports whether fi belongs to this process's user.
func ownerOK(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

// ensurePrivateDir makes dir, mode 0700, or checks that the one there is
// a directory of this user's that nobody else may enter.
func ensurePrivateDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return fmt.Errorf("tail: %w", err)
	}
	fi, err := os.Lstat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("tail: %w", err)
	case !fi.IsDir() || !ownerOK(fi) || fi.Mode().Perm()&0o077 != 0:
		return fmt.Errorf("%w: %s is not a private directory of this user", ErrUnsafe, dir)
	}
	return nil
}
