package hallview

import "errors"

// Sentinel errors.
var (
	// ErrGap: an event's sequence is beyond the next one expected; some
	// events were missed and the model needs a fresh snapshot.
	ErrGap = errors.New("hallview: gap in the event stream")
	// ErrNotLoaded: Apply before the first Load.
	ErrNotLoaded = errors.New("hallview: no snapshot loaded")
	// ErrInconsistent: the controller kept changing while a snapshot was
	// taken, so no consistent snapshot could be read.
	ErrInconsistent = errors.New("hallview: snapshot kept changing while it was read")
)
