package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/callrec/callrec/eventlog/export"
)

// exportExt is the file name ending of each format's download.
var exportExt = map[export.Format]string{
	export.JSONL: "jsonl", export.Mermaid: "mmd", export.ChromeTrace: "trace.json", export.Text: "txt",
}

// handleExport streams the call in the format asked, as a download; the
// export reads the call once, on a reader of its own.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, c *callView) {
	f, err := export.ParseFormat(r.URL.Query().Get("format"))
	if err == nil && exportExt[f] == "" {
		err = fmt.Errorf("format %q: the page exports jsonl, mermaid, chrome-trace and text", f)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	rd, err := c.l.Call(c.meta.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	defer rd.Close()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", fileName(c.meta.ID)+"."+exportExt[f]))
	if err := export.Write(w, rd, export.Options{Format: f}); err != nil {
		// The headers are gone: the download ends early, and says why.
		fmt.Fprintf(w, "\nexport failed: %s\n", esc(err.Error()))
	}
}

// fileName keeps a call id's letters, digits, '-' and '_' for a
// download's name: the id comes from the log.
func fileName(id string) string {
	name := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, id)
	if name == "" {
		return "call"
	}
	return name
}
