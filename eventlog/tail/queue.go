package tail

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/callrec/callrec/eventlog"
)

// item is what the server queues for a follower: a commit of the call,
// the call's close, or the server's stop.
type item struct {
	at     time.Time
	first  uint64
	events [][]byte
	meta   []byte
	closed bool // the call closed after these events
	stop   bool // the server stops
}

// after returns the item's events with Seq above last.
func (it item) after(last uint64) [][]byte {
	if len(it.events) == 0 || it.first+uint64(len(it.events)) <= last+1 {
		return nil
	}
	return it.events[last+1-min(it.first, last+1):]
}

// follower is one follower's queue on the server: the writer's goroutine
// pushes, the connection's goroutine takes.
type follower struct {
	mu      sync.Mutex
	items   []item
	size    int
	dropped error
	wake    chan struct{}
}

// push queues it, or drops the follower when more than max bytes wait (0:
// no bound). It never blocks.
func (f *follower) push(it item, max int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dropped != nil {
		return
	}
	for _, ev := range it.events {
		f.size += len(ev)
	}
	if max > 0 && f.size > max {
		f.items, f.dropped = nil, fmt.Errorf("this follower fell more than %d bytes behind", max)
	} else {
		f.items = append(f.items, it)
	}
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// take waits for items and returns them all.
func (f *follower) take() ([]item, error) {
	for {
		f.mu.Lock()
		items, err := f.items, f.dropped
		f.items, f.size = nil, 0
		f.mu.Unlock()
		if err != nil || len(items) > 0 {
			return items, err
		}
		<-f.wake
	}
}

// jsonMeta is the metadata as the log stores it.
func jsonMeta(m eventlog.CallMeta) ([]byte, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("tail: encode meta: %w", err)
	}
	return data, nil
}
