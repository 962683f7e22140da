package describe

import (
	"encoding/json"
	"strings"
	"unicode"
)

// MarshalJSON writes the record with every key of its data in snake_case
// ("SessID" becomes "sess_id"), the one naming style of callrec's JSON.
// Data itself keeps the Go field names, which the viewer's detail pane
// shows. Maps that are data — props, note attributes, a received message's
// own JSON — keep their keys.
func (r Record) MarshalJSON() ([]byte, error) {
	type plainRecord Record // without this method
	pr := plainRecord(r)
	if r.Data != nil {
		pr.Data = snakeKeys(r.Data).(map[string]any)
	}
	return json.Marshal(pr)
}

// snakeKeys renames the keys of the maps plain made from structs (the
// map[string]any ones), at every depth.
func snakeKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[SnakeCase(k)] = snakeKeys(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = snakeKeys(e)
		}
		return s
	}
	return v
}

// SnakeCase turns a Go field name into a JSON key: "SessID" → "sess_id",
// "SDP" → "sdp", "FromUser" → "from_user", "SDPOffer" → "sdp_offer". A
// name already in snake_case stays as it is.
func SnakeCase(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			acronymEnd := unicode.IsUpper(r[i-1]) && i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || acronymEnd {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
