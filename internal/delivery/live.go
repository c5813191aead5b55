package delivery

import (
	"time"

	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
)

// Live and Low-Latency HLS (RFC 8216bis §6.2.5): the playlist request's
// delivery directives and what a rewritten playlist may promise.

// DirectiveParams are the delivery directives a playlist request forwards
// to an HTTP origin: exactly these, nothing else of the query (a token, a
// download flag, a cache buster) ever reaches the origin.
var DirectiveParams = []string{"_HLS_msn", "_HLS_part", "_HLS_skip"}

// Blocking-reload hold: RFC 8216bis lets a client give up on a blocking
// reload after three target durations, so the proxy waits that long for
// the origin's answer, within [floor, MaxBlockingHold]; unknown target
// durations wait the most.
const (
	MaxBlockingHold       = 30 * time.Second
	blockingTargetFactor  = 3
	unknownTargetDuration = MaxBlockingHold / blockingTargetFactor
)

// BlockingHold is how long a blocking reload of a playlist whose target
// duration is td seconds (0: not known yet) may wait for the origin, never
// less than floor (the origin's own timeout).
func BlockingHold(td float64, floor time.Duration) time.Duration {
	d := unknownTargetDuration
	if td > 0 {
		d = time.Duration(td * float64(time.Second))
	}
	return max(floor, min(blockingTargetFactor*d, MaxBlockingHold))
}

// liveOptions sets what a rewritten live playlist may promise. Every
// playlist keeps CAN-BLOCK-RELOAD: an origin that cannot hold a blocking
// reload (S3) has the proxy hold it (hls_proxy's held.go; it refuses
// blocking_reload origin for such an origin). When the proxy holds
// blocking reloads it also builds the delta updates of every live playlist
// whose origin says CAN-SKIP-UNTIL (playlist.Delta), so CAN-SKIP-UNTIL and
// CAN-SKIP-DATERANGES stay as the origin wrote them: the promise is kept
// exactly when it is made, and no configuration serves a promise nobody
// keeps. The crypto modes deliver whole segments only: parts, preload
// hints and the part hold-back leave the playlist, which then plays at
// regular latency (a part is a byte range of its segment's CBC stream, or
// a separate resource, and no player agrees on how it is decrypted).
func (rw *Rewriter) liveOptions(o *playlist.Options) {
	if rw.Mode != Passthrough {
		o.DropParts = true
		o.DropServerControl = append(o.DropServerControl, "PART-HOLD-BACK")
	}
}
