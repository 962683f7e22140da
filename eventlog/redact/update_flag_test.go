package redact_test

import "flag"

// update rewrites vocabulary.txt from the program's own wording (see
// TestVocabularyCoversTheSources).
var update = flag.Bool("update", false, "rewrite vocabulary.txt")
