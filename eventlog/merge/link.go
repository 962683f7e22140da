package merge

import (
	"slices"
	"strings"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Link is what grouping knows of one recording: enough to tell which
// recordings are one call's. Files builds one per call of its inputs; the
// fleet builds one per recording it holds, so that both join recordings
// alike.
type Link struct {
	Conv string // its conversation (the LabelConv label); "" when not recorded
	// Source is where it was recorded: recordings of one source are never
	// joined, since a recorder records every device it has in one call
	// (for Files a log, for the fleet the devices of a recorder).
	Source string
	Start  time.Time       // its wall-clock start, for the order of a group
	Own    map[string]bool // session ids of its own ECONNs, lower case (econn compares them so)
	Heard  map[string]bool // session ids its received messages came from, lower case
}

// NewLink starts the Link of a recording with metadata meta from source:
// its conversation, start and the sessions its metadata lists. Note
// takes in its events.
func NewLink(meta eventlog.CallMeta, source string) Link {
	l := Link{Conv: meta.Labels[LabelConv], Source: source, Start: meta.Start,
		Own: map[string]bool{}, Heard: map[string]bool{}}
	for _, c := range meta.Conns {
		l.Own[strings.ToLower(c.Config.SessID)] = true
	}
	return l
}

// LinkFilter selects the events Note learns from: the creation of ECONNs
// and received messages. A reader may skip the others.
var LinkFilter = &eventlog.Filter{Kinds: []eventlog.Kind{eventlog.KindInput},
	Types: []string{eventlog.TypeNew, eventlog.TypeRecv}}

// Note takes the session ids of one event: those a NewConn creates or an
// event's connection names, and the sender of a received message.
func (l *Link) Note(ev *eventlog.Event) {
	switch in := ev.Input.(type) {
	case eventlog.NewConn:
		l.Own[strings.ToLower(in.Config.SessID)] = true
	case eventlog.RecvInput:
		if in.DecodeErr != "" {
			break
		}
		// The decoder is the one replay runs; bytes it refuses name no one.
		if m, err := econn.Decode(in.Data, in.CurrTime, in.MsgTime); err == nil && m.SessID != "" {
			l.Heard[strings.ToLower(m.SessID)] = true
		}
	}
	if ev.Conn != "" {
		l.Own[strings.ToLower(ev.Conn)] = true
	}
}

// Group links the recordings of one call: recordings of different
// sources, of the same conversation, one of which owns a session the
// other heard from or owns too (a copy of the same device). It returns
// the indexes into links of each call's recordings: the groups in the
// order of their earliest recording, each in wall-clock start order.
func Group(links []Link) [][]int {
	parent := make([]int, len(links))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	// owners lists, per session id, the recordings that own it.
	owners := map[string][]int{}
	for i, l := range links {
		for s := range l.Own {
			owners[s] = append(owners[s], i)
		}
	}
	for i, l := range links {
		for _, sessions := range []map[string]bool{l.Own, l.Heard} {
			for s := range sessions {
				for _, j := range owners[s] {
					if l.Source != links[j].Source && l.Conv == links[j].Conv {
						parent[find(i)] = find(j)
					}
				}
			}
		}
	}
	byRoot := map[int][]int{}
	var roots []int
	for i := range links {
		root := find(i)
		if byRoot[root] == nil {
			roots = append(roots, root)
		}
		byRoot[root] = append(byRoot[root], i)
	}
	groups := make([][]int, 0, len(roots))
	for _, root := range roots {
		g := byRoot[root]
		slices.SortStableFunc(g, func(a, b int) int { return links[a].Start.Compare(links[b].Start) })
		groups = append(groups, g)
	}
	slices.SortStableFunc(groups, func(a, b []int) int { return links[a[0]].Start.Compare(links[b[0]].Start) })
	return groups
}
