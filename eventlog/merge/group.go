package merge

import (
	"slices"
	"time"
)

// group links the recordings of one call: recordings of different logs,
// of the same conversation, one of which owns a session the other heard
// from or owns too (a copy of the same device). Calls of one log are never
// joined: a log is written by one recorder, which records every device it
// has in one call. The groups come in the order of their earliest
// recording; within a group, recordings are in wall-clock start order.
func group(recs []*recording) [][]*recording {
	parent := make([]int, len(recs))
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
	for i, r := range recs {
		for s := range r.own {
			owners[s] = append(owners[s], i)
		}
	}
	for i, r := range recs {
		for _, sessions := range []map[string]bool{r.own, r.heard} {
			for s := range sessions {
				for _, j := range owners[s] {
					if linkable(r, recs[j]) {
						parent[find(i)] = find(j)
					}
				}
			}
		}
	}
	byRoot := map[int][]*recording{}
	var roots []int
	for i, r := range recs {
		root := find(i)
		if byRoot[root] == nil {
			roots = append(roots, root)
		}
		byRoot[root] = append(byRoot[root], r)
	}
	groups := make([][]*recording, 0, len(roots))
	for _, root := range roots {
		g := byRoot[root]
		slices.SortStableFunc(g, func(a, b *recording) int { return a.info.Meta.Start.Compare(b.info.Meta.Start) })
		groups = append(groups, g)
	}
	slices.SortStableFunc(groups, func(a, b []*recording) int { return a[0].info.Meta.Start.Compare(b[0].info.Meta.Start) })
	return groups
}

// linkable says whether two recordings that share a session id may be
// one call's.
func linkable(a, b *recording) bool {
	return a.in != b.in && a.conv == b.conv
}

// start is the earliest wall-clock start of a group's recordings.
func start(g []*recording) time.Time { return g[0].info.Meta.Start }
