// Package origin fetches media objects from the storage behind the HLS proxy:
// S3 buckets (SigV4-signed GETs built by hand on one tuned transport) and plain
// HTTP(S) origins, with ordered failover and a circuit breaker per origin (Pool).
//
// The package has no Caddy dependency. Errors are always *Error and never carry
// credentials, signatures or the origin's error body.
package origin

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Request is one object fetch.
type Request struct {
	// Key is the object key relative to the origin's prefix: UNESCAPED, no
	// leading slash, no "." or ".." segments (e.g. "a/b c/ünï.ts").
	Key string
	// Method is http.MethodGet (default when empty) or http.MethodHead.
	Method string
	// Header holds the conditional/range headers to forward. Only Range,
	// If-Range, If-None-Match, If-Modified-Since, If-Match and
	// If-Unmodified-Since are sent; anything else is ignored, so passing the
	// client's whole header is safe (cookies and tokens do not leak).
	Header http.Header
	// Query is appended to the object URL of an HTTP origin, as given: the
	// caller decides what it holds (hls_proxy sends only LL-HLS delivery
	// directives). S3 origins ignore it: an object has no query.
	Query url.Values
	// Hold is how long an HTTP origin may take to its response headers for
	// this request (an LL-HLS blocking playlist reload, which the origin
	// holds until the asked-for part exists); 0 is the origin's timeout.
	// It never shortens the timeout, and S3 origins ignore it.
	//
	// A request with a Hold is a blocking reload the client shaped: its hold
	// running out (HoldExpired) and any status the origin answers it with
	// (a 400 or 404 for the directives, a 503 past the origin's own hold)
	// judge the client's request, not the origin. No breaker counts them
	// and the pool does not fail over; only not reaching the origin does.
	Hold time.Duration
}

// ForwardedHeaders are the request headers an origin receives from Request.Header.
var ForwardedHeaders = []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"}

// Response is an answer from an origin: 200, 206, 304, 412 or 416.
// Body must be closed by the caller; it is nil for HEAD and 304.
//
// Body read errors are *Error: a body shorter than its Content-Length fails
// with an error wrapping io.ErrUnexpectedEOF (Kind Unavailable), a body that
// stalls longer than the origin's timeout between reads fails with Kind Timeout.
type Response struct {
	Origin     string // the origin's display name (no credentials)
	StatusCode int
	// Header: Content-Type, Content-Length, Content-Range, Accept-Ranges, ETag,
	// Last-Modified, Cache-Control, Expires, Content-Encoding,
	// Content-Disposition, Content-Language when present, every x-amz-meta-*
	// header and every configured metadata header.
	Header        http.Header
	ContentLength int64 // -1 when unknown
	Body          io.ReadCloser
}

// Origin is one storage location.
type Origin interface {
	// Name is the display name, e.g. "s3://bucket/prefix" or "https://dam.example.com/media".
	Name() string
	// Fetch fetches one object. The error is always *Error.
	Fetch(ctx context.Context, req *Request) (*Response, error)
	// URLPrefixes are absolute URL prefixes (scheme://host/path/, path escaped,
	// ending in "/") under which this origin's objects are publicly addressed,
	// so a playlist rewriter can map absolute URIs back to keys (see KeyFromURL).
	URLPrefixes() []string
	// Close closes idle connections of the origin's own transport.
	Close() error
}

// answerStatus reports whether an origin status is an answer passed to the caller.
func answerStatus(code int) bool {
	switch code {
	case http.StatusOK, http.StatusPartialContent, http.StatusNotModified,
		http.StatusPreconditionFailed, http.StatusRequestedRangeNotSatisfiable:
		return true
	}
	return false
}
