package merge

import (
	"strconv"
	"time"

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
	Link // its conversation and sessions; Source names its input
	in   *input
	info eventlog.CallInfo
	born map[connKey]time.Time
	drop map[eventlog.Endpoint]bool // devices another recording of the group already gives
}

// input is one log given to merge.
type input struct {
	n    int // its place among the inputs
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

// scan reads the session ids of one call of in.
func scan(in *input, info eventlog.CallInfo) (*recording, error) {
	rec := &recording{Link: NewLink(info.Meta, strconv.Itoa(in.n)), in: in, info: info, born: map[connKey]time.Time{}}
	r, err := in.log.Call(info.Meta.ID)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cur := r.Cursor(LinkFilter)
	for ev, ok := cur.First(); ok; ev, ok = cur.Next() {
		rec.note(&ev)
	}
	return rec, cur.Err()
}

// note takes the session ids of one NewConn or Recv input, and when each
// ECONN was born.
func (rec *recording) note(ev *eventlog.Event) {
	rec.Note(ev)
	if in, ok := ev.Input.(eventlog.NewConn); ok {
		k := connKey{ev.Endpoint, in.Config.SessID}
		if _, ok := rec.born[k]; !ok {
			rec.born[k] = rec.wall(ev.At)
		}
	}
}
