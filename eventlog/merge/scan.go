package merge

import (
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// LabelConv is the label a live recorder gives a call: its conversation
// id. Only recordings of the same conversation (or both without one) are
// joined.
const LabelConv = "conv"

// LabelMerged is the label of a merged call: the recordings it was
// merged from, "FILE CALL" each, separated by "; ".
const LabelMerged = "merged"

// recording is one call of one input log, as the scan found it.
type recording struct {
	in    *input
	info  eventlog.CallInfo
	conv  string
	own   map[string]bool // session ids of its own ECONNs, lower case (econn compares them so)
	heard map[string]bool // session ids its received messages came from, lower case
	born  map[connKey]time.Time
	drop  map[eventlog.Endpoint]bool // devices another recording of the group already gives
}

// input is one log given to merge.
type input struct {
	path string
	log  *eventlog.Log
}

// connKey names one ECONN of a call.
type connKey struct {
	ep   eventlog.Endpoint
	sess string
}

// Source names one recording: its file and its call id.
type Source struct {
	File, Call string
}

func (r *recording) source() Source { return Source{r.in.path, r.info.Meta.ID} }

// wall is the wall-clock time of an event of r recorded at at.
func (r *recording) wall(at time.Duration) time.Time { return r.info.Meta.Start.Add(at) }

// scanFilter selects the events that say which sessions a call has and
// hears from: the creation of its ECONNs and its received messages.
var scanFilter = &eventlog.Filter{Kinds: []eventlog.Kind{eventlog.KindInput},
	Types: []string{eventlog.TypeNew, eventlog.TypeRecv}}

// scan reads the session ids of one call of in.
func scan(in *input, info eventlog.CallInfo) (*recording, error) {
	rec := &recording{in: in, info: info, conv: info.Meta.Labels[LabelConv],
		own: map[string]bool{}, heard: map[string]bool{}, born: map[connKey]time.Time{}}
	for _, c := range info.Meta.Conns {
		rec.own[strings.ToLower(c.Config.SessID)] = true
	}
	r, err := in.log.Call(info.Meta.ID)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cur := r.Cursor(scanFilter)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		rec.note(&ev)
	}
	return rec, cur.Err()
}

// note takes the session ids of one NewConn or Recv input.
func (rec *recording) note(ev *eventlog.Event) {
	switch in := ev.Input.(type) {
	case eventlog.NewConn:
		rec.own[strings.ToLower(in.Config.SessID)] = true
		k := connKey{ev.Endpoint, in.Config.SessID}
		if _, ok := rec.born[k]; !ok {
			rec.born[k] = rec.wall(ev.At)
		}
	case eventlog.RecvInput:
		if in.DecodeErr != "" {
			return
		}
		// The decoder is the one replay runs; bytes it refuses name no one.
		if m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime); err == nil && m.SessID != "" {
			rec.heard[strings.ToLower(m.SessID)] = true
		}
	}
	if ev.Conn != "" {
		rec.own[strings.ToLower(ev.Conn)] = true
	}
}
