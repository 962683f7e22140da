package export

import "errors"

// ErrFormat: the format named is not one of Formats.
var ErrFormat = errors.New("unknown export format")
