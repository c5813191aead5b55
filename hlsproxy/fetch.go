package hlsproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/objcache"
	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/internal/httpx"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
)

// statusClientClosed is logged when the client went away (nginx's 499).
const statusClientClosed = 499

// fetch asks the origin pool for an object.
func (h *Handler) fetch(r *http.Request, key, method string, hdr http.Header) (*origin.Response, error) {
	return h.fetchRequest(r, &origin.Request{Key: key, Method: method, Header: hdr})
}

// fetchRequest sends req to the origin pool and records the origin's
// response time (wall clock: a latency, not the caches' clock).
func (h *Handler) fetchRequest(r *http.Request, req *origin.Request) (*origin.Response, error) {
	return h.fetchKind(r.Context(), req, originKind(req))
}

// originKind names an origin request for mediagate_hls_proxy_origin_requests_total.
func originKind(req *origin.Request) string {
	switch {
	case req.Method == http.MethodHead:
		return "head"
	case req.Header.Get("Range") == "bytes=-32":
		return "tail"
	case req.Header.Get("Range") != "":
		return "range"
	case req.Header.Get("If-None-Match") != "" || req.Header.Get("If-Modified-Since") != "":
		return "conditional"
	}
	return "object"
}

// originError turns an origin failure into the handler's error: 404 for a
// missing object, 502 for a refusal or an unreachable origin, 504 for a
// timeout. Refusals and outages are logged at ERROR with the origin and its
// error code, never its body.
func (h *Handler) originError(r *http.Request, kind, key string, err error) error {
	var oe *origin.Error
	if !errors.As(err, &oe) {
		h.logger.Error("origin failure", zap.String("object", key), zap.Error(err))
		return caddyhttp.Error(http.StatusBadGateway, err)
	}
	status := http.StatusBadGateway
	switch oe.Kind {
	case origin.NotFound:
		h.metrics.request(kind, "not_found")
		return caddyhttp.Error(http.StatusNotFound, fmt.Errorf("object %s: %w", key, err))
	case origin.Canceled:
		return caddyhttp.Error(statusClientClosed, err)
	case origin.Timeout:
		status = http.StatusGatewayTimeout
	}
	h.metrics.request(kind, "origin_"+oe.Kind.String())
	h.logger.Error("origin refused or failed",
		zap.String("origin", oe.Origin),
		zap.String("object", key),
		zap.String("failure", oe.Kind.String()),
		zap.Int("origin_status", oe.Status),
		zap.String("code", oe.Code),
		zap.String("remote_ip", reqstate.ClientIPString(r)))
	return caddyhttp.Error(status, err)
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// stream copies a body to the client after the headers were written, as it
// arrives: what a read returns short of the buffer (the source had no more
// yet: a part being written, a slow origin) is flushed at once
// (httpx.CopyFlushing), while a fast body goes out in full buffers. A
// failure mid-body aborts the connection, so the client sees a broken
// transfer, never a short answer that looks complete.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, kind, key string, body io.Reader) {
	bp := copyBufs.Get().(*[]byte)
	n, err := httpx.CopyFlushing(w, flusher(w), body, *bp)
	copyBufs.Put(bp)
	h.metrics.sent(kind, n)
	if err == nil {
		h.metrics.request(kind, "ok")
		return
	}
	if r.Context().Err() != nil {
		h.metrics.request(kind, "client_gone")
	} else {
		h.metrics.request(kind, "aborted")
		h.logger.Error("aborting response: body failed mid-stream",
			zap.String("object", key), zap.Int64("bytes_sent", n), zap.Error(err))
	}
	panic(http.ErrAbortHandler)
}

// flusher flushes w's buffered bytes to the client (through Caddy's
// wrappers, which unwrap to net/http's writer); a writer that cannot flush
// is left to flush at the end.
func flusher(w http.ResponseWriter) func() error {
	rc := http.NewResponseController(w)
	return func() error {
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		return nil
	}
}

// fetchWhole fetches a whole object by GET through the shield: concurrent
// callers share one origin request, and with object_cache a cached object
// costs none (or a conditional GET after the TTL). Access was decided
// before (pipeline.go); the caller still applies allowMetadata to the
// answer's headers, cached or not.
func (h *Handler) fetchWhole(r *http.Request, key string) (*objcache.Object, error) {
	obj, outcome, err := h.shield.Get(r.Context(), objcache.Request{
		Flight:   "GET\x00" + key,
		CacheKey: objcache.ObjectKey(key),
		Fetch: func(ctx context.Context, cond http.Header) (*objcache.Response, error) {
			kind := "object"
			if cond != nil {
				kind = "conditional"
			}
			resp, err := h.fetchKind(ctx, &origin.Request{Key: key, Method: http.MethodGet, Header: cond}, kind)
			if err != nil {
				return nil, err
			}
			return &objcache.Response{Status: resp.StatusCode, Header: resp.Header, Length: resp.ContentLength, Body: resp.Body}, nil
		},
	})
	switch {
	case errors.Is(err, objcache.ErrBusy):
		h.metrics.cacheBusy()
		return nil, caddyhttp.Error(http.StatusServiceUnavailable, err)
	case err != nil && r.Context().Err() != nil:
		return nil, caddyhttp.Error(statusClientClosed, err)
	case err != nil:
		return nil, err
	}
	h.metrics.cacheOutcome(outcome.String())
	return obj, nil
}

// openWhole turns a shared object into this caller's origin response: the
// shared body, or (a live body another caller streams) its own GET.
func (h *Handler) openWhole(r *http.Request, key string, obj *objcache.Object) (*origin.Response, error) {
	resp := &origin.Response{StatusCode: obj.Status, Header: obj.Header, ContentLength: obj.Length}
	if obj.Status == http.StatusNotModified {
		return resp, nil
	}
	body, ok := obj.Open(r.Context(), 0)
	if ok {
		resp.Body = body
		return resp, nil
	}
	return h.fetch(r, key, http.MethodGet, nil)
}

// fetchKind is fetchRequest on a context of its own (a shared fetch
// outlives the caller that started it), counted by kind.
func (h *Handler) fetchKind(ctx context.Context, req *origin.Request, kind string) (*origin.Response, error) {
	h.metrics.originRequest(kind)
	start := time.Now()
	resp, err := h.pool.Fetch(ctx, req)
	if err == nil {
		h.metrics.originResponse(resp.Origin, start)
	}
	return resp, err
}
