package callstate

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

func sample(t testing.TB) *Call {
	c, _, err := econn.New(econn.Config{UserID: "A", ClientID: "1", SessID: "sA"})
	if err != nil {
		t.Fatal(err)
	}
	state, err := c.AppendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Call{Conns: []Conn{
		{Endpoint: eventlog.Endpoint{User: "A", Client: "1"}, Sess: "sA", State: state, LastInput: 7,
			Deadline: 3e9, LocalProps: econn.Props{"videosend": "true", "muted": "false"}, RemoteProps: econn.Props{}},
		{Endpoint: eventlog.Endpoint{User: "B", Client: "2"}, Sess: "sB", Remote: eventlog.Endpoint{User: "A", Client: "1"}},
	}}
}

func TestRoundTrip(t *testing.T) {
	want := sample(t)
	b := want.Append([]byte("x"))
	got, err := Decode(b[1:])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if !bytes.Equal(got.Append(nil), b[1:]) {
		t.Fatal("re-encoding differs")
	}
}

func TestDecodeRefusesDamage(t *testing.T) {
	good := sample(t).Append(nil)
	cases := map[string][]byte{
		"empty":     nil,
		"version":   append([]byte{Version + 1}, good[1:]...),
		"truncated": good[:len(good)-1],
		"trailing":  append(append([]byte(nil), good...), 0),
		"count":     {Version, 0xff, 0xff, 0xff, 0x7f},
		"no sess":   (&Call{Conns: []Conn{{}}}).Append(nil),
		"too large": make([]byte, eventlog.MaxSnapshotSize+1),
	}
	for name, data := range cases {
		if _, err := Decode(data); !errors.Is(err, ErrBad) {
			t.Errorf("%s: Decode = %v, want ErrBad", name, err)
		}
	}
}

// FuzzDecode checks that Decode never panics, fails only with ErrBad, and
// that what it accepts encodes back to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(sample(f).Append(nil))
	f.Add((&Call{}).Append(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrBad) {
				t.Fatalf("error wraps no ErrBad: %v", err)
			}
			return
		}
		again, err := Decode(c.Append(nil))
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, c, again)
		}
	})
}
