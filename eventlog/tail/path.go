package tail

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// maxSocketPath is the longest socket path every Unix accepts (macOS's
// sun_path holds 104 bytes with the terminating NUL; Linux's 108).
const maxSocketPath = 103

// tmpNameLen is what Serve adds to the socket's directory while it binds
// the socket in a private directory there (see listen).
const tmpNameLen = len("/.callrec-tail-0123456789/s")

// SocketPath returns where the recorder of the log at logPath serves it:
// next to the log, as LOG.tail, when that path is short enough for a
// socket; else in a directory of the user's own under the system's
// temporary directory, named by a hash of the log's absolute path. The
// log is named by its real path (symbolic links resolved), so that the
// recorder and a follower that name it differently meet.
func SocketPath(logPath string) (string, error) {
	p, err := filepath.Abs(logPath)
	if err != nil {
		return "", fmt.Errorf("tail: %w", err)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	s := p + ".tail"
	if len(s) <= maxSocketPath && len(filepath.Dir(s))+tmpNameLen <= maxSocketPath {
		return s, nil
	}
	sum := sha256.Sum256([]byte(p))
	return filepath.Join(privateDir(), hex.EncodeToString(sum[:12])+".tail"), nil
}

// privateDir is the directory of the user's sockets for long log paths.
func privateDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("callrec-tail-%d", os.Getuid()))
}
