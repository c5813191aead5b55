package hlsproxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
)

// Directive-free playlist misses share one origin GET (issue 26). The
// flight is the playlist's own, not the shield's (objcache): a playlist is
// read whole before its rewrite anyway, so the flight reads it and shares
// the bytes — the cachedPlaylist the cache keeps — whatever its length. The
// shield shares a body it can buffer (a known length within its per-object
// limit); a playlist of unknown length (a chunked packager) or over the
// limit would be one caller's live body there, and every other caller
// would GET it again. What is shared is the origin's answer only: each
// waiter decides access from its metadata and rewrites it for itself
// (writePlaylist), so no viewer's token is in anything shared.

// errTooManyWaiters answers a playlist miss beyond maxWaiters (503).
var errTooManyWaiters = errors.New("too many requests waiting for the origin")

// playlistFlights coalesces directive-free playlist reads by object key.
type playlistFlights struct {
	group   singleflight.Group
	waiters *semaphore.Weighted // bounds the requests waiting at once
}

func newPlaylistFlights(maxWaiting int64) *playlistFlights {
	return &playlistFlights{waiters: semaphore.NewWeighted(maxWaiting)}
}

// sharedPlaylist reads a directive-free playlist the cache does not hold,
// through one origin GET shared by every concurrent miss for key. The read
// runs on a context of its own (bounded by the origin's timeout): a waiter
// whose client leaves goes at once with 499, the read goes on for the
// others. A failed read fails each waiter with its own error.
func (h *Handler) sharedPlaylist(r *http.Request, key string) (*cachedPlaylist, error) {
	f := h.flights
	if !f.waiters.TryAcquire(1) {
		h.metrics.cacheBusy()
		return nil, caddyhttp.Error(http.StatusServiceUnavailable, fmt.Errorf("playlist %s: %w", key, errTooManyWaiters))
	}
	defer f.waiters.Release(1)
	ctx := context.WithoutCancel(r.Context())
	ch := f.group.DoChan(key, func() (any, error) {
		// A flight that ended between this caller's cache lookup and
		// DoChan may have left its answer in the cache: look again, so the
		// late caller costs no second origin GET.
		if p, ok := h.cache.get(key, nowFunc()); ok {
			return p, nil
		}
		return h.readPlaylistFromOrigin(ctx, key)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*cachedPlaylist), nil
	case <-r.Context().Done():
		return nil, caddyhttp.Error(statusClientClosed, r.Context().Err())
	}
}

// readPlaylistFromOrigin is the flight's one GET of a playlist, without
// directives (nothing of any request's query goes to the origin).
func (h *Handler) readPlaylistFromOrigin(ctx context.Context, key string) (*cachedPlaylist, error) {
	req := &origin.Request{Key: key, Method: http.MethodGet}
	resp, err := h.fetchKind(ctx, req, originKind(req))
	if err != nil {
		return nil, err
	}
	if resp.Body != nil {
		defer resp.Body.Close()
	}
	return h.readPlaylist(key, resp)
}
