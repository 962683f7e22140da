package viewer

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
)

var update = flag.Bool("update", false, "rewrite the golden screen dumps under testdata/")

// newScreen returns an initialised simulation screen of w×h cells.
func newScreen(t testing.TB, w, h int) tcell.SimulationScreen {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	if err := scr.Init(); err != nil {
		t.Fatal(err)
	}
	scr.SetSize(w, h)
	t.Cleanup(scr.Fini)
	return scr
}

// paint draws m on a fresh w×h screen.
func paint(t testing.TB, m *Model, w, h int) tcell.SimulationScreen {
	scr := newScreen(t, w, h)
	m.Resize(w, h)
	draw(scr, m)
	scr.Show()
	return scr
}

// dump returns the screen's text, one line per row, trailing blanks
// trimmed.
func dump(scr tcell.SimulationScreen) string {
	cells, w, h := scr.GetContents()
	var b strings.Builder
	for y := 0; y < h; y++ {
		var row strings.Builder
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			if len(c.Runes) == 0 {
				continue // the second cell of a wide character
			}
			row.WriteString(string(c.Runes))
		}
		b.WriteString(strings.TrimRight(row.String(), " ") + "\n")
	}
	return b.String()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./viewer -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("screen differs from %s (go test ./viewer -update rewrites it):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestScreens(t *testing.T) {
	cases := []struct {
		name string
		w, h int
		opts Options
		keys string
		more []Key
	}{
		{"start_80x24", 80, 24, Options{}, "", nil},
		{"glare_80x24", 80, 24, Options{At: 14}, "", nil},
		{"glare_diff_100x30", 100, 30, Options{At: 14}, "d", nil},
		{"recv_setup_120x40", 120, 40, Options{At: 13}, "", nil},
		{"recv_setup_zoom_80x24", 80, 24, Options{At: 13}, "z", nil},
		{"ignored_80x24", 80, 24, Options{At: 17}, "", nil},
		{"breakpoint_80x24", 80, 24, Options{}, "bstate=Conflict-Resolution", []Key{enter, Rune('c')}},
		{"filter_80x24", 80, 24, Options{}, "fep=B/1", []Key{enter}},
		{"filter_prompt_80x24", 80, 24, Options{}, "fkind=in", nil},
		{"help_80x24", 80, 24, Options{}, "h", nil},
		{"help_end_80x24", 80, 24, Options{}, "h" + strings.Repeat("j", 40), nil},
		{"small_50x12", 50, 12, Options{At: 20}, "", nil},
		{"tiny_15x4", 15, 4, Options{}, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := openGlare(t, c.opts)
			m.Resize(c.w, c.h)
			press(m, c.keys, c.more...)
			golden(t, c.name+".txt", dump(paint(t, m, c.w, c.h)))
		})
	}
}

func TestCallListScreen(t *testing.T) {
	a, b := glareCall(t), glareCall(t)
	b.meta.ID = "second"
	m, err := New(memCatalog{a, b}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "calllist_80x24.txt", dump(paint(t, m, 80, 24)))
}

// cellAt finds text on the screen and returns the style of its cell at
// rune offset off.
func cellAt(t *testing.T, scr tcell.SimulationScreen, text string, off int) tcell.Style {
	t.Helper()
	cells, w, h := scr.GetContents()
	for y := 0; y < h; y++ {
		var row []rune
		var xs []int
		for x := 0; x < w; x++ {
			for _, r := range cells[y*w+x].Runes {
				row = append(row, r)
				xs = append(xs, x)
			}
		}
		if i := strings.Index(string(row), text); i >= 0 {
			return cells[y*w+xs[len([]rune(string(row)[:i]))+off]].Style
		}
	}
	t.Fatalf("%q not on the screen:\n%s", text, dump(scr))
	return tcell.StyleDefault
}

func TestChangedFieldsHighlighted(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		m, _ := openGlare(t, Options{At: 14, NoColor: noColor})
		scr := paint(t, m, 100, 30)
		th := newTheme(noColor)
		if got := cellAt(t, scr, "state      Conflict-Resolution", 11); got != th.get(StyleChanged) {
			t.Errorf("noColor=%v: the changed state is drawn %v, want %v", noColor, got, th.get(StyleChanged))
		}
		if got := cellAt(t, scr, "direction  Outgoing", 11); got == th.get(StyleChanged) {
			t.Errorf("noColor=%v: the unchanged direction is highlighted", noColor)
		}
	}
}

func TestNoColorUsesNoColour(t *testing.T) {
	m, _ := openGlare(t, Options{At: 14, NoColor: true})
	scr := paint(t, m, 100, 30)
	cells, _, _ := scr.GetContents()
	for i, c := range cells {
		fg, bg, _ := c.Style.Decompose()
		if fg != tcell.ColorDefault || bg != tcell.ColorDefault {
			t.Fatalf("cell %d (%q) has colours %v/%v under NO_COLOR", i, string(c.Runes), fg, bg)
		}
	}
	_, _, attr := cellAt(t, scr, "state      Conflict-Resolution", 11).Decompose()
	if attr&tcell.AttrUnderline == 0 {
		t.Fatal("changed field not underlined under NO_COLOR")
	}
}

func TestCursorRowReversed(t *testing.T) {
	m, _ := openGlare(t, Options{At: 14})
	scr := paint(t, m, 80, 24)
	_, _, attr := cellAt(t, scr, "Pending-Outgoing → Conflict", 0).Decompose()
	if attr&tcell.AttrReverse == 0 {
		t.Fatal("cursor row not in reverse video")
	}
}
