package econn

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The vocabulary's contract: every kind is listed, described, compared by
// every field and redacted in every field that can hold personal data. A
// kind added without one of these fails here.

// notCompared lists the fields equality leaves out on purpose: Transient
// is a hint to the transport, Time and Age come from the decoder's clock
// arguments, not from the message.
var notCompared = map[string]bool{"Msg.Transient": true, "Msg.Time": true, "Msg.Age": true}

func TestKindsListIsComplete(t *testing.T) {
	in, out := sealedTypes(t)
	var listedIn, listedOut []string
	for _, k := range InputKinds() {
		listedIn = append(listedIn, reflect.TypeOf(k).Name())
	}
	for _, k := range OutputKinds() {
		listedOut = append(listedOut, reflect.TypeOf(k).Name())
	}
	sort.Strings(listedIn)
	sort.Strings(listedOut)
	if !slices.Equal(in, listedIn) {
		t.Errorf("InputKinds() = %v, types with isInput: %v", listedIn, in)
	}
	if !slices.Equal(out, listedOut) {
		t.Errorf("OutputKinds() = %v, types with isOutput: %v", listedOut, out)
	}
}

// sealedTypes reads the package's source for the receivers of isInput and
// isOutput.
func sealedTypes(t *testing.T) (in, out []string) {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pkgs["econn"].Files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 {
				continue
			}
			id, ok := fn.Recv.List[0].Type.(*ast.Ident)
			if !ok {
				continue
			}
			switch fn.Name.Name {
			case "isInput":
				in = append(in, id.Name)
			case "isOutput":
				out = append(out, id.Name)
			}
		}
	}
	sort.Strings(in)
	sort.Strings(out)
	return in, out
}

func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range InputKinds() {
		if name := reflect.TypeOf(k).Name(); k.InputName() != name || seen[name] {
			t.Errorf("%T: InputName %q (duplicate: %t)", k, k.InputName(), seen[name])
		}
		seen[k.InputName()] = true
	}
	for _, k := range OutputKinds() {
		if name := reflect.TypeOf(k).Name(); k.OutputName() != name || seen[name] {
			t.Errorf("%T: OutputName %q (duplicate: %t)", k, k.OutputName(), seen[name])
		}
		seen[k.OutputName()] = true
	}
}

func TestKindsDescribe(t *testing.T) {
	for _, k := range kindsFilled() {
		d := describeKind(k)
		if d == "" || strings.ContainsAny(d, "\n%{}") && !strings.Contains(d, "{") {
			t.Errorf("%T: description %q", k, d)
		}
	}
}

func TestKindsEqualCoversEveryField(t *testing.T) {
	for _, k := range kindsFilled() {
		if !equalKind(k, k) {
			t.Errorf("%T: not equal to itself", k)
		}
		for _, path := range leafPaths(reflect.ValueOf(k), "") {
			if notCompared[path] {
				continue
			}
			m := mutated(k, path)
			if equalKind(k, m) {
				t.Errorf("%T: Equal ignores a change of %s", k, path)
			}
		}
	}
	if !EqualOutputs(Incoming{Props: nil}, Incoming{Props: Props{}}) {
		t.Error("nil props differ from empty props")
	}
	if !EqualInputs(Close{Reason: ErrCanceled}, Close{Reason: fmt.Errorf("wrapped: %w", ErrCanceled)}) {
		t.Error("errors are not compared by stable name")
	}
}

// tagger marks every value it is given, so that a field left out of a
// kind's Redact stays unmarked.
type tagger struct{}

func (tagger) UserID(s string) string     { return "R(" + s + ")" }
func (tagger) ClientID(s string) string   { return "R(" + s + ")" }
func (tagger) SessID(s string) string     { return "R(" + s + ")" }
func (tagger) SDP(s string) string        { return "R(" + s + ")" }
func (tagger) Text(s string) string       { return "R(" + s + ")" }
func (tagger) Credential(s string) string { return "R(" + s + ")" }
func (tagger) Secret(b []byte) []byte     { return append([]byte("R("), b...) }
func (tagger) Props(p Props) Props {
	c := Props{}
	for k, v := range p {
		c[k] = "R(" + v + ")"
	}
	return c
}

func TestKindsRedactEveryPersonalField(t *testing.T) {
	for _, k := range kindsFilled() {
		before := fmt.Sprintf("%#v", k)
		r := redactKind(k)
		if after := fmt.Sprintf("%#v", k); after != before {
			t.Errorf("%T: Redact changed the original", k)
		}
		for _, path := range leafPaths(reflect.ValueOf(r), "") {
			v := leaf(reflect.ValueOf(r), path)
			if personal(v) && !tagged(v) {
				t.Errorf("%T: Redact leaves %s = %v as it was", k, path, v.Interface())
			}
		}
	}
}

func personal(v reflect.Value) bool {
	switch v.Type() {
	case reflect.TypeOf(""), reflect.TypeOf([]byte(nil)), reflect.TypeOf(Props(nil)), reflect.TypeOf((*error)(nil)).Elem():
		return true
	}
	return false
}

func tagged(v reflect.Value) bool {
	switch x := v.Interface().(type) {
	case string:
		return strings.HasPrefix(x, "R(")
	case []byte:
		return bytes.HasPrefix(x, []byte("R("))
	case Props:
		for _, w := range x {
			if !strings.HasPrefix(w, "R(") {
				return false
			}
		}
		return true
	case error:
		return strings.HasPrefix(ErrorName(x), "error:R(")
	}
	return false
}

func describeKind(k any) string {
	if in, ok := k.(Input); ok {
		return in.Describe()
	}
	return k.(Output).Describe()
}

func equalKind(a, b any) bool {
	if in, ok := a.(Input); ok {
		return in.Equal(b.(Input))
	}
	return a.(Output).Equal(b.(Output))
}

func redactKind(k any) any {
	if in, ok := k.(Input); ok {
		return in.Redact(tagger{})
	}
	return k.(Output).Redact(tagger{})
}

// kindsFilled returns every kind with every field set to a distinct value.
func kindsFilled() []any {
	var out []any
	for _, k := range InputKinds() {
		out = append(out, filled(k))
	}
	for _, k := range OutputKinds() {
		out = append(out, filled(k))
	}
	return out
}

func filled(k any) any {
	v := reflect.New(reflect.TypeOf(k)).Elem()
	n := 0
	fill(v, &n)
	return v.Interface()
}

var errorType = reflect.TypeOf((*error)(nil)).Elem()

func fill(v reflect.Value, n *int) {
	*n++
	switch {
	case v.Type() == errorType:
		v.Set(reflect.ValueOf(ErrorFromName(fmt.Sprintf("error:e%d", *n))))
		return
	case v.Type() == reflect.TypeOf(Props(nil)):
		v.Set(reflect.ValueOf(Props{fmt.Sprintf("k%d", *n): fmt.Sprintf("v%d", *n)}))
		return
	case v.Type() == reflect.TypeOf(State(0)):
		v.Set(reflect.ValueOf(StatePendingIncoming))
		return
	case v.Type() == reflect.TypeOf(MsgType(0)):
		v.Set(reflect.ValueOf(MsgSetup))
		return
	case v.Type() == reflect.TypeOf(IgnoreReason(0)):
		v.Set(reflect.ValueOf(IgnoreWrongSession))
		return
	case v.Type() == reflect.TypeOf(time.Duration(0)):
		v.SetInt(int64(*n) * int64(time.Millisecond))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i), n)
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), n)
		v.Set(s)
	}
}

// leafPaths lists the paths ("Msg.ICEServers.0.URLs.0") of every leaf.
func leafPaths(v reflect.Value, prefix string) []string {
	if v.Kind() == reflect.Interface && v.Type() != errorType {
		v = v.Elem()
	}
	t := v.Type()
	if t == errorType || t == reflect.TypeOf(Props(nil)) || t == reflect.TypeOf([]byte(nil)) {
		return []string{prefix}
	}
	join := func(s string) string {
		if prefix == "" {
			return s
		}
		return prefix + "." + s
	}
	switch v.Kind() {
	case reflect.Struct:
		var out []string
		for i := 0; i < v.NumField(); i++ {
			out = append(out, leafPaths(v.Field(i), join(t.Field(i).Name))...)
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return leafPaths(v.Elem(), prefix)
	case reflect.Slice:
		var out []string
		for i := 0; i < v.Len(); i++ {
			out = append(out, leafPaths(v.Index(i), join(fmt.Sprint(i)))...)
		}
		return out
	}
	return []string{prefix}
}

func leaf(v reflect.Value, path string) reflect.Value {
	if v.Kind() == reflect.Interface && v.Type() != errorType {
		v = v.Elem()
	}
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		for v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if v.Kind() == reflect.Slice {
			var i int
			fmt.Sscan(part, &i)
			v = v.Index(i)
		} else {
			v = v.FieldByName(part)
		}
	}
	return v
}

// mutated returns a deep copy of k with the leaf at path changed.
func mutated(k any, path string) any {
	c := deepCopy(reflect.ValueOf(k))
	l := leaf(c, path)
	switch {
	case l.Type() == errorType:
		l.Set(reflect.ValueOf(errors.New("other")))
	case l.Type() == reflect.TypeOf(Props(nil)):
		p := maps.Clone(l.Interface().(Props))
		p["other"] = "x"
		l.Set(reflect.ValueOf(p))
	case l.Type() == reflect.TypeOf([]byte(nil)):
		l.SetBytes(append(slices.Clone(l.Bytes()), 'x'))
	case l.Kind() == reflect.String:
		l.SetString(l.String() + "x")
	case l.Kind() == reflect.Bool:
		l.SetBool(!l.Bool())
	case l.CanInt():
		l.SetInt(l.Int() + 1)
	case l.CanUint():
		l.SetUint(l.Uint() + 1)
	}
	return c.Interface()
}

func deepCopy(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Interface {
		if v.IsNil() || v.Type() == errorType {
			return v
		}
		v = v.Elem()
	}
	c := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			c.Field(i).Set(deepCopy(v.Field(i)))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(deepCopy(v.Elem()))
			c.Set(p)
		}
	case reflect.Slice:
		if !v.IsNil() {
			s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := 0; i < v.Len(); i++ {
				s.Index(i).Set(deepCopy(v.Index(i)))
			}
			c.Set(s)
		}
	case reflect.Map:
		if !v.IsNil() {
			m := reflect.MakeMap(v.Type())
			for _, k := range v.MapKeys() {
				m.SetMapIndex(k, v.MapIndex(k))
			}
			c.Set(m)
		}
	default:
		c.Set(v)
	}
	return c
}

// Each reason's facts are exactly the arguments its sentence names.
func TestIgnoreFactsMatchWording(t *testing.T) {
	field := map[string]string{"state": "State", "reqresp": "Resp", "gen": "Gen", "armed": "ArmedGen",
		"err": "Err", "user": "User", "client": "Client", "sess": "Sess", "remote-user": "RemoteUser",
		"remote-client": "RemoteClient", "remote-sess": "RemoteSess", "local-user": "LocalUser",
		"local-client": "LocalClient", "text": "Text"}
	for _, r := range IgnoreReasons() {
		var named []string
		for _, m := range regexp.MustCompile(`\{([a-z-]+)\}`).FindAllStringSubmatch(ignoreWording[r], -1) {
			if m[1] == "type" {
				continue
			}
			f, ok := field[m[1]]
			if !ok {
				t.Errorf("%s: unknown placeholder {%s}", r, m[1])
			}
			named = append(named, f)
		}
		facts := r.Facts()
		sort.Strings(named)
		sort.Strings(facts)
		if !slices.Equal(named, facts) {
			t.Errorf("%s: the sentence names %v, Facts() %v", r, named, facts)
		}
	}
}
