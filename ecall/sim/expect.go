package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/callrec/callrec/ecall"
	"github.com/callrec/callrec/econn"
)

// expect checks one expect line; every failed key is collected.
func (r *runner) expect(c Cmd) {
	fail := func(key, want, got string) {
		r.failed = append(r.failed, &ExpectError{
			Line: c.Line, Target: c.Target, Key: key, Want: want, Got: got,
			Text: c.Text, ScenarioFileName: r.sc.Name,
		})
	}
	if c.Target == "backend" || c.Target == "direct" {
		counts := r.w.Backend
		if c.Target == "direct" {
			counts = r.w.Direct
		}
		for _, kv := range c.KV {
			t, _ := econn.ParseMsgType(kv.Key)
			if got := strconv.Itoa(counts[t]); got != kv.Value {
				fail(kv.Key, kv.Value, got)
			}
		}
		return
	}
	self, remote, _ := strings.Cut(c.Target, "->")
	calls := r.w.byEP[mustEP(self)].client.Calls()
	if remote != "" {
		calls = filterRemote(calls, remote)
	}
	for _, kv := range c.KV {
		if kv.Key == "conns" {
			if got := strconv.Itoa(len(calls)); got != kv.Value {
				fail(kv.Key, kv.Value, got)
			}
			continue
		}
		call := pickCall(calls)
		if call == nil {
			fail(kv.Key, kv.Value, "no connection")
			continue
		}
		if got, ok := r.recordedValue(call, kv); ok {
			if got != kv.Value {
				fail(kv.Key, kv.Value, got)
			}
			continue
		}
		got := callValue(call, kv.Key)
		if !sameValue(kv.Key, kv.Value, got) {
			fail(kv.Key, kv.Value, got)
		}
	}
}

func filterRemote(calls []*ecall.Call, remote string) []*ecall.Call {
	var out []*ecall.Call
	for _, c := range calls {
		if c.Remote().String() == remote {
			out = append(out, c)
		}
	}
	return out
}

// pickCall chooses the connection an expectation is about: the most
// recent one that is not closed, else the most recent.
func pickCall(calls []*ecall.Call) *ecall.Call {
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Closed() == 0 {
			return calls[i]
		}
	}
	if len(calls) > 0 {
		return calls[len(calls)-1]
	}
	return nil
}

// callValue renders one expectation key of a connection.
func callValue(c *ecall.Call, key string) string {
	s := c.Snapshot()
	switch key {
	case "state":
		return s.State.String()
	case "dir":
		return s.Dir.String()
	case "incoming":
		return strconv.Itoa(c.Incoming())
	case "answered":
		return strconv.Itoa(c.Answered())
	case "closed":
		return strconv.Itoa(c.Closed())
	case "reason":
		return ReasonName(c.Reason())
	case "conflict":
		return s.Conflict.String()
	case "timer":
		if !s.Timer.Armed {
			return "off"
		}
		return s.Timer.Action.String()
	case "datachannel":
		if c.DataChanOpen() {
			return "open"
		}
		return "closed"
	case "remote":
		return c.Remote().String()
	}
	if p, ok := strings.CutPrefix(key, "remote."); ok {
		v, ok := c.RemoteProps()[p]
		if !ok {
			return "(unset)"
		}
		return v
	}
	return fmt.Sprintf("(unknown key %s)", key)
}

// ReasonName names a close reason the way scenarios write it: "normal"
// for nil, else the error's stable name ("canceled", "timed-out", "io").
func ReasonName(err error) string {
	if err == nil {
		return "normal"
	}
	return econn.ErrorName(err)
}

func sameValue(key, want, got string) bool {
	switch key {
	case "state", "dir", "conflict", "reason", "timer":
		return strings.EqualFold(want, got)
	}
	return want == got
}

// recordedValue checks the expectations on a connection's recorded
// events: "count.TYPE" is how many events of that type it recorded;
// "sequence" lists event types that must have been recorded in this
// order, others between them allowed. For a sequence that does not
// hold, got says how far it went.
func (r *runner) recordedValue(c *ecall.Call, kv KV) (got string, ok bool) {
	types := r.w.recorded[c.Sess()]
	if typ, ok := strings.CutPrefix(kv.Key, "count."); ok {
		n := 0
		for _, t := range types {
			if t == typ {
				n++
			}
		}
		return strconv.Itoa(n), true
	}
	if kv.Key != "sequence" {
		return "", false
	}
	want := strings.Split(kv.Value, ",")
	i := 0
	for _, t := range types {
		if i < len(want) && t == want[i] {
			i++
		}
	}
	if i == len(want) {
		return kv.Value, true
	}
	return fmt.Sprintf("%s (then no %s)", strings.Join(want[:i], ","), want[i]), true
}
