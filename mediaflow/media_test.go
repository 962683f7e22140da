package mediaflow

import (
	"bytes"
	"testing"
	"time"
)

// TestOpusSilence checks each packet against RFC 6716 section 3.1: the TOC
// config gives the frame duration, the code the frame count.
func TestOpusSilence(t *testing.T) {
	cases := []struct {
		d      time.Duration
		packet []byte
	}{
		{10 * time.Millisecond, []byte{0xf0, 0xff, 0xfe}},                               // config 30, code 0
		{20 * time.Millisecond, []byte{0xf8, 0xff, 0xfe}},                               // config 31, code 0
		{40 * time.Millisecond, []byte{0xf9, 0xff, 0xfe, 0xff, 0xfe}},                   // code 1: 2 equal frames
		{60 * time.Millisecond, []byte{0xfb, 0x03, 0xff, 0xfe, 0xff, 0xfe, 0xff, 0xfe}}, // code 3, M=3
	}
	for _, tc := range cases {
		got, ok := opusSilence(tc.d)
		if !ok || !bytes.Equal(got, tc.packet) {
			t.Errorf("opusSilence(%v) = % x, %v; want % x", tc.d, got, ok, tc.packet)
		}
		config := got[0] >> 3
		frame := map[byte]time.Duration{30: 10 * time.Millisecond, 31: 20 * time.Millisecond}[config]
		frames := map[byte]int{0: 1, 1: 2, 3: int(got[len(got)-len(got)+1] & 0x3f)}[got[0]&3]
		if time.Duration(frames)*frame != tc.d {
			t.Errorf("%v: TOC %#x says %d × %v", tc.d, got[0], frames, frame)
		}
	}
	for _, d := range []time.Duration{0, 5 * time.Millisecond, 30 * time.Millisecond, 120 * time.Millisecond} {
		if _, ok := opusSilence(d); ok {
			t.Errorf("opusSilence(%v) accepted", d)
		}
	}
}

// TestVP8Keyframe checks the uncompressed header of RFC 6386 section 9.1.
func TestVP8Keyframe(t *testing.T) {
	f := vp8Keyframe
	tag := uint32(f[0]) | uint32(f[1])<<8 | uint32(f[2])<<16
	if tag&1 != 0 {
		t.Error("not a key frame")
	}
	if !bytes.Equal(f[3:6], []byte{0x9d, 0x01, 0x2a}) {
		t.Errorf("start code % x", f[3:6])
	}
	w, h := int(f[6])|int(f[7]&0x3f)<<8, int(f[8])|int(f[9]&0x3f)<<8
	if w != 16 || h != 16 {
		t.Errorf("size %dx%d, want 16x16", w, h)
	}
	if size := int(tag >> 5); 10+size > len(f) {
		t.Errorf("first partition of %d bytes does not fit in %d", size, len(f))
	}
}
