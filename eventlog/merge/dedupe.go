package merge

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/callrec/callrec/eventlog"
)

// Duplicate is a device two recordings of one call hold identically: the
// later one's copy is left out.
type Duplicate struct {
	Device        eventlog.Endpoint
	Kept, Dropped Source
}

// dedupe finds the devices that several recordings of g claim. The first
// recording that claims a device gives its events; a later one must hold
// the same events at the same wall-clock times, and then its copy is
// dropped (and reported), else the merge is refused with ErrConflict.
func dedupe(g []*recording) ([]Duplicate, error) {
	var dups []Duplicate
	first := map[eventlog.Endpoint]*recording{}
	for _, r := range g {
		for _, ep := range r.info.Meta.Endpoints {
			kept, ok := first[ep]
			if !ok {
				first[ep] = r
				continue
			}
			if err := sameDevice(kept, r, ep); err != nil {
				return nil, err
			}
			if r.drop == nil {
				r.drop = map[eventlog.Endpoint]bool{}
			}
			r.drop[ep] = true
			dups = append(dups, Duplicate{Device: ep, Kept: kept.source(), Dropped: r.source()})
		}
	}
	return dups, nil
}

// sameDevice compares what recordings a and b hold of device ep: its
// ECONNs' configurations and its events, each at its wall-clock time,
// walking both calls side by side.
func sameDevice(a, b *recording, ep eventlog.Endpoint) error {
	differ := func(what string) error {
		return fmt.Errorf("%s call %s and %s call %s both record device %s, %s: %w",
			b.in.path, b.info.Meta.ID, a.in.path, a.info.Meta.ID, ep, what, ErrConflict)
	}
	if !slices.Equal(deviceConns(a, ep), deviceConns(b, ep)) {
		return differ("with other connections")
	}
	ra, err := a.in.log.Call(a.info.Meta.ID)
	if err != nil {
		return err
	}
	defer ra.Close()
	rb, err := b.in.log.Call(b.info.Meta.ID)
	if err != nil {
		return err
	}
	defer rb.Close()
	f := &eventlog.Filter{Endpoints: []eventlog.Endpoint{ep}}
	ca, cb := ra.Cursor(f), rb.Cursor(f)
	for n := 1; ; n++ {
		ea, oka := ca.Next()
		eb, okb := cb.Next()
		if err := firstErr(ca.Err(), cb.Err()); err != nil {
			return err
		}
		if !oka || !okb {
			if oka != okb {
				return differ(fmt.Sprintf("one with %d events of it, the other with more", n-1))
			}
			return nil
		}
		same, err := sameEvent(a, &ea, b, &eb)
		if err != nil {
			return err
		}
		if !same {
			return differ(fmt.Sprintf("with a different event %d of that device (seq %d there, %d here)", n, ea.Seq, eb.Seq))
		}
	}
}

// deviceConns lists the configurations of ep's ECONNs in r, in a fixed
// order: merged calls list them by creation time, a device's own log in
// the order it created them.
func deviceConns(r *recording, ep eventlog.Endpoint) []eventlog.ConnMeta {
	var cs []eventlog.ConnMeta
	for _, c := range r.info.Meta.Conns {
		if c.Endpoint == ep {
			cs = append(cs, c)
		}
	}
	slices.SortFunc(cs, func(x, y eventlog.ConnMeta) int {
		if x.Config.SessID < y.Config.SessID {
			return -1
		}
		if x.Config.SessID > y.Config.SessID {
			return 1
		}
		return 0
	})
	return cs
}

// sameEvent compares two events by their wall-clock time and their
// encoding without Seq and At (the same event has another Seq, and
// another At from another start, in a merged call).
func sameEvent(a *recording, ea *eventlog.Event, b *recording, eb *eventlog.Event) (bool, error) {
	if !a.wall(ea.At).Equal(b.wall(eb.At)) {
		return false, nil
	}
	x, y := *ea, *eb
	x.Seq, x.At, y.Seq, y.At = 0, 0, 0, 0
	bx, err := eventlog.EncodeEvent(x)
	if err != nil {
		return false, err
	}
	by, err := eventlog.EncodeEvent(y)
	if err != nil {
		return false, err
	}
	return bytes.Equal(bx, by), nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
