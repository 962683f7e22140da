package clocks_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/callrec/callrec/ecall/sim"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/eventlog"
	"github.com/callrec/callrec/eventlog/clocks"
	"github.com/callrec/callrec/eventlog/pair"
)

var (
	a1 = eventlog.Endpoint{User: "A", Client: "1"}
	b1 = eventlog.Endpoint{User: "B", Client: "1"}
	b2 = eventlog.Endpoint{User: "B", Client: "2"}
)

const ms = time.Millisecond

// msg is a paired message from one device to another, at the times each
// recorded it.
func msg(from, to eventlog.Endpoint, sent, recvd time.Duration) pair.Result {
	return pair.Result{Status: pair.Paired, Send: pair.Side{Seq: 1, At: sent, Endpoint: from},
		Recv: pair.Side{Seq: 2, At: recvd, Endpoint: to}}
}

func estimate(eps []eventlog.Endpoint, rs ...pair.Result) clocks.Estimate {
	e := clocks.NewEstimator(eps)
	for _, r := range rs {
		e.Add(r)
	}
	return e.Estimate()
}

func device(t *testing.T, est clocks.Estimate, ep eventlog.Endpoint) clocks.Device {
	t.Helper()
	for _, d := range est.Devices {
		if d.Endpoint == ep {
			return d
		}
	}
	t.Fatalf("no device %s in %+v", ep, est)
	return clocks.Device{}
}

func TestEstimator(t *testing.T) {
	eps := []eventlog.Endpoint{a1, b1, b2}
	// B/1's clock runs 3 s ahead; messages take 10 ms A→B and 30 ms B→A.
	est := estimate(eps,
		msg(a1, b1, 0, 3010*ms), msg(b1, a1, 3500*ms, 530*ms), msg(a1, b1, 1000*ms, 4020*ms),
		// B/2 hears A/1 only, on A/1's clock: nothing to correct.
		msg(a1, b2, 0, 15*ms))
	if est.Reference != a1 {
		t.Errorf("reference %s, want A/1 (most messages)", est.Reference)
	}
	d := device(t, est, b1)
	// Allowed: -3010ms (A→B received no earlier than sent) to -2970ms.
	if d.Low != -3010*ms || d.High != -2970*ms || d.Shift != -2990*ms || d.Messages != 3 {
		t.Errorf("B/1: %+v, want -3010ms..-2970ms, shifted -2990ms, 3 messages", d)
	}
	if u, ok := d.Uncertainty(); !ok || u != 20*ms {
		t.Errorf("B/1 uncertainty %v %v, want 20ms", u, ok)
	}
	// One direction, received after it was sent: not shifted, whatever
	// the delay.
	d = device(t, est, b2)
	if d.Shifted() || d.Low != -15*ms || !d.HighOpen || d.LowOpen {
		t.Errorf("B/2: %+v, want -15ms and up, not shifted", d)
	}
	if est.Of(b1) != -2990*ms || est.Of(b2) != 0 || !est.Shifted() {
		t.Errorf("shifts %v %v", est.Of(b1), est.Of(b2))
	}
}

func TestEstimatorOneWayOnly(t *testing.T) {
	// B/1 received A/1's message 2 s before A/1 sent it, by the clocks;
	// with no round trip, the smallest shift that repairs it, open above.
	est := estimate([]eventlog.Endpoint{a1, b1}, msg(a1, b1, 5000*ms, 3000*ms))
	d := device(t, est, b1)
	if d.Shift != 2000*ms || d.LowOpen || !d.HighOpen {
		t.Errorf("B/1 %+v, want shifted +2s, open above", d)
	}
	if _, ok := d.Uncertainty(); ok {
		t.Error("an open interval has an uncertainty")
	}
}

func TestEstimatorOneWayClosedByRoundTrip(t *testing.T) {
	// A/1 and B/1 agree, with a round trip of 40 ms; B/2's clock runs 5 s
	// late and it only receives: shifted to the middle of the 40 ms the
	// round trip allows after the repair.
	est := estimate([]eventlog.Endpoint{a1, b1, b2},
		msg(a1, b1, 0, 10*ms), msg(b1, a1, 100*ms, 130*ms), msg(a1, b2, 5000*ms, 10*ms))
	d := device(t, est, b2)
	if d.Low != 4990*ms || d.High != 5030*ms || d.Shift != 5010*ms {
		t.Errorf("B/2 %+v, want 4.99s..5.03s, shifted 5.01s", d)
	}
	if u, ok := d.Uncertainty(); !ok || u != 20*ms {
		t.Errorf("uncertainty %v %v", u, ok)
	}
}

func TestEstimatorUnlinkedDevice(t *testing.T) {
	est := estimate([]eventlog.Endpoint{a1, b1, b2}, msg(a1, b1, 0, 5*ms), msg(b1, a1, 10*ms, 12*ms))
	if d := device(t, est, b2); d.Aligned || d.Shifted() {
		t.Errorf("B/2 without messages: %+v", d)
	}
	if est.Shifted() {
		t.Error("consistent clocks shifted")
	}
}

// skewedCall is a call from A/1 to B/1 with B/1's clock off by offset
// and A/1's messages delayed by delay.
func skewedCall(offset string, delay time.Duration) string {
	return `clients A/1 B/1
config B/1 clock-offset=` + offset + `
fault delay from=A/1 by=` + delay.String() + `
start A/1
advance 1s
answer B/1
advance 1s
ping A/1
ping B/1
advance 1s
end A/1
advance 10s
expect A/1 state=Terminating closed=1
expect B/1 state=Terminating closed=1
`
}

// The simulator's skewed clock is recovered within the one-way delay.
func TestSimulatedSkewRecovered(t *testing.T) {
	const delay = 80 * ms
	for _, tc := range []struct {
		offset string
		want   time.Duration // B/1's shift: minus its clock's offset
	}{{"+3.2s", -3200 * ms}, {"-1500ms", 1500 * ms}, {"+2", -2 * ms}} {
		t.Run(tc.offset, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "skew.log")
			l, err := eventlog.Open(path, 0o644, &eventlog.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			sc, err := sim.ParseString("skew.txt", skewedCall(tc.offset, delay))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sim.Run(sc, sim.Options{Seed: 1, Log: l, CallID: "skew"}); err != nil {
				t.Fatal(err)
			}
			r, err := l.Call("skew")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			est, err := clocks.OfCall(r)
			if err != nil || est == nil {
				t.Fatalf("estimate %v, %v", est, err)
			}
			d := device(t, *est, b1)
			if est.Reference != a1 && est.Reference != b1 {
				t.Fatalf("reference %s", est.Reference)
			}
			t.Logf("reference %s, B/1 %+v", est.Reference, d)
			got := d.Shift
			if est.Reference == b1 {
				got = -device(t, *est, a1).Shift
			}
			if diff := (got - tc.want).Abs(); diff > delay {
				t.Errorf("B/1 shifted %v, want %v within the one-way delay %v", got, tc.want, delay)
			}
			if u, ok := d.Uncertainty(); est.Reference == a1 && (!ok || u > delay) {
				t.Errorf("uncertainty %v %v, want at most %v", u, ok, delay)
			}
		})
	}
}

// A call recorded on one clock is not estimated at all.
func TestOneClockNotEstimated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "one.log")
	if err := simtest.WriteLog(path, simtest.Call{ID: "c", Scenario: simtest.BasicCall(2)}); err != nil {
		t.Fatal(err)
	}
	r := simtest.OpenCall(t, path, "c")
	if est, err := clocks.OfCall(r); est != nil || err != nil {
		t.Errorf("estimate %+v, %v; want none", est, err)
	}
}
