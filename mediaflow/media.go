package mediaflow

import "time"

// opusSilenceFrame is one CELT-only Opus frame that decodes to silence
// (RFC 6716: the silence flag is the first symbol the range decoder reads).
var opusSilenceFrame = []byte{0xff, 0xfe}

// opusSilence returns one Opus packet of silence lasting d, built from a
// TOC byte (RFC 6716 section 3.1: CELT-only, fullband, mono) and as many
// 20 ms or single frames as d needs. ok is false for a duration Opus cannot
// put in one packet at this pace.
func opusSilence(d time.Duration) (packet []byte, ok bool) {
	const celtFullband20ms = 31 << 3 // TOC config 31: CELT FB 20 ms
	switch d {
	case 10 * time.Millisecond:
		// config 30 (CELT FB 10 ms), code 0: one frame.
		return append([]byte{30 << 3}, opusSilenceFrame...), true
	case 20 * time.Millisecond:
		// config 31, code 0: one frame (f8 ff fe).
		return append([]byte{celtFullband20ms}, opusSilenceFrame...), true
	case 40 * time.Millisecond:
		// config 31, code 1: two frames of equal size.
		p := []byte{celtFullband20ms | 1}
		p = append(p, opusSilenceFrame...)
		return append(p, opusSilenceFrame...), true
	case 60 * time.Millisecond:
		// config 31, code 3: frame count byte (CBR, no padding, 3 frames).
		p := []byte{celtFullband20ms | 3, 3}
		for range 3 {
			p = append(p, opusSilenceFrame...)
		}
		return p, true
	}
	return nil, false
}

// vp8Keyframe is a complete 16x16 black VP8 key frame (RFC 6386), as the
// libvpx encoder produces it. Repeating it is a valid, if dull, video
// stream that any VP8 decoder accepts.
var vp8Keyframe = []byte{
	0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x10, 0x00, 0x10, 0x00,
	0x00, 0x47, 0x08, 0x85, 0x85, 0x88, 0x85, 0x84, 0x88, 0x02,
	0x02, 0x00, 0x0c, 0x0d, 0x60, 0x00, 0xfe, 0xff, 0xab, 0x50,
	0x80,
}
