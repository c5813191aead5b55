package llhold

import (
	"slices"
	"strings"
	"time"

	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
)

// What a poller remembers of its playlist's EXT-X-DATERANGE tags across
// versions, for the delta updates that skip them (_HLS_skip=v2): when each
// tag was first seen and which IDs left, bounded per playlist. A gap in
// the reads (nobody waited, the origin failed) starts the history afresh,
// since a version the poller did not read may have held a date range.

// Bounds of one playlist's history: removed IDs kept, and the longest ID
// listed (a longer one, or one with a tab or quote, cannot be listed in
// RECENTLY-REMOVED-DATERANGES, so the history restarts after it).
const (
	maxRemoved = 256
	maxIDBytes = 1024
)

// gapReads: reads further apart than this many poll intervals are a gap.
const gapReads = 4

// dateRangeMemory is a poller's history; guarded by the Hub's mutex.
type dateRangeMemory struct {
	hist *playlist.DateRangeHistory // published with the last read: never modified
	last time.Time                  // when that read was fetched
}

// note returns the history as of a read at `at` listing ranges; reads
// more than gap after the previous one start a new history.
func (m *dateRangeMemory) note(ranges []playlist.DateRange, at time.Time, gap time.Duration) *playlist.DateRangeHistory {
	prev := m.hist
	gapped := prev == nil || at.Sub(m.last) > gap
	m.last = at
	if !gapped && unchanged(prev, ranges) {
		return prev
	}
	h := &playlist.DateRangeHistory{Since: at, Added: make(map[playlist.DateRange]time.Time, len(ranges))}
	present := map[string]bool{}
	for _, dr := range ranges {
		present[dr.ID] = true
		h.Added[dr] = at
		if t, ok := firstSeen(prev, dr); ok && !gapped {
			h.Added[dr] = t
		}
	}
	if !gapped {
		h.Since = prev.Since
		for _, r := range prev.Removed {
			if !present[r.ID] {
				h.Removed = append(h.Removed, r)
			}
		}
		var gone []string
		for dr := range prev.Added {
			if !present[dr.ID] && !slices.Contains(gone, dr.ID) {
				gone = append(gone, dr.ID)
			}
		}
		slices.Sort(gone)
		for _, id := range gone {
			if len(id) > maxIDBytes || strings.ContainsAny(id, "\t\"\r\n") {
				h.Since = at // cannot be listed: the history restarts
				continue
			}
			h.Removed = append(h.Removed, playlist.RemovedDateRange{ID: id, At: at})
		}
		if n := len(h.Removed) - maxRemoved; n > 0 {
			if at := h.Removed[n-1].At; at.After(h.Since) {
				h.Since = at
			} // what was dropped is no longer known
			h.Removed = append([]playlist.RemovedDateRange(nil), h.Removed[n:]...)
		}
	}
	m.hist = h
	return h
}

// firstSeen is when dr was first seen (false: not in h).
func firstSeen(h *playlist.DateRangeHistory, dr playlist.DateRange) (time.Time, bool) {
	if h == nil {
		return time.Time{}, false
	}
	t, ok := h.Added[dr]
	return t, ok
}

// unchanged reports whether a read lists exactly the tags of h.
func unchanged(h *playlist.DateRangeHistory, ranges []playlist.DateRange) bool {
	if len(ranges) != len(h.Added) {
		return false
	}
	for _, dr := range ranges {
		if _, ok := h.Added[dr]; !ok {
			return false
		}
	}
	return true
}
