// Package buildinfo names this build for --version, from the build
// information Go records: the module version and the VCS revision.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Version describes this build from its build information: the main
// module's version ("devel" for a build from a work tree, which Go calls
// "(devel)"), then the VCS revision and whether the tree was modified,
// when the build recorded them: "devel (revision 0438770a1b2c, modified)".
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (no build information)"
	}
	return describeBuild(bi)
}

func describeBuild(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return v
	}
	var extra []string
	extra = append(extra, "revision "+rev[:min(len(rev), 12)])
	if modified == "true" {
		extra = append(extra, "modified")
	}
	return v + " (" + strings.Join(extra, ", ") + ")"
}
