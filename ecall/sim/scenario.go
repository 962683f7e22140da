package sim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callrec/callrec/econn"
	"github.com/callrec/callrec/eventlog"
)

// Scenario is a parsed scenario file: one command per line.
type Scenario struct {
	Name    string // the file's base name without extension
	Clients []eventlog.Endpoint
	Cmds    []Cmd
}

// Cmd is one scenario line.
type Cmd struct {
	Line   int
	Verb   string
	Target string   // an endpoint, "A/1->B/2", "backend" or "direct"
	Args   []string // positional words after the target
	KV     []KV     // key=value words, in order
	Text   string   // the line as written, without its comment
	// MustFail is set by a leading "!": the command must return an error
	// (a send that fails, a command refused in the state).
	MustFail bool
}

// KV is one key=value word.
type KV struct{ Key, Value string }

// String returns the command as it was written.
func (c Cmd) String() string { return c.Text }

// Get returns the value of key and whether it was given.
func (c Cmd) Get(key string) (string, bool) {
	for _, kv := range c.KV {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// ParseFile reads and checks a scenario file.
func ParseFile(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return Parse(path, name, f)
}

// ParseString parses a scenario held in a string; file names it in errors.
func ParseString(file, text string) (*Scenario, error) {
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	return Parse(file, name, strings.NewReader(text))
}

// Parse reads a scenario and checks every line before anything runs. A
// scenario with bad lines returns a *ParseError that lists each of them
// (up to MaxErrors) as file:line: what is wrong.
func Parse(file, name string, r io.Reader) (*Scenario, error) {
	p := &parser{sc: &Scenario{Name: name}, known: map[eventlog.Endpoint]bool{}, errs: &ParseError{File: file}}
	lines := newLineReader(r)
	for n := 1; ; n++ {
		text, tooLong, err := lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.fail(n, fmt.Errorf("cannot read the file: %w", err))
			return nil, p.errs
		}
		if tooLong {
			// Skipped whole, so that the lines after it keep their numbers.
			p.fail(n, fmt.Errorf("line too long (longer than %d bytes); skipped", maxLine))
			continue
		}
		p.line(n, text)
	}
	if !p.sawClients {
		p.fail(0, errors.New(`no clients line (e.g. "clients A/1 B/1")`))
	}
	if p.errs.Count() > 0 {
		return nil, p.errs
	}
	return p.sc, nil
}

// parser checks a scenario line by line and collects what is wrong.
type parser struct {
	sc    *Scenario
	known map[eventlog.Endpoint]bool
	errs  *ParseError
	// sawClients is set by the clients line, good or bad; toldClients once
	// a line before it was reported, which says it for the lines after.
	sawClients, toldClients bool
}

// line checks line n, text as read.
func (p *parser) line(n int, text string) {
	if i := strings.IndexByte(text, '#'); i >= 0 && !strings.HasPrefix(strings.TrimSpace(text), "inject") {
		text = text[:i]
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	cmd, err := parseLine(n, text)
	if err != nil {
		p.fail(n, err)
		return
	}
	switch {
	case cmd.Verb == "clients":
		p.sawClients = true
	case !p.sawClients:
		if !p.toldClients {
			p.toldClients = true
			p.fail(n, fmt.Errorf("%s before the clients line", cmd.Verb))
		}
		return
	case len(p.sc.Clients) == 0:
		return // the clients line is bad and reported: no client is known to check against
	}
	if err := check(p.sc, cmd, p.known); err != nil {
		p.fail(n, err)
		return
	}
	p.sc.Cmds = append(p.sc.Cmds, cmd)
}

// fail records what is wrong with line n (0: the whole file).
func (p *parser) fail(n int, err error) {
	if len(p.errs.Lines) == MaxErrors {
		p.errs.More++
		return
	}
	p.errs.Lines = append(p.errs.Lines, &LineError{File: p.errs.File, Line: n, Err: err})
}

// MaxErrors is how many bad lines of a file a ParseError lists; it counts
// the others.
const MaxErrors = 20

// maxLine is the longest line a scenario may have, in bytes, without its
// line end.
const maxLine = 1 << 20

// maxMessage bounds the text of one error, in bytes: a word quoted from a
// long line must not flood the terminal.
const maxMessage = 200

// LineError says what is wrong with one line of a scenario file.
type LineError struct {
	File string
	Line int // 0 when it is about the whole file
	Err  error
}

// Error is "file:line: what is wrong", the way compilers say it.
func (e *LineError) Error() string {
	msg := clip(e.Err.Error(), maxMessage)
	if e.Line == 0 {
		return e.File + ": " + msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, msg)
}

func (e *LineError) Unwrap() error { return e.Err }

// ParseError is every bad line of a scenario file, in order.
type ParseError struct {
	File  string
	Lines []*LineError // the first MaxErrors, a whole-file problem last
	More  int          // how many more there are
}

// Count is the number of errors, listed or not.
func (e *ParseError) Count() int { return len(e.Lines) + e.More }

// Messages are the errors one per line, then how many were left out.
func (e *ParseError) Messages() []string {
	var out []string
	for _, l := range e.Lines {
		out = append(out, l.Error())
	}
	if e.More > 0 {
		noun := "errors"
		if e.More == 1 {
			noun = "error"
		}
		out = append(out, fmt.Sprintf("%s: and %d more %s (only the first %d are listed)", e.File, e.More, noun, MaxErrors))
	}
	return out
}

// Summary counts the errors: "3 errors in f.txt".
func (e *ParseError) Summary() string { return plural(e.Count(), "error") + " in " + e.File }

// Error is Messages, one per line.
func (e *ParseError) Error() string { return strings.Join(e.Messages(), "\n") }

// Unwrap returns the listed errors.
func (e *ParseError) Unwrap() []error {
	out := make([]error, len(e.Lines))
	for i, l := range e.Lines {
		out[i] = l
	}
	return out
}

// clip cuts s to at most n bytes, at a character's start, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// lineReader reads a scenario line by line. Unlike a bufio.Scanner, it
// reads a line longer than maxLine to its end and says so, rather than
// stopping without saying which line it was.
type lineReader struct {
	r   *bufio.Reader
	buf []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64*1024)}
}

// next returns the next line without its "\n" or "\r\n", or whether it
// is too long; io.EOF after the last line.
func (lr *lineReader) next() (line string, tooLong bool, err error) {
	lr.buf = lr.buf[:0]
	read := 0
	for {
		chunk, err := lr.r.ReadSlice('\n')
		read += len(chunk)
		if !tooLong {
			lr.buf = append(lr.buf, chunk...)
			if len(lr.buf) > maxLine+len("\r\n") {
				tooLong, lr.buf = true, lr.buf[:0]
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && read > 0: // a last line without a line end
		case err != nil:
			return "", false, err
		}
		break
	}
	line = strings.TrimSuffix(strings.TrimSuffix(string(lr.buf), "\n"), "\r")
	return line, tooLong || len(line) > maxLine, nil
}

// commandVerbs are the commands a client carries out, which may fail.
var commandVerbs = map[string]bool{
	"start": true, "answer": true, "answer-glare": true, "answer-update": true,
	"update": true, "end": true, "reject": true, "propsync": true, "ping": true,
	"alert": true, "props": true,
}

// verbs lists every command with whether it takes a target.
var verbs = map[string]bool{
	"clients": false, "config": true, "props": true, "start": true, "run": false,
	"answer": true, "answer-glare": true, "answer-update": true, "advance": false, "update": true,
	"end": true, "reject": true, "propsync": true, "ping": true, "alert": true,
	"close": true, "fault": false, "media": true, "expect": true, "inject": false,
	"step": false,
}

func parseLine(n int, text string) (Cmd, error) {
	cmd := Cmd{Line: n, Text: text}
	if rest, ok := strings.CutPrefix(text, "!"); ok {
		cmd.MustFail = true
		text = strings.TrimSpace(rest)
		if text == "" {
			return cmd, fmt.Errorf("\"!\" needs a command after it")
		}
	}
	words := strings.Fields(text)
	cmd.Verb = words[0]
	takesTarget, ok := verbs[cmd.Verb]
	if !ok {
		return cmd, fmt.Errorf("unknown command %q", cmd.Verb)
	}
	rest := words[1:]
	if cmd.Verb == "inject" {
		return parseInject(cmd, text)
	}
	if takesTarget {
		if len(rest) == 0 {
			return cmd, fmt.Errorf("%s needs a client (e.g. %s A/1)", cmd.Verb, cmd.Verb)
		}
		cmd.Target, rest = rest[0], rest[1:]
	}
	for _, w := range rest {
		if k, v, ok := strings.Cut(w, "="); ok {
			if k == "" {
				return cmd, fmt.Errorf("%q: empty key", w)
			}
			cmd.KV = append(cmd.KV, KV{k, v})
		} else {
			cmd.Args = append(cmd.Args, w)
		}
	}
	return cmd, nil
}

// parseInject reads "inject from=A/1 [to=B/1] [via=direct] DATA...": the
// rest of the line after the options is sent as raw bytes.
func parseInject(cmd Cmd, text string) (Cmd, error) {
	rest := strings.TrimSpace(strings.TrimPrefix(text, "inject"))
	for {
		w, tail, _ := strings.Cut(rest, " ")
		k, v, ok := strings.Cut(w, "=")
		if !ok || (k != "from" && k != "to" && k != "via") {
			break
		}
		cmd.KV = append(cmd.KV, KV{k, v})
		rest = strings.TrimSpace(tail)
	}
	if rest == "" {
		return cmd, fmt.Errorf("inject needs data after its options")
	}
	cmd.Args = []string{rest}
	return cmd, nil
}

func check(sc *Scenario, c Cmd, known map[eventlog.Endpoint]bool) error {
	if c.Verb == "clients" {
		return checkClients(sc, c, known)
	}
	if c.Target != "" && c.Verb != "expect" {
		if err := checkEndpoint(c.Target, known); err != nil {
			return err
		}
	}
	if c.MustFail && !commandVerbs[c.Verb] {
		return fmt.Errorf("\"!\" only goes before a client command (start, answer, end, ...), not %s", c.Verb)
	}
	switch c.Verb {
	case "run", "step", "start", "update", "end", "reject", "ping", "answer-glare", "answer-update":
		return noArgs(c, "from")
	case "answer":
		if err := noArgs(c, "from"); err != nil {
			return err
		}
		if v, ok := c.Get("from"); ok {
			return checkEndpoint(v, known)
		}
	case "advance":
		if len(c.Args) != 1 || len(c.KV) != 0 {
			return fmt.Errorf("advance takes one duration (e.g. advance 200ms)")
		}
		_, err := parseDuration(c.Args[0])
		return err
	case "config":
		return checkConfig(c)
	case "props", "propsync":
		if len(c.Args) != 0 || len(c.KV) == 0 {
			return fmt.Errorf("%s takes key=value props (e.g. %s A/1 muted=true)", c.Verb, c.Verb)
		}
	case "alert":
		return checkAlert(c)
	case "close":
		return checkKeys(c, "reason")
	case "fault":
		return checkFault(c, known)
	case "media":
		return checkMedia(c)
	case "expect":
		return checkExpect(c, known)
	case "inject":
		return checkInject(c, known)
	}
	return nil
}

func checkClients(sc *Scenario, c Cmd, known map[eventlog.Endpoint]bool) error {
	if len(sc.Clients) != 0 {
		return fmt.Errorf("a second clients line")
	}
	if len(c.Args) == 0 && c.Target == "" {
		return fmt.Errorf("clients needs at least one user/client")
	}
	if len(c.KV) != 0 {
		return fmt.Errorf("clients takes user/client words, not %s=%s", c.KV[0].Key, c.KV[0].Value)
	}
	for _, w := range c.Args {
		ep, err := eventlog.ParseEndpoint(w)
		if err != nil {
			return err
		}
		if known[ep] {
			return fmt.Errorf("client %s listed twice", ep)
		}
		known[ep] = true
		sc.Clients = append(sc.Clients, ep)
	}
	return nil
}

func checkEndpoint(s string, known map[eventlog.Endpoint]bool) error {
	ep, err := eventlog.ParseEndpoint(s)
	if err != nil {
		return err
	}
	if !known[ep] {
		return fmt.Errorf("unknown client %s (not on the clients line)", ep)
	}
	return nil
}

func noArgs(c Cmd, allowed ...string) error {
	if len(c.Args) != 0 {
		return fmt.Errorf("%s: unexpected %q", c.Verb, c.Args[0])
	}
	return checkKeys(c, allowed...)
}

func checkKeys(c Cmd, allowed ...string) error {
	for _, kv := range c.KV {
		ok := false
		for _, a := range allowed {
			ok = ok || kv.Key == a
		}
		if !ok {
			return fmt.Errorf("%s: unknown key %q (known: %s)", c.Verb, kv.Key, strings.Join(allowed, ", "))
		}
	}
	return nil
}

var configKeys = []string{
	"setup-timeout", "term-timeout", "media-delay", "conn-timeout",
	"media-start-timeout", "datachan-timeout", "manual-glare", "manual-update",
	"clock-offset",
}

func checkConfig(c Cmd) error {
	if len(c.Args) != 0 || len(c.KV) == 0 {
		return fmt.Errorf("config takes key=value settings (known: %s)", strings.Join(configKeys, ", "))
	}
	if err := checkKeys(c, configKeys...); err != nil {
		return err
	}
	for _, kv := range c.KV {
		var err error
		switch kv.Key {
		case "manual-glare", "manual-update":
			_, err = strconv.ParseBool(kv.Value)
		case "clock-offset":
			_, err = parseOffset(kv.Value)
		default:
			_, err = parseDuration(kv.Value)
		}
		if err != nil {
			return fmt.Errorf("config %s: %w", kv.Key, err)
		}
	}
	return nil
}

func checkAlert(c Cmd) error {
	if err := noArgs(c, "level", "descr"); err != nil {
		return err
	}
	if v, ok := c.Get("level"); ok {
		if _, err := strconv.ParseUint(v, 10, 32); err != nil {
			return fmt.Errorf("alert level %q: want an unsigned number", v)
		}
	}
	return nil
}

var faultKinds = []string{"drop", "delay", "duplicate", "reorder", "fail-send"}

func checkFault(c Cmd, known map[eventlog.Endpoint]bool) error {
	if len(c.Args) != 1 {
		return fmt.Errorf("fault needs one kind (%s)", strings.Join(faultKinds, ", "))
	}
	kind := c.Args[0]
	if !contains(faultKinds, kind) {
		return fmt.Errorf("unknown fault %q (known: %s)", kind, strings.Join(faultKinds, ", "))
	}
	if err := checkKeys(c, "from", "to", "type", "resp", "count", "prob", "by", "via"); err != nil {
		return err
	}
	_, err := parseRule(c)
	if err != nil {
		return err
	}
	for _, k := range []string{"from", "to"} {
		if v, ok := c.Get(k); ok {
			if err := checkEndpoint(v, known); err != nil {
				return err
			}
		}
	}
	return nil
}

var mediaActions = []string{"fail", "block", "no-rtp", "no-dc", "dc-close", "ok"}

func checkMedia(c Cmd) error {
	if len(c.Args) != 1 || len(c.KV) != 0 || !contains(mediaActions, c.Args[0]) {
		return fmt.Errorf("media takes one action (%s)", strings.Join(mediaActions, ", "))
	}
	return nil
}

func checkInject(c Cmd, known map[eventlog.Endpoint]bool) error {
	from, ok := c.Get("from")
	if !ok {
		return fmt.Errorf("inject needs from=user/client")
	}
	if err := checkEndpoint(from, known); err != nil {
		return err
	}
	if to, ok := c.Get("to"); ok {
		if err := checkEndpoint(to, known); err != nil {
			return err
		}
	}
	if via, ok := c.Get("via"); ok && via != "backend" && via != "direct" {
		return fmt.Errorf("inject via=%s: want backend or direct", via)
	}
	return nil
}

// expectKeys are the keys an endpoint expectation may use, besides
// remote.<prop>.
var expectKeys = []string{
	"state", "dir", "incoming", "answered", "closed", "reason", "conflict",
	"conns", "timer", "datachannel", "remote", "sequence",
}

// expectsRecorded reports whether a scenario expects something of the
// recorded events (sequence=, count.TYPE=): the run then keeps their
// types.
func expectsRecorded(sc *Scenario) bool {
	for _, c := range sc.Cmds {
		if c.Verb != "expect" {
			continue
		}
		for _, kv := range c.KV {
			if kv.Key == "sequence" || strings.HasPrefix(kv.Key, "count.") {
				return true
			}
		}
	}
	return false
}

func checkExpect(c Cmd, known map[eventlog.Endpoint]bool) error {
	if len(c.Args) != 0 || len(c.KV) == 0 {
		return fmt.Errorf("expect takes key=value checks")
	}
	if c.Target == "backend" || c.Target == "direct" {
		for _, kv := range c.KV {
			if _, err := econn.ParseMsgType(kv.Key); err != nil {
				return fmt.Errorf("expect %s: %w", c.Target, err)
			}
			if _, err := strconv.Atoi(kv.Value); err != nil {
				return fmt.Errorf("expect %s %s=%q: want a count", c.Target, kv.Key, kv.Value)
			}
		}
		return nil
	}
	self, remote, hasRemote := strings.Cut(c.Target, "->")
	if err := checkEndpoint(self, known); err != nil {
		return err
	}
	if hasRemote {
		if err := checkEndpoint(remote, known); err != nil {
			return err
		}
	}
	for _, kv := range c.KV {
		if strings.HasPrefix(kv.Key, "remote.") {
			continue
		}
		if typ, ok := strings.CutPrefix(kv.Key, "count."); ok {
			if _, err := strconv.Atoi(kv.Value); err != nil || typ == "" {
				return fmt.Errorf("expect %s=%s: want count.TYPE=N", kv.Key, kv.Value)
			}
			continue
		}
		if !contains(expectKeys, kv.Key) {
			return fmt.Errorf("expect: unknown key %q (known: %s, remote.<prop>, count.<type>)", kv.Key, strings.Join(expectKeys, ", "))
		}
		if err := checkExpectValue(kv); err != nil {
			return err
		}
	}
	return nil
}

func checkExpectValue(kv KV) error {
	var err error
	switch kv.Key {
	case "state":
		_, err = econn.ParseState(kv.Value)
	case "dir":
		_, err = econn.ParseDir(kv.Value)
	case "incoming", "answered", "closed", "conns":
		_, err = strconv.Atoi(kv.Value)
	case "conflict":
		if !contains([]string{"none", "winner", "loser"}, strings.ToLower(kv.Value)) {
			err = fmt.Errorf("want none, winner or loser")
		}
	case "datachannel":
		if kv.Value != "open" && kv.Value != "closed" {
			err = fmt.Errorf("want open or closed")
		}
	case "sequence":
		for _, typ := range strings.Split(kv.Value, ",") {
			if typ == "" {
				err = fmt.Errorf("want event types separated by commas")
			}
		}
	}
	if err != nil {
		return fmt.Errorf("expect %s=%s: %w", kv.Key, kv.Value, err)
	}
	return nil
}

// parseDuration accepts Go durations ("200ms", "1m30s") and bare
// milliseconds ("100").
func parseDuration(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		return time.Duration(n) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q (e.g. 200ms, 5s)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// maxClockOffset bounds a device's clock offset: a day covers any clock a
// device could be set to by mistake, and keeps the wall clock in range.
const maxClockOffset = 24 * time.Hour

// parseOffset parses a clock offset: a duration with an optional sign,
// "+3.2s", "-500ms" (bare numbers are milliseconds).
func parseOffset(s string) (time.Duration, error) {
	sign := time.Duration(1)
	rest := s
	if r, ok := strings.CutPrefix(s, "-"); ok {
		sign, rest = -1, r
	} else {
		rest = strings.TrimPrefix(s, "+")
	}
	if rest == "" || rest[0] == '-' || rest[0] == '+' {
		return 0, fmt.Errorf("bad offset %q (e.g. +3.2s, -500ms)", s)
	}
	d, err := parseDuration(rest)
	if err != nil {
		return 0, fmt.Errorf("bad offset %q (e.g. +3.2s, -500ms)", s)
	}
	if d > maxClockOffset {
		return 0, fmt.Errorf("offset %q: at most %s either way", s, maxClockOffset)
	}
	return sign * d, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
