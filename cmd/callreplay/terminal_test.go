package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/sim/simtest"
	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// The hostile texts these tests plant besides simtest.Hostile's: a call
// id that retitles the terminal's window, a note that clears the screen,
// flips the text and starts a C1 CSI, and a prop name that blinks.
const (
	hostileCallID = "call\x1b]0;pwned\x07"
	hostileNote   = "\x1b[2J\u202eflip\u009b"
	hostileProp   = "nick\x1b[5m"
)

// hostileCall is simtest.Hostile recorded as hostileCallID, with a note
// of B's holding hostileNote in its text, type and attributes.
func hostileCall(t *testing.T) call {
	t.Helper()
	c := generate(t, hostileCallID, simtest.Hostile)
	last := c.events[len(c.events)-1]
	c.events = append(c.events, eventlog.Event{At: last.At, Endpoint: simtest.HostileB, Kind: eventlog.KindNote,
		Type: "app", Note: &eventlog.Note{Text: hostileNote, Attrs: map[string]string{hostileProp: hostileNote}}})
	return c
}

// tamperForgedStep changes the props of the Incoming output the forged
// SETUP produced to {hostileProp: hostileNote}: verify then reports that
// step, whose input names the forged session id.
func tamperForgedStep(t *testing.T, c call) call {
	t.Helper()
	evs := append([]eventlog.Event(nil), c.events...)
	forged := false
	for i, ev := range evs {
		if ri, ok := ev.Input.(eventlog.RecvInput); ok {
			m, err := ri.Decode()
			forged = err == nil && m.Msg.SessID == simtest.HostileSessID
		}
		if in, ok := ev.Output.(econn.Incoming); ok && forged {
			in.Props = econn.Props{hostileProp: hostileNote}
			evs[i].Output = in
			return call{c.meta, evs}
		}
	}
	t.Fatal("no Incoming after the forged SETUP")
	return call{}
}

// checkInert fails unless out is text a terminal shows as it is: valid
// UTF-8 without C0 controls (but newlines), DEL, C1 controls or bidi
// controls.
func checkInert(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s: output holds bytes that are not UTF-8:\n%q", what, out)
		return
	}
	for _, r := range out {
		if r != '\n' && (r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x061c || r == 0x200e || r == 0x200f ||
			r >= 0x2028 && r <= 0x202e || r >= 0x2066 && r <= 0x2069) {
			t.Errorf("%s: output holds %U:\n%q", what, r, out)
			return
		}
	}
}

// TestHostileTextIsPrintedEscaped runs every command that prints a log
// for people on simtest.Hostile: nothing a peer recorded reaches the
// terminal as a control or bidi character, and the hostile texts are
// shown, escaped.
func TestHostileTextIsPrintedEscaped(t *testing.T) {
	c := hostileCall(t)
	path := writeCalls(t, c)
	forgedSess := `\x1b]52;c;SGVsbG8=\x07`
	hostileB := `B\x1b[31m\u202e/1`
	for _, tc := range []struct {
		args []string
		want []string // escaped texts the output shows
	}{
		{[]string{"show", path}, []string{`call call\x1b]0;pwned\x07`, "sess " + forgedSess, hostileB, `\x1b[2J\u202eflip\u009b`,
			`{nick=\u202eevil\u009b}`, `{nick=\u202eevil}`}},
		{[]string{"show", path, "--ladder", "--width", "160"}, []string{hostileB, "SETUP"}},
		{[]string{"export", path, "--format", "text"}, []string{"sess " + forgedSess, hostileB}},
		{[]string{"export", path, "--format", "mermaid"}, []string{"participant P1 as " + hostileB}},
		{[]string{"ls", path}, []string{`call\x1b]0;pwned\x07`, "A/1," + hostileB}},
	} {
		what := strings.Join(tc.args[:1], " ") + " " + strings.Join(tc.args[2:], " ")
		r := runCmd(t, tc.args...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", what, r.code, r.stderr)
		}
		checkInert(t, what, r.stdout)
		for _, want := range tc.want {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s: output lacks %q:\n%s", what, want, r.stdout)
			}
		}
	}
}

// TestHostileVerifyReport: the report of a diverging step whose input,
// outputs and fields hold hostile texts prints them escaped.
func TestHostileVerifyReport(t *testing.T) {
	path := writeCalls(t, tamperForgedStep(t, hostileCall(t)))
	r := runCmd(t, "verify", path)
	if r.code != cmdutil.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, cmdutil.ExitFailed, r.stdout, r.stderr)
	}
	checkInert(t, "verify", r.stdout)
	for _, want := range []string{`call call\x1b]0;pwned\x07`, `B\x1b[31m\u202e/1`, `sess \x1b]52;c;SGVsbG8=\x07`,
		`(reset) {nick\x1b[5m=\`, "0 ok, 1 diverged"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestHostileErrorLine: the note naming the call show picks of several
// (the latest) prints its id escaped.
func TestHostileErrorLine(t *testing.T) {
	path := writeCalls(t, basicCall(t), hostileCall(t))
	r := runCmd(t, "show", path)
	if r.code != 0 || !strings.Contains(r.stderr, `call\x1b]0;pwned\x07`) {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	checkInert(t, "note", r.stderr)
}

// TestHostileJSONIsExact: the JSON outputs keep every hostile text as it
// was recorded, byte for byte once decoded.
func TestHostileJSONIsExact(t *testing.T) {
	path := writeCalls(t, hostileCall(t))
	hostileB := simtest.HostileB.String()
	var calls []struct {
		ID        string   `json:"id"`
		Endpoints []string `json:"endpoints"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "ls", path, "--json")), &calls); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].ID != hostileCallID || calls[0].Endpoints[1] != hostileB {
		t.Fatalf("ls --json: %+v", calls)
	}
	for _, args := range [][]string{{"show", path, "--json"}, {"export", path, "--format", "jsonl"}} {
		found := map[string]bool{}
		sc := bufio.NewScanner(strings.NewReader(mustRun(t, args...)))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rec struct {
				Endpoint string `json:"endpoint"`
				Text     string `json:"text"`
				Data     struct {
					Data  json.RawMessage   `json:"data"` // a message, or the text of one that does not decode
					Props map[string]string `json:"props"`
					Attrs map[string]string `json:"attrs"`
				} `json:"data"`
			}
			var msg struct {
				SessID string            `json:"sessid"`
				Props  map[string]string `json:"props"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("%s: %v", args, err)
			}
			_ = json.Unmarshal(rec.Data.Data, &msg)
			found["endpoint"] = found["endpoint"] || rec.Endpoint == hostileB
			found["sessid"] = found["sessid"] || msg.SessID == simtest.HostileSessID
			found["sentence"] = found["sentence"] || strings.HasSuffix(rec.Text, "sess "+simtest.HostileSessID)
			found["forged props"] = found["forged props"] || msg.Props["nick"] == "\u202eevil"
			found["props"] = found["props"] || rec.Data.Props["nick"] == "\u202eevil\u009b"
			found["note"] = found["note"] || rec.Text == hostileNote && rec.Data.Attrs[hostileProp] == hostileNote
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if len(found) != 6 || strings.Contains(fmt.Sprint(found), "false") {
			t.Errorf("%s: exact texts found: %v", args, found)
		}
	}
}
