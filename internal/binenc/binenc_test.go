package binenc

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

var errBad = errors.New("bad thing")

func TestRoundTrip(t *testing.T) {
	b := []byte{7}
	b = binary.AppendUvarint(b, 300)
	b = binary.AppendVarint(b, -5)
	b = AppendString(b, "héllo")
	b = AppendString(b, "")
	b = AppendString(b, "xy")
	r := NewReader(b, errBad)
	if v := r.Byte("b"); v != 7 {
		t.Errorf("Byte = %d", v)
	}
	if v := r.Uvarint("u"); v != 300 {
		t.Errorf("Uvarint = %d", v)
	}
	if v := r.Varint("v"); v != -5 {
		t.Errorf("Varint = %d", v)
	}
	if v := r.String("s"); v != "héllo" {
		t.Errorf("String = %q", v)
	}
	if v := r.Bytes("empty"); v != nil {
		t.Errorf("Bytes of nothing = %q, want nil", v)
	}
	v := r.Bytes("xy")
	if string(v) != "xy" || r.Err() != nil || r.Len() != 0 {
		t.Fatalf("Bytes = %q, err %v, %d left", v, r.Err(), r.Len())
	}
	v[0] = 'z'
	if b[len(b)-2] != 'x' {
		t.Error("Bytes returned the reader's bytes, not a copy")
	}
}

func TestFailureNamesFieldAndSticks(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		read func(r *Reader)
		want string
	}{
		{"byte", nil, func(r *Reader) { r.Byte("flags") }, "bad thing: flags: missing"},
		{"uvarint", []byte{0x80}, func(r *Reader) { r.Uvarint("gen") }, "bad thing: gen: missing or malformed number"},
		{"varint", nil, func(r *Reader) { r.Varint("after") }, "bad thing: after: missing or malformed number"},
		{"string", []byte{5, 'a'}, func(r *Reader) { r.String("id") }, "bad thing: id: 5 bytes, only 1 left"},
		{"bytes", []byte{2}, func(r *Reader) { r.Bytes("state") }, "bad thing: state: 2 bytes, only 0 left"},
		{"count", []byte{3, 0, 0, 0, 0, 0}, func(r *Reader) { r.Count("n", "items", 4) }, "bad thing: n: 3 items in 5 bytes"},
	} {
		r := NewReader(tc.data, errBad)
		tc.read(r)
		if err := r.Err(); !errors.Is(err, errBad) || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
		r.Fail("later", "also wrong")
		if strings.Contains(r.Err().Error(), "later") || r.Len() != 0 || r.Byte("x") != 0 {
			t.Errorf("%s: the first failure does not stick: %v", tc.name, r.Err())
		}
	}
}

func TestCountWithinBound(t *testing.T) {
	r := NewReader([]byte{2, 0, 0, 0, 0}, errBad)
	if n := r.Count("n", "items", 2); n != 2 || r.Err() != nil {
		t.Fatalf("Count = %d, %v", n, r.Err())
	}
	if n := NewReader([]byte{1}, errBad).Count("n", "items", 0); n != 0 {
		t.Fatalf("Count with minSize 0 over no bytes = %d, want a failure", n)
	}
}
