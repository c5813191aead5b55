package hlsproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/llhold"
	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
)

// Blocking reloads held by the proxy (blocking_reload proxy, the default
// for S3 origins: docs/live.md). A request with _HLS_msn that passed
// edgeauth and decide waits on the one poller of its playlist object
// (llhold.Hub) and is answered with the first read that holds what it
// asked for, rewritten like any playlist for this request.

// Values of blocking_reload.
const (
	reloadAuto   = "auto"
	reloadProxy  = "proxy"
	reloadOrigin = "origin"
)

// blockingReloadRule is the one rule of blocking_reload: auto, proxy or
// origin, and origin only when every origin can hold a blocking reload
// (no S3 origin, not even a replica). origins nil checks the name only.
func blockingReloadRule(v string, origins []OriginConfig) error {
	switch v {
	case "", reloadAuto, reloadProxy:
		return nil
	case reloadOrigin:
		if cannotBlock(origins) {
			return errors.New("blocking_reload origin: an S3 origin cannot hold a blocking reload (use proxy or auto)")
		}
		return nil
	}
	return fmt.Errorf("blocking_reload: want auto, proxy or origin, got %q", v)
}

// proxyHolds reports whether the proxy holds blocking reloads: proxy, or
// auto with an origin that cannot (S3).
func (h *Handler) proxyHolds() bool {
	switch h.BlockingReload {
	case reloadProxy:
		return true
	case reloadOrigin:
		return false
	}
	return cannotBlock(h.Origins)
}

// errBadPlaylist marks a polled playlist the proxy cannot use (not 200,
// too large, malformed): it answers the waiting requests with 502 at once.
var errBadPlaylist = errors.New("the origin playlist cannot be served")

// provisionHolds starts the hub when the proxy holds blocking reloads.
func (h *Handler) provisionHolds() {
	if !h.proxyHolds() {
		return
	}
	h.hub = llhold.NewHub(llhold.Options{
		Fetch: h.pollPlaylist,
		Final: func(err error) bool {
			var oe *origin.Error
			return errors.Is(err, errBadPlaylist) ||
				errors.As(err, &oe) && (oe.Kind == origin.NotFound || oe.Kind == origin.Denied || oe.Kind == origin.Invalid)
		},
		Observer: h.metrics.observer(),
		OnPoll: func(err error) {
			if err != nil {
				h.logger.Warn("blocking reload: playlist poll failed", zap.Error(err))
			}
		},
	})
}

// pollPlaylist is the hub's read of a playlist object: a plain GET, no
// directives (the origin cannot block), conditional on the last ETag;
// counted in origin_requests_total like any origin request (object, or
// conditional after the first read).
func (h *Handler) pollPlaylist(ctx context.Context, key, etag string) (*llhold.Snapshot, error) {
	req := &origin.Request{Key: key, Method: http.MethodGet}
	if etag != "" {
		req.Header = http.Header{"If-None-Match": {etag}}
	}
	resp, err := h.fetchKind(ctx, req, originKind(req)) // counted: most of a live S3 origin's GETs
	if err != nil {
		return nil, err
	}
	if resp.Body != nil {
		defer resp.Body.Close()
	}
	if resp.StatusCode == http.StatusNotModified && etag != "" {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK || resp.Body == nil {
		return nil, fmt.Errorf("%w: %s: origin answered %d", errBadPlaylist, key, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPlaylistBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxPlaylistBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", errBadPlaylist, key, maxPlaylistBytes)
	}
	info, err := playlist.Analyze(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errBadPlaylist, key, err)
	}
	s := &llhold.Snapshot{Body: body, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"),
		Fetched: time.Now(), State: llhold.StateOf(info), DateRanges: info.DateRanges}
	if h.AssetPolicy != nil {
		s.Metadata = resp.Header.Values(h.AssetPolicy.Header)
	}
	return s, nil
}

// serveHeld answers a blocking reload the proxy holds: at most three
// target durations (delivery.BlockingHold), then 504, never an origin
// failure; a _HLS_msn or _HLS_part too far ahead of the playlist is a 400.
// A _HLS_skip request (with or without _HLS_msn) is answered with the
// delta update of the poller's read (playlist.Delta), built from the
// origin's bytes and then rewritten like the full playlist.
func (h *Handler) serveHeld(w http.ResponseWriter, r *http.Request, q *request, d url.Values) error {
	key := q.key
	want, ok := llhold.WantOf(d)
	if !ok {
		want = llhold.Current
	}
	hold := delivery.BlockingHold(h.cache.targetDuration(key), 0)
	snap, err := h.hub.Wait(r.Context(), key, want, hold)
	switch {
	case err == nil:
	case errors.Is(err, llhold.ErrHoldExpired):
		h.metrics.request("playlist", "hold_expired")
		h.logger.Info("blocking reload not answered within its hold", zap.String("object", key),
			zap.Duration("hold", hold), zap.String("remote_ip", reqstate.ClientIPString(r)))
		return caddyhttp.Error(http.StatusGatewayTimeout, fmt.Errorf("playlist %s: %w", key, err))
	case errors.Is(err, delivery.ErrTooFarAhead), errors.Is(err, llhold.ErrPartTooFarAhead):
		h.metrics.denied("msn_too_far_ahead")
		h.logger.Info("playlist request refused", zap.String("reason", "msn_too_far_ahead"), zap.String("object", key),
			zap.Error(err), zap.String("remote_ip", reqstate.ClientIPString(r)))
		return caddyhttp.Error(http.StatusBadRequest, fmt.Errorf("playlist %s: %w", key, err))
	case r.Context().Err() != nil:
		return caddyhttp.Error(statusClientClosed, err)
	case errors.Is(err, llhold.ErrClosed):
		return caddyhttp.Error(http.StatusServiceUnavailable, fmt.Errorf("playlist %s: %w", key, err))
	default:
		return h.originError(r, "playlist", key, err)
	}
	body := snap.Body
	if skip := d.Get("_HLS_skip"); skip != "" {
		body, _ = playlist.Delta(body, playlist.DeltaRequest{Skip: skip, History: snap.History, Now: time.Now()})
	}
	p := &cachedPlaylist{body: body, lastModified: snap.LastModified, metadata: snap.Metadata, fetched: snap.Fetched}
	return h.writePlaylist(w, r, q, p, true)
}
