package describe

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Record is one event as plain data for JSON output (`show --json`,
// `export --format jsonl`): its place in the call, its sentence and its
// payload with errors by stable name and durations as text.
type Record struct {
	Seq      uint64         `json:"seq"`
	At       string         `json:"at"`    // call time, "1.25s"
	AtNanos  int64          `json:"at_ns"` // call time in nanoseconds
	Endpoint string         `json:"endpoint"`
	Conn     string         `json:"conn,omitempty"`
	Kind     string         `json:"kind"`
	Type     string         `json:"type"`
	Text     string         `json:"text"`
	Data     map[string]any `json:"data,omitempty"`
}

// RecordOf returns ev as a Record.
func RecordOf(ev eventlog.Event) Record {
	r := Record{Seq: ev.Seq, At: ev.At.String(), AtNanos: int64(ev.At), Endpoint: ev.Endpoint.String(),
		Conn: ev.Conn, Kind: ev.Kind.String(), Type: ev.Type, Text: Sentence(ev)}
	var v any
	switch ev.Kind {
	case eventlog.KindInput:
		v = ev.Input
		if in := ev.Stepped(); in != nil {
			v = in // the econn input's fields, not the wrapper's
		}
	case eventlog.KindOutput:
		v = ev.Output
	case eventlog.KindNote:
		if ev.Note != nil && len(ev.Note.Attrs) > 0 {
			r.Data = map[string]any{"attrs": ev.Note.Attrs}
		}
	}
	if m, ok := plain(reflect.ValueOf(v)).(map[string]any); ok && len(m) > 0 {
		r.Data = m
	}
	if ig, ok := ev.Output.(econn.Ignored); ok {
		r.Data["Args"] = ignoreArgs(ig)
	}
	return r
}

// ignoreArgs keeps the arguments the reason names: a zero State of a reason
// that names none would read "Idle".
func ignoreArgs(ig econn.Ignored) map[string]any {
	args := map[string]any{}
	v := reflect.ValueOf(ig.Args)
	for _, name := range ig.Reason.Facts() {
		args[name] = plain(v.FieldByName(name))
	}
	return args
}

var (
	errorType    = reflect.TypeFor[error]()
	durationType = reflect.TypeFor[time.Duration]()
	stringerType = reflect.TypeFor[interface{ String() string }]()
)

// isEnum reports whether t is a named scalar with a String method, whose
// zero value is a name worth showing.
func isEnum(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface, reflect.Struct:
		return false
	}
	return t.Implements(stringerType)
}

// plain converts v into maps, slices and scalars that encoding/json
// renders readably: struct fields by name (zero ones left out, except
// enums), errors by
// their text name, byte slices holding JSON as JSON, durations as text.
func plain(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Kind() == reflect.Interface && v.Type().Implements(errorType) || v.Type() == errorType {
		if v.IsNil() {
			return nil
		}
		return econn.ErrorName(v.Interface().(error))
	}
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return plain(v.Elem())
	case reflect.Struct:
		m := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			// Zero fields are left out, except enums, whose zero value
			// is a name (TimerSetup, StateIdle, TransportBackend).
			if !f.IsExported() || v.Field(i).IsZero() && !isEnum(f.Type) {
				continue
			}
			m[f.Name] = plain(v.Field(i))
		}
		return m
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := v.Bytes()
			if json.Valid(b) {
				return json.RawMessage(b)
			}
			return string(b)
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = plain(v.Index(i))
		}
		return out
	}
	if s, ok := v.Interface().(interface{ String() string }); ok && v.Kind() != reflect.Map {
		return s.String()
	}
	return v.Interface()
}
