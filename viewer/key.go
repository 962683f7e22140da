package viewer

// KeyCode names a key that is not a printable character. The event loop
// translates terminal keys into Keys, so that Model stays free of tcell.
type KeyCode uint8

// Keys the viewer reacts to. KeyRune carries a printable character in
// Key.Rune.
const (
	KeyRune KeyCode = iota
	KeyUp
	KeyDown
	KeyLeft
	KeyRight
	KeyPgUp
	KeyPgDn
	KeyHome
	KeyEnd
	KeyEnter
	KeyEsc
	KeyBackspace
	KeyTab
	KeyBacktab
	KeyF1
	KeyCtrlC
)

// Key is one key press.
type Key struct {
	Code KeyCode
	Rune rune // the character, for KeyRune
}

// Rune returns the Key for a printable character.
func Rune(r rune) Key { return Key{Code: KeyRune, Rune: r} }

// Cmd is something Update asks the event loop to do outside the model.
type Cmd interface{ isCmd() }

// Quit asks the event loop to end.
type Quit struct{}

// WriteFile asks the event loop to write Data to Path and report the
// outcome with Model.Notify.
type WriteFile struct {
	Path string
	Data []byte
}

func (Quit) isCmd()      {}
func (WriteFile) isCmd() {}
