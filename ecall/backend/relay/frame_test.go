package relay

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeFrameErrors(t *testing.T) {
	key := make([]byte, 32)
	long := strings.Repeat("u", maxIDLen+1)
	for _, c := range []struct {
		name string
		f    *frame
		want string
	}{
		{"empty user", &frame{Type: frameJoin, Conv: "c", Client: "1", Key: key}, "empty user id"},
		{"long client", &frame{Type: frameJoin, Conv: "c", User: "u", Client: long, Key: key}, "client id longer"},
		{"short key", &frame{Type: frameJoin, Conv: "c", User: "u", Client: "1", Key: key[:31]}, "key has 31 bytes"},
		{"deliver without box", &frame{Type: frameDeliver, User: "u", Client: "1"}, "without box"},
		{"roster member without key", &frame{Type: frameRoster, Members: []wireMember{{User: "u", Client: "1"}}}, "member 0"},
		{"error without reason", &frame{Type: frameError}, "without reason"},
		{"box without recipient", &frame{Type: frameSend, Conv: "c", Boxes: []addressed{{Client: "1", Box: make([]byte, boxOverhead)}}}, "box 0"},
	} {
		_, err := decodeFrame(encodeFrame(c.f))
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want ErrMalformed naming %q", c.name, err, c.want)
		}
	}
	if _, err := NewIdentity("u\xff", "1", nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("non-UTF-8 user id: got %v", err)
	}
}

// A name given twice is malformed, not last-one-wins: a frame must mean
// one thing to every reader. Text with invalid UTF-8 still encodes.
func TestFrameDuplicateNamesAndInvalidUTF8(t *testing.T) {
	if _, err := decodeFrame([]byte(`{"type":"error","reason":"a","reason":"b"}`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("duplicate name: got %v, want ErrMalformed", err)
	}
	f, err := decodeFrame(encodeFrame(&frame{Type: frameError, Reason: "x", Detail: "bad \xff byte"}))
	if err != nil {
		t.Fatalf("frame with invalid UTF-8 text: %v", err)
	}
	if f.Detail != "bad \uFFFD byte" {
		t.Errorf("detail %q, want the invalid byte replaced", f.Detail)
	}
}
