package econn

// RewordIgnoreForTest replaces the sentence of every ignore reason by
// f(reason, sentence) and returns a function that restores them; tests
// use it to show that no verify result depends on wording.
func RewordIgnoreForTest(f func(r IgnoreReason, sentence string) string) (restore func()) {
	saved := ignoreWording
	for i := range ignoreWording {
		ignoreWording[i] = f(IgnoreReason(i), ignoreWording[i])
	}
	return func() { ignoreWording = saved }
}
