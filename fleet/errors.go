package fleet

import "errors"

// ErrNotFound: the fleet holds no recording by that id.
var ErrNotFound = errors.New("fleet: no such recording")

// ErrDamaged: what the fleet holds of a recording is not a whole call (an
// event missing, one that does not decode, a header that lies).
var ErrDamaged = errors.New("fleet: damaged recording")

// ErrBadURL: the fleet's URL is not a nats:// URL.
var ErrBadURL = errors.New("fleet: bad URL")
