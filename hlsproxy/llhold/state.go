// Package llhold holds LL-HLS blocking playlist reloads for an origin that
// cannot hold them itself (S3: a stored object answers at once, whatever
// the query). A held request waits on one poll loop per playlist object,
// shared by every viewer whatever their token (Hub); what it waits for and
// when it is refused are decided here on the playlist as read (State).
//
// The package has no Caddy dependency: access is decided by the caller
// before any hold, and a held request is answered with the origin's full
// playlist, which the caller rewrites like any other.
package llhold

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"

	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
)

// ErrPartTooFarAhead means a blocking reload asks for a part that the
// playlist will not hold soon, or no segment ever has (RFC 8216bis
// §6.2.5.2: beyond the last part by the Advance Part Limit, 400 at once).
var ErrPartTooFarAhead = errors.New("_HLS_part is beyond the playlist's last part by more than the Advance Part Limit")

// Want is what a blocking reload waits for: segment MSN complete, or, when
// Part >= 0, part Part of segment MSN (or a later one).
type Want struct {
	MSN  int64
	Part int64 // -1: no _HLS_part
}

// Current is the want of a playlist request without _HLS_msn (a delta
// update request): any read answers it.
var Current = Want{MSN: -1, Part: -1}

// WantOf reads a blocking reload's want from directives canonical per
// delivery.ParseDirectives; ok is false without _HLS_msn.
func WantOf(d url.Values) (w Want, ok bool) {
	if !delivery.Blocking(d) {
		return Want{}, false
	}
	msn, err := strconv.ParseInt(d.Get("_HLS_msn"), 10, 64)
	if err != nil {
		return Want{}, false
	}
	w = Want{MSN: msn, Part: -1}
	if d.Has("_HLS_part") {
		if w.Part, err = strconv.ParseInt(d.Get("_HLS_part"), 10, 64); err != nil {
			return Want{}, false
		}
	}
	return w, true
}

// State is where a media playlist stands, as the proxy last read it.
type State struct {
	Next       int64   // the media sequence number of the next segment: those before are complete
	Trailing   int     // parts of segment Next already listed
	Target     float64 // target duration, seconds
	PartTarget float64 // PART-TARGET, seconds; 0 without parts
	Ended      bool    // EXT-X-ENDLIST, or not a media playlist: nothing more will come
}

// StateOf is the State of an analysed playlist.
func StateOf(info *playlist.Info) State {
	return State{
		Next:       info.NextSequence,
		Trailing:   info.TrailingParts,
		Target:     info.TargetDuration,
		PartTarget: info.PartTarget,
		Ended:      info.Endlist || info.Type != playlist.Media,
	}
}

// Has reports whether the playlist holds what w waits for, so the request
// is answered now. An ended playlist answers everything: it will not change.
// A playlist without parts answers a part request with the segment.
func (s State) Has(w Want) bool {
	switch {
	case s.Ended || w.MSN < s.Next:
		return true
	case w.Part < 0 || s.PartTarget <= 0:
		return false
	}
	return w.MSN == s.Next && w.Part < int64(s.Trailing)
}

// Check refuses what RFC 8216bis has the server answer with 400 at once:
// a _HLS_msn more than two beyond the last segment (delivery.ErrTooFarAhead),
// a _HLS_part beyond the last listed part by more than the Advance Part
// Limit, and a part index no segment of this playlist can have.
func (s State) Check(w Want) error {
	if s.Ended {
		return nil
	}
	if s.Next < math.MaxInt64-1 && w.MSN > s.Next+1 {
		return fmt.Errorf("%w (at most %d)", delivery.ErrTooFarAhead, s.Next+1)
	}
	if w.Part < 0 || s.PartTarget <= 0 {
		return nil
	}
	if most := s.maxParts(); w.Part >= most {
		return fmt.Errorf("%w (a segment has at most %d parts)", ErrPartTooFarAhead, most)
	}
	if w.MSN < s.Next {
		return nil
	}
	// Parts ahead of the last listed one, a segment counting as its
	// target duration in parts.
	perSeg := int64(math.Ceil(s.Target / s.PartTarget))
	ahead := (w.MSN-s.Next)*perSeg + w.Part - int64(s.Trailing-1)
	if limit := s.advancePartLimit(); ahead > limit {
		return fmt.Errorf("%w (%d parts ahead, at most %d)", ErrPartTooFarAhead, ahead, limit)
	}
	return nil
}

// maxParts bounds the parts of one segment: every part but a segment's
// last lasts at least 85% of PART-TARGET (RFC 8216bis §4.4.4.9), and a
// segment at most its target duration rounded (+0.5), plus its last part.
func (s State) maxParts() int64 {
	return int64(math.Ceil((s.Target+0.5)/(0.85*s.PartTarget))) + 1
}

// advancePartLimit is RFC 8216bis's Advance Part Limit: three divided by
// PART-TARGET below one second, three otherwise.
func (s State) advancePartLimit() int64 {
	if s.PartTarget < 1 {
		return int64(math.Ceil(3 / s.PartTarget))
	}
	return 3
}

// errNotModifiedWithoutRead: a Fetch said not modified to an unconditional read.
var errNotModifiedWithoutRead = errors.New("the origin answered not modified to an unconditional read")
