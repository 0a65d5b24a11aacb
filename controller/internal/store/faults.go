package store

import (
	"fmt"
	"sync"
)

// Named fault points, in the spirit of etcd's gofail: production code asks
// whether a fault is armed at a point; failure tests arm them. Unarmed, a
// check is one map lookup under a read lock.
const (
	FaultBeforeCommit = "store.commit.before" // Commit fails before writing
	FaultInCommit     = "store.commit.during" // Commit fails inside the transaction (rolled back)
)

var faults struct {
	sync.RWMutex
	armed map[string]int // remaining hits; -1 for always
}

// ArmFault makes the next n checks of a point fail (n < 0: until disarmed).
func ArmFault(point string, n int) {
	faults.Lock()
	defer faults.Unlock()
	if faults.armed == nil {
		faults.armed = map[string]int{}
	}
	faults.armed[point] = n
}

// DisarmFaults clears every fault point.
func DisarmFaults() {
	faults.Lock()
	defer faults.Unlock()
	faults.armed = nil
}

func fault(point string) error {
	faults.RLock()
	n, ok := faults.armed[point]
	faults.RUnlock()
	if !ok || n == 0 {
		return nil
	}
	faults.Lock()
	if n > 0 {
		faults.armed[point] = n - 1
	}
	faults.Unlock()
	return fmt.Errorf("%w at %s", ErrFault, point)
}
