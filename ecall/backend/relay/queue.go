package relay

import "sync"

// outQueue holds the frames waiting for one client, counted in bytes:
// in total, and per sender for deliveries. A frame stays counted until
// the writer has written it, so a frame stuck in a stalled write still
// weighs on its sender's share.
type outQueue struct {
	perSender int64 // bound on one sender's bytes (ServerOptions.SenderQueueBytes)
	total     int64 // bound on all bytes (ServerOptions.QueueBytes)

	mu       sync.Mutex
	items    []queued
	bytes    int64
	bySender map[memberKey]int64
	wake     chan struct{} // holds a token while items wait for the writer
}

// queued is one frame and, for a delivery, the sender it is charged to.
type queued struct {
	data     []byte
	from     memberKey
	fromPeer bool // a delivery (else a frame of the server's own)
}

// Results of outQueue.push.
type pushResult int

const (
	pushed       pushResult = iota
	pushBacklog             // the sender's share for this client is used up: frame refused
	pushOverflow            // the client's whole queue is full: it is not reading
)

func newOutQueue(perSender, total int64) *outQueue {
	return &outQueue{perSender: perSender, total: total,
		bySender: make(map[memberKey]int64), wake: make(chan struct{}, 1)}
}

// push queues a frame. A delivery is refused when its sender already has
// frames waiting for this client and this one would take the sender past
// its share; a first frame always fits the share, so that any one message
// the server accepts can get through. Only when the client's total is
// exceeded — every sender within its share, so the client has stopped
// reading — is the client at fault (pushOverflow).
func (q *outQueue) push(it queued) pushResult {
	n := int64(len(it.data))
	q.mu.Lock()
	defer q.mu.Unlock()
	if it.fromPeer {
		if have := q.bySender[it.from]; have > 0 && have+n > q.perSender {
			return pushBacklog
		}
	}
	if q.bytes > 0 && q.bytes+n > q.total {
		return pushOverflow
	}
	q.items = append(q.items, it)
	q.bytes += n
	if it.fromPeer {
		q.bySender[it.from] += n
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return pushed
}

// roomFor reports whether a frame of n bytes of the server's own fits.
func (q *outQueue) roomFor(n int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes == 0 || q.bytes+int64(n) <= q.total
}

// front returns the oldest frame without removing it.
func (q *outQueue) front() (queued, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return queued{}, false
	}
	return q.items[0], true
}

// pop removes the oldest frame, written, and releases its bytes.
func (q *outQueue) pop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	it := q.items[0]
	q.items[0] = queued{}
	q.items = q.items[1:]
	if len(q.items) == 0 {
		q.items = nil // let the backing array go
	}
	n := int64(len(it.data))
	q.bytes -= n
	if it.fromPeer {
		if q.bySender[it.from] -= n; q.bySender[it.from] <= 0 {
			delete(q.bySender, it.from)
		}
	}
}
