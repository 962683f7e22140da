package clocks

import (
	"time"

	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/pair"
)

// Estimator collects the paired messages of a call and estimates its
// devices' clocks from them. It keeps, per pair of devices and direction,
// the smallest skew seen (receive time minus send time): the fastest
// message bounds the offset best.
type Estimator struct {
	eps   []eventlog.Endpoint
	index map[eventlog.Endpoint]int
	links map[[2]int]*link
}

// link is what the messages between devices i < j say: per direction
// (0: i to j, 1: j to i), the smallest skew and how many messages.
type link struct {
	minSkew [2]time.Duration
	n       [2]int
}

// interval is a range of offsets, each end possibly open (unbounded).
type interval struct {
	lo, hi         time.Duration
	loOpen, hiOpen bool
}

// NewEstimator returns an Estimator for a call of the devices eps (more
// join as messages name them).
func NewEstimator(eps []eventlog.Endpoint) *Estimator {
	e := &Estimator{index: map[eventlog.Endpoint]int{}, links: map[[2]int]*link{}}
	for _, ep := range eps {
		e.device(ep)
	}
	return e
}

func (e *Estimator) device(ep eventlog.Endpoint) int {
	i, ok := e.index[ep]
	if !ok {
		i = len(e.eps)
		e.index[ep] = i
		e.eps = append(e.eps, ep)
	}
	return i
}

// Add takes one result of pairing; only a message paired between two
// devices says anything about their clocks.
func (e *Estimator) Add(r pair.Result) {
	if r.Status != pair.Paired || r.Send.Endpoint == r.Recv.Endpoint {
		return
	}
	s, t := e.device(r.Send.Endpoint), e.device(r.Recv.Endpoint)
	dir := 0
	if s > t {
		s, t, dir = t, s, 1
	}
	l := e.links[[2]int{s, t}]
	if l == nil {
		l = &link{}
		e.links[[2]int{s, t}] = l
	}
	if skew := r.Skew(); l.n[dir] == 0 || skew < l.minSkew[dir] {
		l.minSkew[dir] = skew
	}
	l.n[dir]++
}

// between returns the offsets of device j from device i (what to add to
// j's times to read them on i's clock) that l allows: i to j messages are
// received no earlier than sent (offset >= -minSkew[0]), nor j to i ones
// (offset <= minSkew[1]). A direction without messages leaves its end
// open.
func (l *link) between() interval {
	return interval{lo: -l.minSkew[0], hi: l.minSkew[1], loOpen: l.n[0] == 0, hiOpen: l.n[1] == 0}
}

// closeWith closes the open end of an interval whose closed end the
// recorded times break, by the one-way delay bound d: the messages came
// that way no slower than the call's round trips.
func (iv interval) closeWith(d time.Duration) interval {
	switch {
	case iv.loOpen && !iv.hiOpen && iv.hi < 0:
		iv.lo, iv.loOpen = iv.hi-d, false
	case iv.hiOpen && !iv.loOpen && iv.lo > 0:
		iv.hi, iv.hiOpen = iv.lo+d, false
	}
	return iv
}

// delayBound is the longest of the call's fastest round trips: for devices
// with messages both ways, the two smallest skews add up to the two
// fastest one-way delays (the offset cancels out), which bounds a fastest
// one-way delay elsewhere.
func (e *Estimator) delayBound() (time.Duration, bool) {
	var d time.Duration
	ok := false
	for _, l := range e.links {
		if l.n[0] > 0 && l.n[1] > 0 {
			d, ok = max(d, l.minSkew[0]+l.minSkew[1]), true
		}
	}
	return max(d, 0), ok
}

// Estimate aligns every device to the reference, the device with the
// most paired messages, along the paths of narrowest intervals.
func (e *Estimator) Estimate() Estimate {
	est := Estimate{shift: map[eventlog.Endpoint]time.Duration{}}
	if len(e.eps) == 0 {
		return est
	}
	ref := e.reference()
	est.Reference = e.eps[ref]
	ivs, msgs, reached := e.paths(ref)
	d, haveD := e.delayBound()
	for i, ep := range e.eps {
		dev := Device{Endpoint: ep, Reference: i == ref, Aligned: reached[i], Messages: msgs[i]}
		if reached[i] && i != ref {
			iv := ivs[i]
			if haveD {
				iv = iv.closeWith(d)
			}
			dev.Low, dev.High, dev.LowOpen, dev.HighOpen = iv.lo, iv.hi, iv.loOpen, iv.hiOpen
			dev.Shift = iv.shift()
		}
		if dev.Shift != 0 {
			est.shift[ep] = dev.Shift
		}
		est.Devices = append(est.Devices, dev)
	}
	return est
}

// shift is where the interval puts the device: nowhere when its recorded
// times already respect every message (the interval holds 0); else the
// middle of the interval, or its one closed end, the smallest shift that
// makes every message received after it was sent.
func (iv interval) shift() time.Duration {
	switch {
	case (iv.loOpen || iv.lo <= 0) && (iv.hiOpen || iv.hi >= 0):
		return 0
	case iv.loOpen:
		return iv.hi
	case iv.hiOpen:
		return iv.lo
	}
	return iv.lo + (iv.hi-iv.lo)/2
}

// reference is the device with the most paired messages, the first of
// those in a tie.
func (e *Estimator) reference() int {
	count := make([]int, len(e.eps))
	for k, l := range e.links {
		count[k[0]] += l.n[0] + l.n[1]
		count[k[1]] += l.n[0] + l.n[1]
	}
	best := 0
	for i := range count {
		if count[i] > count[best] {
			best = i
		}
	}
	return best
}

// openWidth weighs an open interval against closed ones when choosing
// paths: any closed path is better.
const openWidth = time.Duration(1) << 50

// width is how uncertain an interval is, for choosing paths.
func (iv interval) width() time.Duration {
	if iv.loOpen || iv.hiOpen {
		return openWidth
	}
	return max(iv.hi-iv.lo, 0)
}

// plus composes the offset of k from j with that of j from i.
func (iv interval) plus(o interval) interval {
	return interval{lo: iv.lo + o.lo, hi: iv.hi + o.hi, loOpen: iv.loOpen || o.loOpen, hiOpen: iv.hiOpen || o.hiOpen}
}

// neg is the interval of i's offset from j, given j's from i.
func (iv interval) neg() interval {
	return interval{lo: -iv.hi, hi: -iv.lo, loOpen: iv.hiOpen, hiOpen: iv.loOpen}
}

// paths finds, for every device, the interval of its offset from the
// reference along the path whose intervals add up narrowest (Dijkstra;
// calls have few devices, so a plain scan picks the next one).
func (e *Estimator) paths(ref int) (ivs []interval, msgs []int, reached []bool) {
	n := len(e.eps)
	ivs, msgs, reached = make([]interval, n), make([]int, n), make([]bool, n)
	cost := make([]time.Duration, n)
	done := make([]bool, n)
	reached[ref] = true
	for {
		cur := -1
		for i := range n {
			if reached[i] && !done[i] && (cur < 0 || cost[i] < cost[cur]) {
				cur = i
			}
		}
		if cur < 0 {
			return ivs, msgs, reached
		}
		done[cur] = true
		for k, l := range e.links {
			next, iv := k[1], l.between()
			switch cur {
			case k[0]:
			case k[1]:
				next, iv = k[0], iv.neg()
			default:
				continue
			}
			if c := cost[cur] + iv.width(); !done[next] && (!reached[next] || c < cost[next]) {
				reached[next], cost[next] = true, c
				ivs[next], msgs[next] = ivs[cur].plus(iv), msgs[cur]+l.n[0]+l.n[1]
			}
		}
	}
}
