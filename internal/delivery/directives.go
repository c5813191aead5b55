package delivery

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The delivery directives of a playlist request (RFC 8216bis §6.2.5), read
// by one parser: what it accepts is what reaches the origin, canonical; what
// it refuses is the client's 400, before any origin request.

// ErrBadDirective means a delivery directive is not what RFC 8216bis allows.
var ErrBadDirective = errors.New("bad delivery directive")

// ErrTooFarAhead means a blocking reload asks for a segment more than two
// beyond the last one of the playlist (RFC 8216bis §6.2.5.2).
var ErrTooFarAhead = errors.New("_HLS_msn is more than two segments beyond the playlist's last")

// maxDecimal is the longest decimal-integer (RFC 8216 §4.2: 1 to 20 characters).
const maxDecimal = 20

// ParseDirectives returns the delivery directives of a request's raw query,
// canonical (numbers in decimal without leading zeros), nil when it has
// none. A parameter is a directive when its decoded name is exactly one of
// DirectiveParams (so %5FHLS_msn is one, _hls_msn is not). It fails with
// ErrBadDirective for a directive that is repeated, has no value, is not a
// decimal-integer of at most 2^63-1 (a media sequence number is never
// larger) for _HLS_msn and _HLS_part, is neither YES nor v2 for _HLS_skip,
// and for _HLS_part without _HLS_msn. The error never quotes a value.
//
// _HLS_skip follows the same rule as the numbers, a 400 rather than the
// full playlist: RFC 8216bis defines exactly YES and v2 (case-sensitive,
// like every enumerated-string), a client requests one of them only after
// reading CAN-SKIP-UNTIL (§6.3.7), and hls.js sends nothing else, so any
// other value (yes, V2, empty, repeated) is no player's request. Answering
// it with a full playlist would make one spelling a directive for the
// proxy and another an ignored parameter; one parser with one answer keeps
// the origin and the proxy agreeing on what was asked.
func ParseDirectives(rawQuery string) (url.Values, error) {
	var out url.Values
	for pair := range strings.SplitSeq(rawQuery, "&") {
		rawName, rawValue, hasValue := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil || !slices.Contains(DirectiveParams, name) {
			continue
		}
		if out.Has(name) {
			return nil, fmt.Errorf("%w: %s is repeated", ErrBadDirective, name)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil || !hasValue || value == "" {
			return nil, fmt.Errorf("%w: %s has no value", ErrBadDirective, name)
		}
		if value, err = canonicalDirective(name, value); err != nil {
			return nil, err
		}
		if out == nil {
			out = url.Values{}
		}
		out.Set(name, value)
	}
	if out.Has("_HLS_part") && !out.Has("_HLS_msn") {
		return nil, fmt.Errorf("%w: _HLS_part without _HLS_msn", ErrBadDirective)
	}
	return out, nil
}

// canonicalDirective checks one directive's value and returns its canonical form.
func canonicalDirective(name, value string) (string, error) {
	if name == "_HLS_skip" {
		if value != "YES" && value != "v2" {
			return "", fmt.Errorf("%w: _HLS_skip is neither YES nor v2", ErrBadDirective)
		}
		return value, nil
	}
	if len(value) > maxDecimal || strings.Trim(value, "0123456789") != "" {
		return "", fmt.Errorf("%w: %s is not a decimal-integer", ErrBadDirective, name)
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: %s is larger than 2^63-1", ErrBadDirective, name)
	}
	return strconv.FormatInt(n, 10), nil
}

// Blocking reports whether directives ask the origin to hold the answer
// until a segment (or part) exists: _HLS_msn is present.
func Blocking(d url.Values) bool { return d.Has("_HLS_msn") }

// Edge is what the proxy last read of a media playlist: the media sequence
// number its next segment will have (playlist.Info.NextSequence), its
// target duration in seconds, and when the origin answered it.
type Edge struct {
	Next   int64
	Target float64
	Seen   time.Time
}

// minSegmentSlack bounds how fast CheckAhead lets a known stream advance.
const minSegmentSlack = 100 * time.Millisecond

// CheckAhead refuses, with ErrTooFarAhead, a blocking reload for a segment
// more than two beyond the last one of the playlist as last read: RFC
// 8216bis §6.2.5.2 has the server answer that with 400 at once, and an
// origin that holds it instead holds it until the hold runs out. It allows
// for the segments the stream may have added since e.Seen, one per half
// target duration begun (segments last about a target duration), so a
// player that read a newer playlist elsewhere is not refused. Directives
// without _HLS_msn, and an edge without a target duration, pass.
func (e Edge) CheckAhead(d url.Values, now time.Time) error {
	msn, err := strconv.ParseInt(d.Get("_HLS_msn"), 10, 64)
	if err != nil || e.Target <= 0 {
		return nil
	}
	added := int64(1) // the last segment (Next-1) plus two
	if elapsed := now.Sub(e.Seen); elapsed > 0 {
		half := max(time.Duration(e.Target*float64(time.Second)/2), minSegmentSlack)
		added += int64((elapsed + half - 1) / half)
	}
	if e.Next > math.MaxInt64-added {
		return nil
	}
	limit := e.Next + added
	if msn > limit {
		return fmt.Errorf("%w (at most %d now)", ErrTooFarAhead, limit)
	}
	return nil
}
