package hlsproxy

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
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

// directives reads a playlist request's delivery directives (nil: none).
// A client's bad or far-future blocking reload is the client's 400 before
// any origin request, never a wait an origin could be blamed for: one
// parser refuses what RFC 8216bis does not allow, and a _HLS_msn beyond
// what the proxy already knows of the playlist (Edge.CheckAhead).
func (h *Handler) directives(r *http.Request, key string) (url.Values, error) {
	d, err := delivery.ParseDirectives(r.URL.RawQuery)
	reason := "bad_delivery_directive"
	if err == nil && delivery.Blocking(d) {
		if e, ok := h.cache.edge(key); ok {
			err = e.CheckAhead(d, nowFunc())
			reason = "msn_too_far_ahead"
		}
	}
	if err != nil {
		h.metrics.denied(reason)
		h.logger.Info("playlist request refused", zap.String("reason", reason), zap.String("object", key),
			zap.Error(err), zap.String("remote_ip", reqstate.ClientIPString(r)))
		return nil, caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("playlist %s: %w", key, err))
	}
	return d, nil
}

// playlistError is originError for a playlist request with its
// directives: the origin's 4xx refusal of them (RFC 8216bis: 400 for a
// _HLS_msn too far ahead) is the client's 400, and a blocking reload whose
// hold ran out a 504 logged at INFO: neither is an origin failure.
func (h *Handler) playlistError(r *http.Request, key string, d url.Values, err error) error {
	var oe *origin.Error
	if d == nil || !errors.As(err, &oe) {
		return h.originError(r, "playlist", key, err)
	}
	switch {
	case oe.Kind == origin.HoldExpired:
		h.metrics.request("playlist", "hold_expired")
		h.logger.Info("blocking reload not answered within its hold", zap.String("object", key),
			zap.String("origin", oe.Origin), zap.String("remote_ip", reqstate.ClientIPString(r)))
		return caddyhttp.Error(http.StatusGatewayTimeout, fmt.Errorf("playlist %s: %w", key, err))
	case oe.Kind == origin.Invalid && oe.Status >= 400 && oe.Status < 500:
		h.metrics.request("playlist", "directives_refused")
		return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("playlist %s: the origin refused the delivery directives: %w", key, err))
	}
	return h.originError(r, "playlist", key, err)
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
