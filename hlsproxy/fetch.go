package hlsproxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
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
	start := time.Now()
	resp, err := h.pool.Fetch(r.Context(), req)
	if err == nil {
		h.metrics.originResponse(resp.Origin, start)
	}
	return resp, err
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

// stream copies a body to the client after the headers were written. A
// failure mid-body aborts the connection, so the client sees a broken
// transfer, never a short answer that looks complete.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, kind, key string, body io.Reader) {
	bp := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(writerOnly{w}, onlyReader{body}, *bp)
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

// onlyReader and writerOnly hide WriterTo and ReaderFrom, so CopyBuffer
// uses our pooled buffer: Caddy's response writer implements ReadFrom by
// handing net/http 64 KiB pieces, for each of which net/http allocates a
// fresh 32 KiB buffer (half a byte of garbage per byte streamed).
type onlyReader struct{ io.Reader }

type writerOnly struct{ io.Writer }
