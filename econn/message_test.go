package econn

import (
	"reflect"
	"testing"
)

func TestEqual(t *testing.T) {
	var nilMsg *Message
	if !nilMsg.Equal(nil) || nilMsg.Equal(&Message{}) || (&Message{}).Equal(nil) {
		t.Error("nil handling is wrong")
	}
	empty := &Message{Props: Props{}, Secret: []byte{}, ICEServers: []ICEServer{}, Entropy: []byte{},
		Participants: []ConfParticipant{}, Keys: []ConfKey{}}
	if !empty.Equal(&Message{}) {
		t.Error("empty and nil collections should be equal")
	}
	if !(&Message{Time: 1, Age: 2, Transient: true}).Equal(&Message{}) {
		t.Error("Time, Age and Transient should not count")
	}
	// Every other field counts: set each one in turn with reflection, so
	// that a field added to Message later cannot be forgotten here.
	typ := reflect.TypeFor[Message]()
	for i := range typ.NumField() {
		sf := typ.Field(i)
		switch sf.Name {
		case "Time", "Age", "Transient":
			continue
		}
		m := &Message{}
		setNonZero(t, reflect.ValueOf(m).Elem().Field(i))
		if m.Equal(&Message{}) || (&Message{}).Equal(m) {
			t.Errorf("Equal ignores field %s", sf.Name)
		}
	}
	a := &Message{Keys: []ConfKey{{Idx: 1, Data: []byte("a")}}, ICEServers: []ICEServer{{URLs: []string{"x"}}}}
	b := &Message{Keys: []ConfKey{{Idx: 1, Data: []byte("b")}}, ICEServers: []ICEServer{{URLs: []string{"x"}}}}
	if a.Equal(b) {
		t.Error("Equal ignores key data")
	}
	b.Keys[0].Data = []byte("a")
	b.ICEServers[0].Credential = "c"
	if a.Equal(b) {
		t.Error("Equal ignores ICE credentials")
	}
}

// setNonZero gives v a non-zero value of its kind.
func setNonZero(t *testing.T, v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint8, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		v.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf("v"))
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		if s.Index(0).Kind() == reflect.Struct {
			setNonZero(t, s.Index(0).Field(0))
		} else {
			setNonZero(t, s.Index(0))
		}
		v.Set(s)
	default:
		t.Fatalf("setNonZero: unhandled kind %v", v.Kind())
	}
}
