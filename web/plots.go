package web

import "net/http"

// --- media plots: web2's part --------------------------------------------------
//
// The page's <section id="plots"> is drawn by static/plots.js from what
// this route answers. Until the plots are built, the call has no series
// to plot and the section stays empty.

// plotsAnswer is /api/plots: the series of the call's media statistics.
type plotsAnswer struct {
	Series []any `json:"series"`
}

func (s *Server) handlePlots(w http.ResponseWriter, r *http.Request, c *callView) {
	writeJSON(w, plotsAnswer{Series: []any{}})
}
