// Package mediastats turns the media statistics a live call records as
// notes into time series: per connection, media kind and direction, the
// packets per second, the share of packets lost, the jitter and the
// round-trip time of each interval between two reports, and the call's
// signalling events (messages sent and received, state changes, closes)
// as markers to set against them. The web page plots these; the Chrome
// trace export draws them as counter tracks.
//
// It lives under eventlog, not in the web package, because the export
// (which must not import the web page) reads the same notes.
//
// A Tracker reads events one by one and returns the points each note
// completes; it keeps one baseline per stream, nothing per event. Read
// walks a whole call and collects the points and markers into a Series
// whose size is capped (Options.MaxPoints, MaxMarkers): past the cap,
// neighbouring points merge, exactly, since a point carries its
// interval's counts.
//
// Notes are untrusted: a note whose counters do not parse is skipped and
// counted, never a failure.
package mediastats
