package hlsproxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
	"github.com/mediagate/caddy-mediagate/internal/httpx"
)

// maxPlaylistBytes bounds a playlist read from the origin.
const maxPlaylistBytes = 16 << 20

// servePlaylist serves a rewritten playlist, from the cache when it is
// fresh and the request has no delivery directives (live.go). A miss
// without directives is read through the playlist flight (sharedPlaylist):
// concurrent misses for one key cost one origin GET. A request with
// directives is a different answer (a blocking reload, a delta update): it
// is never coalesced into a directive-free one, nor served from the cache.
func (h *Handler) servePlaylist(w http.ResponseWriter, r *http.Request, q *request) error {
	key := q.key
	directives, err := h.directives(r, key)
	if err != nil {
		return err
	}
	q.directives = directives
	if h.hub != nil && (delivery.Blocking(directives) || directives.Has("_HLS_skip")) {
		return h.serveHeld(w, r, q, directives)
	}
	if directives == nil {
		if p, ok := h.cache.get(key, nowFunc()); ok {
			return h.writePlaylist(w, r, q, p, false)
		}
		p, err := h.sharedPlaylist(r, key)
		if err != nil {
			return h.readError(r, key, err)
		}
		return h.writePlaylist(w, r, q, p, true)
	}
	resp, err := h.fetchPlaylist(r, key, directives)
	if err != nil {
		return h.playlistError(r, key, directives, err)
	}
	defer func() {
		if resp.Body != nil {
			resp.Body.Close()
		}
	}()
	return h.servePlaylistResponse(w, r, q, resp)
}

// servePlaylistResponse reads a playlist answer of the origin and serves it.
func (h *Handler) servePlaylistResponse(w http.ResponseWriter, r *http.Request, q *request, resp *origin.Response) error {
	p, err := h.readPlaylist(q.key, resp)
	if err != nil {
		return h.readError(r, q.key, err)
	}
	return h.writePlaylist(w, r, q, p, true)
}

// readPlaylist reads an origin's playlist answer into what the cache and
// the flight share: the origin's bytes and headers, before any rewrite. A
// failure is a handler error (502), or the origin's read error (readError).
func (h *Handler) readPlaylist(key string, resp *origin.Response) (*cachedPlaylist, error) {
	if resp.StatusCode != http.StatusOK || resp.Body == nil {
		return nil, caddyhttp.Error(http.StatusBadGateway, fmt.Errorf("playlist %s: origin answered %d", key, resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPlaylistBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxPlaylistBytes {
		h.logger.Error("playlist too large", zap.String("object", key), zap.Int("limit", maxPlaylistBytes))
		return nil, caddyhttp.Error(http.StatusBadGateway, fmt.Errorf("playlist %s is larger than %d bytes", key, maxPlaylistBytes))
	}
	p := &cachedPlaylist{body: body, lastModified: resp.Header.Get("Last-Modified"), fetched: nowFunc()}
	if h.AssetPolicy != nil {
		p.metadata = resp.Header.Values(h.AssetPolicy.Header)
	}
	return p, nil
}

// readError is the handler's error for a failed playlist read: a handler
// error as it is, an origin's failure through originError.
func (h *Handler) readError(r *http.Request, key string, err error) error {
	var he caddyhttp.HandlerError
	if errors.As(err, &he) {
		return err
	}
	return h.originError(r, "playlist", key, err)
}

// writePlaylist applies the access decision and the per-request rewrite.
func (h *Handler) writePlaylist(w http.ResponseWriter, r *http.Request, q *request, p *cachedPlaylist, fresh bool) error {
	key := q.key
	meta := http.Header{}
	if h.AssetPolicy != nil {
		meta[http.CanonicalHeaderKey(h.AssetPolicy.Header)] = p.metadata // every value: AssetPolicy.protected decides from exactly one
	}
	if err := h.allowMetadata(q, meta); err != nil {
		return err
	}
	public := q.public()
	var tok delivery.Token
	if h.Tokenize && !public {
		tok = requestToken(q)
	}
	out, info, err := h.rewriter.Rewrite(p.body, key, tok)
	if err != nil {
		h.metrics.request("playlist", "refused")
		reason := "playlist cannot be rewritten"
		if errors.Is(err, playlist.ErrMalformed) {
			reason = "malformed playlist"
		}
		h.logger.Error(reason, zap.String("object", key), zap.String("mode", string(h.mode)), zap.Error(err))
		return caddyhttp.Error(http.StatusBadGateway, fmt.Errorf("playlist %s: %w", key, err))
	}
	if fresh {
		if info.Type == playlist.Media {
			h.cache.noteEdge(key, delivery.Edge{Next: info.NextSequence, Target: info.TargetDuration, Seen: p.fetched})
		}
		if q.directives == nil {
			h.cache.put(key, p, playlistTTL(info, time.Duration(h.VODCacheTTL)))
		}
	}
	kind := authz.KindMedia
	if info.Type == playlist.Master {
		kind = authz.KindMultivariant
	}
	if q.auth.EntryRefused(kind) {
		// A view starts only with a fresh query token on its entry.
		h.metrics.denied("entry_needs_query_token")
		return caddyhttp.Error(http.StatusForbidden, errors.New("the multivariant playlist starts a view: it requires the query token"))
	}
	q.auth.Served(kind, h.view(q))
	hdr := w.Header()
	hdr.Set("Content-Type", httpx.PlaylistType)
	hdr.Set("Content-Length", strconv.Itoa(len(out)))
	hdr.Set("Cache-Control", playlistCacheControl(info, public, p.fetched, nowFunc()))
	if p.lastModified != "" {
		hdr.Set("Last-Modified", p.lastModified)
	}
	h.setDisposition(hdr, r, key)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		n, _ := w.Write(out)
		h.metrics.sent("playlist", int64(n))
	}
	h.metrics.request("playlist", "ok")
	return nil
}
