package ecall

import (
	"sort"
	"strings"

	"github.com/callrec/callrec/econn"
)

// formatProps renders props as "{a=1 b=2}" with sorted keys, so that
// notes are deterministic.
func formatProps(p econn.Props) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + p[k])
	}
	b.WriteByte('}')
	return b.String()
}
