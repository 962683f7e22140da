package econn

import "testing"

func TestPropsStringSortedAndClone(t *testing.T) {
	p := Props{"videosend": "true", "muted": "false", "audiocbr": "true"}
	if got, want := p.String(), "{audiocbr=true muted=false videosend=true}"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := Props(nil).String(); got != "{}" {
		t.Fatalf("nil props: %q", got)
	}
	c := p.Clone()
	c["muted"] = "true"
	if p["muted"] != "false" || Props(nil).Clone() != nil {
		t.Fatal("Clone must copy, and keep nil nil")
	}
}
