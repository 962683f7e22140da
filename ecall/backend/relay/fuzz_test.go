package relay

import (
	"testing"
)

// FuzzDecodeFrame checks that any bytes from the network decode to a valid
// frame or a wrapped ErrMalformed, never a panic, and that what decodes
// re-encodes to a frame that decodes again.
func FuzzDecodeFrame(f *testing.F) {
	key := make([]byte, 32)
	box := make([]byte, boxOverhead+4)
	for _, fr := range []*frame{
		{Type: frameJoin, Conv: "c", User: "u", Client: "d", Key: key},
		{Type: frameSend, Conv: "c", Boxes: []addressed{{User: "u", Client: "d", Box: box}}},
		{Type: frameDeliver, User: "u", Client: "d", Time: 9, Box: box},
		{Type: frameRoster, Members: []wireMember{{User: "u", Client: "d", Key: key}}},
		{Type: frameJoined, Members: []wireMember{{User: "u", Client: "d", Key: key}}, MaxSize: 10},
		{Type: frameError, Reason: "too_large"},
	} {
		f.Add(encodeFrame(fr))
	}
	for _, s := range []string{"", "null", "[]", `{"type":7}`, `{"type":"send","boxes":[null]}`,
		`{"type":"join","key":"!!"}`, "\xff\xfe", `{"type":"roster","members":[{}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := decodeFrame(data)
		if err != nil {
			return
		}
		if _, err := decodeFrame(encodeFrame(fr)); err != nil {
			t.Fatalf("re-encoded frame %+v does not decode: %v", fr, err)
		}
	})
}

// FuzzOpen checks that no box, however made, panics the opener or opens
// without the sender's key.
func FuzzOpen(f *testing.F) {
	ab, ba := sharedPair(f)
	good, err := sealBox(ab, cryptoRand, "conv", 1, []byte("SETUP"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte{})
	f.Add(make([]byte, boxOverhead))
	f.Add(append(append([]byte(nil), good[:nonceLen]...), make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, msg, err := openBox(ba, "conv", data)
		if err == nil && string(msg) != "SETUP" {
			t.Fatalf("opened a box that was never sealed: %q", msg)
		}
	})
}
