package hlsproxy

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
)

// Live playlists (no EXT-X-ENDLIST) and LL-HLS delivery directives
// (docs/live.md). The bound: a live playlist is never served older than
// half its target duration (half its part target for LL-HLS) — not from
// the proxy's cache, and not from a downstream cache, whose max-age is
// what is left of that bound. A request with delivery directives is
// answered by the origin, never by the cache, and never stored.

// liveMaxAge is how long a live media playlist may be reused.
func liveMaxAge(info *playlist.Info) time.Duration {
	td := info.TargetDuration
	if info.PartTarget > 0 && info.PartTarget < td {
		td = info.PartTarget
	}
	return time.Duration(td * float64(time.Second) / 2)
}

// isLive reports a media playlist that may still change.
func isLive(info *playlist.Info) bool { return info.Type == playlist.Media && !info.Endlist }

// playlistTTL is how long the proxy keeps a playlist: VOD and multivariant
// ones vodTTL, live ones liveMaxAge.
func playlistTTL(info *playlist.Info, vodTTL time.Duration) time.Duration {
	if isLive(info) {
		return liveMaxAge(info)
	}
	return vodTTL
}

// fetchPlaylist asks the origins for a playlist, with the request's
// delivery directives (allow-listed: nothing else of the query goes) and,
// for a blocking reload, the hold the origin may take to answer.
func (h *Handler) fetchPlaylist(r *http.Request, key string, d url.Values) (*origin.Response, error) {
	req := &origin.Request{Key: key, Method: http.MethodGet, Query: d}
	if delivery.Blocking(d) {
		req.Hold = delivery.BlockingHold(h.cache.targetDuration(key), time.Duration(h.Timeout))
	}
	return h.fetchRequest(r, req)
}

// playlistCacheControl: a live playlist for what is left of its bound
// (fetched is when the proxy got it from the origin), VOD ones a minute;
// private unless the asset is public.
func playlistCacheControl(info *playlist.Info, public bool, fetched, now time.Time) string {
	maxAge := 60
	if isLive(info) {
		left := fetched.Add(liveMaxAge(info)).Sub(now)
		maxAge = int(math.Floor(left.Seconds()))
	}
	scope := "private"
	if public {
		scope = "public"
	}
	if maxAge <= 0 {
		return scope + ", no-cache"
	}
	return scope + ", max-age=" + strconv.Itoa(maxAge)
}

// cannotBlock reports whether some origin cannot hold a blocking reload
// (S3: a stored object answers at once, whatever the directives). A
// failover to such a replica would answer blocking reloads at once, and a
// player that was promised blocking would reload in a tight loop.
func cannotBlock(origins []OriginConfig) bool {
	for _, o := range origins {
		if scheme, _, _, err := origin.ParseOriginURL(o.URL); err != nil || scheme == "s3" {
			return true
		}
	}
	return false
}
