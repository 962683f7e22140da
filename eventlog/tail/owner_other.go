//go:build !unix

package tail

import (
	"fmt"
	"io/fs"
)

func ownerOK(fs.FileInfo) bool { return false }

func ensurePrivateDir(dir string) error { return fmt.Errorf("%w: %s", ErrUnsupported, dir) }
