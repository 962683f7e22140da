package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: vcs("vcs.revision", "0438770a1b2c3d4e5f60718293a4b5c6d7e8f901", "vcs.modified", "true")},
			"devel (revision 0438770a1b2c, modified)"},
		{debug.BuildInfo{Main: debug.Module{Version: "v0.2.0"}, Settings: vcs("vcs.revision", "abc", "vcs.modified", "false")},
			"v0.2.0 (revision abc)"},
	} {
		if got := describeBuild(&c.bi); got != c.want {
			t.Errorf("describeBuild = %q, want %q", got, c.want)
		}
	}
}
