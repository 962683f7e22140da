package sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// rule is one "fault" line: what it does and which messages it hits.
type rule struct {
	kind     string // drop, delay, duplicate, reorder, fail-send
	from, to *eventlog.Endpoint
	typ      econn.MsgType // 0: any
	resp     *bool
	via      string // "", "backend", "direct"
	count    int    // messages left to hit; -1: unlimited
	prob     float64
	by       time.Duration // delay
	line     int
}

func parseRule(c Cmd) (*rule, error) {
	r := &rule{kind: c.Args[0], count: -1, prob: 1, line: c.Line}
	for _, kv := range c.KV {
		if err := r.set(kv); err != nil {
			return nil, fmt.Errorf("fault %s: %w", kv.Key, err)
		}
	}
	if r.kind == "delay" && r.by == 0 {
		return nil, fmt.Errorf("fault delay needs by=DURATION")
	}
	if r.kind == "reorder" && r.to != nil && r.via != "direct" {
		return nil, fmt.Errorf("fault reorder: to= only applies to direct messages (via=direct); a backend message is reordered for every recipient")
	}
	if r.kind == "fail-send" && r.to != nil && r.via != "direct" {
		return nil, fmt.Errorf("fault fail-send: to= only applies to direct messages (via=direct); a backend send has no single recipient")
	}
	return r, nil
}

func (r *rule) set(kv KV) error {
	var err error
	switch kv.Key {
	case "from", "to":
		var ep eventlog.Endpoint
		if ep, err = eventlog.ParseEndpoint(kv.Value); err == nil {
			if kv.Key == "from" {
				r.from = &ep
			} else {
				r.to = &ep
			}
		}
	case "type":
		r.typ, err = econn.ParseMsgType(kv.Value)
	case "resp":
		var b bool
		if b, err = strconv.ParseBool(kv.Value); err == nil {
			r.resp = &b
		}
	case "via":
		if kv.Value != "backend" && kv.Value != "direct" {
			err = fmt.Errorf("want backend or direct")
		}
		r.via = kv.Value
	case "count":
		if r.count, err = strconv.Atoi(kv.Value); err == nil && r.count <= 0 {
			err = fmt.Errorf("want a positive count")
		}
	case "prob":
		if r.prob, err = strconv.ParseFloat(kv.Value, 64); err == nil && (r.prob <= 0 || r.prob > 1) {
			err = fmt.Errorf("want a probability in (0, 1]")
		}
	case "by":
		r.by, err = parseDuration(kv.Value)
	}
	return err
}

// matches reports whether the rule hits a message sent by from (to the
// recipient to, zero for a whole backend fan-out). It draws from rng only
// for a rule with a probability, so that runs reproduce from the seed.
func (r *rule) matches(from, to eventlog.Endpoint, m *econn.Message, via econn.Transport, rng *rand.Rand) bool {
	if r.count == 0 {
		return false
	}
	if r.from != nil && *r.from != from {
		return false
	}
	if r.to != nil && to != (eventlog.Endpoint{}) && *r.to != to {
		return false
	}
	if r.via != "" && r.via != via.String() {
		return false
	}
	if r.typ != 0 && (m == nil || m.Type != r.typ) {
		return false
	}
	if r.resp != nil && (m == nil || m.Resp != *r.resp) {
		return false
	}
	if r.prob < 1 && rng.Float64() >= r.prob {
		return false
	}
	return true
}

// use counts one hit.
func (r *rule) use() {
	if r.count > 0 {
		r.count--
	}
}
