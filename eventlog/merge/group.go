package merge

import (
	"time"
)

// group links the recordings of one call, as Group does: calls of one log
// are never joined (a log is written by one recorder, which records every
// device it has in one call). The groups come in the order of their
// earliest recording; within a group, recordings are in wall-clock start
// order.
func group(recs []*recording) [][]*recording {
	links := make([]Link, len(recs))
	for i, r := range recs {
		links[i] = r.Link
	}
	var groups [][]*recording
	for _, idx := range Group(links) {
		g := make([]*recording, len(idx))
		for k, i := range idx {
			g[k] = recs[i]
		}
		groups = append(groups, g)
	}
	return groups
}

// start is the earliest wall-clock start of a group's recordings.
func start(g []*recording) time.Time { return g[0].info.Meta.Start }
