package mediaflow

import "sync"

// dispatcher delivers events to the caller's function from one goroutine, in
// the order they were posted. pion calls its handlers from many goroutines;
// funnelling them here means the caller's function never runs concurrently
// with itself and never runs after Close has returned. The queue is
// unbounded so that a pion goroutine posting an event never waits.
type dispatcher struct {
	fn func(Event)

	mu     sync.Mutex
	queue  []Event
	closed bool
	spare  []Event // the other queue, empty; run's goroutine only

	wake chan struct{} // a token means the queue may be non-empty
	stop chan struct{} // closed by close: drain once more, then return
	done chan struct{} // closed when run has returned
}

func newDispatcher(fn func(Event)) *dispatcher {
	d := &dispatcher{
		fn:   fn,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go d.run()
	return d
}

// post queues e for delivery; after close it drops e.
func (d *dispatcher) post(e Event) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.queue = append(d.queue, e)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

func (d *dispatcher) run() {
	defer close(d.done)
	for {
		select {
		case <-d.wake:
			d.drain()
		case <-d.stop:
			d.drain()
			return
		}
	}
}

// drain delivers what is queued. Two queues take turns: post appends to
// one while drain delivers the other, so the dispatcher allocates no new
// queue for every batch of events.
func (d *dispatcher) drain() {
	for {
		d.mu.Lock()
		batch := d.queue
		if len(batch) == 0 {
			d.mu.Unlock()
			return
		}
		d.queue, d.spare = d.spare, nil
		d.mu.Unlock()
		for _, e := range batch {
			if d.fn != nil {
				d.fn(e)
			}
		}
		clear(batch)
		d.spare = batch[:0]
	}
}

// close delivers what is queued, refuses further events and waits until
// the delivering goroutine has returned.
func (d *dispatcher) close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		<-d.done
		return
	}
	d.closed = true
	d.mu.Unlock()
	close(d.stop)
	<-d.done
}
