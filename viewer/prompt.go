package viewer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// prompt is a line the person types in the status line, for a key that
// needs more than one key press (go to, search, filter, breakpoint,
// write). Its keys edit the line; Enter submits it.
type prompt struct {
	kind promptKind
	text []rune
}

type promptKind uint8

const (
	promptGoto promptKind = iota
	promptSearch
	promptSearchBack
	promptFilter
	promptBreak
	promptWrite
)

var promptLabels = [...]string{
	promptGoto:       ":",
	promptSearch:     "/",
	promptSearchBack: "?",
	promptFilter:     "filter (ep=A/1 kind=input type=SETUP; empty clears): ",
	promptBreak:      "break (state=S recv=T send=T ignored close; empty clears): ",
	promptWrite:      "write event as JSON to: ",
}

// ask opens a prompt of the given kind, with text typed in already.
func (m *Model) ask(kind promptKind, text string) {
	m.prompt = &prompt{kind: kind, text: []rune(text)}
}

// updatePrompt edits the line: characters are typed, Backspace deletes
// (on an empty line it closes the prompt, as Esc does), Enter submits.
func (m *Model) updatePrompt(k Key) Cmd {
	p := m.prompt
	switch k.Code {
	case KeyEsc:
		m.prompt = nil
	case KeyBackspace:
		if len(p.text) == 0 {
			m.prompt = nil
			break
		}
		p.text = p.text[:len(p.text)-1]
	case KeyEnter:
		m.prompt = nil
		cmd := m.submit(p.kind, strings.TrimSpace(string(p.text)))
		m.refresh()
		return cmd
	case KeyRune:
		p.text = append(p.text, k.Rune)
	}
	return nil
}

// submit does what the prompt was opened for.
func (m *Model) submit(kind promptKind, text string) Cmd {
	switch kind {
	case promptGoto:
		seq, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			m.fail(fmt.Errorf("go to %q: want a sequence number", text))
			return nil
		}
		m.fail(m.gotoSeq(seq))
	case promptSearch, promptSearchBack:
		m.searchFor(text, kind == promptSearchBack)
	case promptFilter:
		m.setFilter(text)
	case promptBreak:
		m.toggleBreakpoint(text)
	case promptWrite:
		return m.writeEvent(text)
	}
	return nil
}

// writeEvent asks the event loop to write the event under the cursor as
// JSON to the file path.
func (m *Model) writeEvent(path string) Cmd {
	if path == "" {
		m.fail(errors.New("write: no file name given"))
		return nil
	}
	row := m.Current()
	if row == nil {
		return nil
	}
	data, err := EventJSON(&row.Event)
	if err != nil {
		m.fail(fmt.Errorf("event %d as JSON: %w", row.Event.Seq, err))
		return nil
	}
	return WriteFile{Path: path, Data: data}
}
