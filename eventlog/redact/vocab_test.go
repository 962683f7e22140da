package redact_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// vocabSources are the packages whose string literals make up the
// sentences that reach a log as free text: notes, errors, ignore reasons.
var vocabSources = []string{"../../econn", "../../ecall", "../../mediaflow"}

var wordRE = regexp.MustCompile(`[A-Za-z]+`)

// sourceWords returns the words (lower case, two letters or more) of the
// string literals in the non-test Go files under dirs.
func sourceWords(t *testing.T, dirs []string) []string {
	t.Helper()
	words := map[string]bool{}
	fset := token.NewFileSet()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() && d.Name() == "simtest" {
				return filepath.SkipDir // test fixtures (hostile ids), not the program's words
			}
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if _, ok := n.(*ast.ImportSpec); ok {
					return false // import paths are no wording
				}
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						return true
					}
					for _, w := range wordRE.FindAllString(s, -1) {
						if len(w) > 1 {
							words[strings.ToLower(w)] = true
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	out := make([]string, 0, len(words))
	for w := range words {
		out = append(out, w)
	}
	slices.Sort(out)
	return out
}

// TestVocabularyCoversTheSources keeps vocabulary.txt in step with the
// program's wording: every word of a string literal in econn, ecall and
// mediaflow must be in it, or redaction would blank it out of notes and
// errors. `go test ./eventlog/redact -update` rewrites the file.
func TestVocabularyCoversTheSources(t *testing.T) {
	words := sourceWords(t, vocabSources)
	if *update {
		if err := os.WriteFile("vocabulary.txt", []byte(strings.Join(words, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile("vocabulary.txt")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, w := range strings.Fields(string(data)) {
		have[w] = true
	}
	var missing []string
	for _, w := range words {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		t.Errorf("vocabulary.txt lacks %d words of the sources (run go test ./eventlog/redact -update): %s",
			len(missing), strings.Join(missing, " "))
	}
}
