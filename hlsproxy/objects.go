package hlsproxy

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/httpx"
)

// Cache-Control values.
const (
	cacheKey       = "no-store, private"
	cacheProtected = "private, max-age=3600"
	cachePublic    = "public, max-age=3600"
)

// passHeaders are the origin response headers a client receives as they are.
var passHeaders = []string{"Content-Length", "Content-Range", "ETag", "Last-Modified", "Content-Language"}

// serveObject streams an object as stored: segments, init sections,
// downloads. Range, If-Range and conditional headers go to the origin, which
// answers 206, 304, 412 or 416 itself. Before any byte is written the
// object's type is judged (httpx.Judge: its name and the origin's
// Content-Type, the type sent): a playlist by content type goes down the
// playlist path whole, whatever the request's headers; anything that is not
// media is an attachment in a sandbox. A key object (AES-128 keys are 16
// bytes; "*.key") is never served here, in any mode: only the key endpoint
// serves keys, to token holders.
func (h *Handler) serveObject(w http.ResponseWriter, r *http.Request, q *request) error {
	key := q.key
	var resp *origin.Response
	var err error
	if q.playlistOnly {
		// Only a playlist may be served, and a playlist is served whole:
		// the client's range and conditional headers are not asked.
		resp, err = h.fetch(r, key, r.Method, nil)
	} else {
		resp, err = h.fetchObject(r, key)
	}
	if err != nil {
		return h.originError(r, "object", key, err)
	}
	if resp.Body != nil {
		defer resp.Body.Close()
	}
	meta, err := h.objectMetadata(r, q, resp)
	if err != nil {
		return err
	}
	typ := httpx.Judge(key, meta.Get("Content-Type"))
	if typ.Class == httpx.Playlist {
		return h.serveTypedPlaylist(w, r, q, resp)
	}
	if q.playlistOnly {
		h.metrics.denied("not_served_in_mode")
		return caddyhttp.Error(http.StatusForbidden, fmt.Errorf("object %s: mode %s serves it only through a playlist (raw_objects lists none)", key, h.mode))
	}
	body, err := h.refuseKeyObject(key, resp)
	if err != nil {
		return err
	}
	if err := h.allowMetadata(q, meta); err != nil {
		return err
	}
	q.auth.Served(objectKind(q), h.view(q))
	hdr := w.Header()
	if resp.StatusCode == http.StatusPreconditionFailed || resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		// The origin's error body (S3 XML with request ids) never reaches the client.
		copyHeaders(hdr, resp.Header, "Content-Range")
		h.metrics.request("object", strconv.Itoa(resp.StatusCode))
		return caddyhttp.Error(resp.StatusCode, fmt.Errorf("object %s: origin answered %d", key, resp.StatusCode))
	}
	copyHeaders(hdr, resp.Header, passHeaders...)
	typ.Set(hdr, key)
	hdr.Set("Accept-Ranges", "bytes")
	hdr.Set("Cache-Control", cacheProtected)
	if q.public() {
		hdr.Set("Cache-Control", firstNonEmpty(resp.Header.Get("Cache-Control"), cachePublic))
	}
	h.setDisposition(hdr, r, key)
	w.WriteHeader(resp.StatusCode)
	if r.Method == http.MethodHead || body == nil {
		h.metrics.request("object", strconv.Itoa(resp.StatusCode))
		return nil
	}
	h.stream(w, r, "object", key, body)
	return nil
}

// objectMetadata is the object's own metadata (Content-Type, the asset
// policy's header): the headers of a 200 or 206, which describe the
// object; for a 304, 412 or 416, which need not (an S3 412 or 416 is typed
// as its XML error), a HEAD of the object without the client's headers.
func (h *Handler) objectMetadata(r *http.Request, q *request, resp *origin.Response) (http.Header, error) {
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent {
		return resp.Header, nil
	}
	head, err := h.fetch(r, q.key, http.MethodHead, nil)
	if err != nil {
		return nil, h.originError(r, "object", q.key, err)
	}
	if head.Body != nil {
		head.Body.Close()
	}
	return head.Header, nil
}

// serveTypedPlaylist serves, through the playlist path (entry rule,
// rewrite), an object the origin types as a playlist. The origin's answer
// is reused only when it is the whole object (a 200 to a GET); a part of
// it (206), a 304, 412 or 416, or a HEAD's answer is dropped and the
// playlist fetched whole: never partial, never raw.
func (h *Handler) serveTypedPlaylist(w http.ResponseWriter, r *http.Request, q *request, resp *origin.Response) error {
	q.kind = kindPlaylist
	if resp.StatusCode == http.StatusOK && r.Method == http.MethodGet && resp.Body != nil {
		return h.servePlaylistResponse(w, r, q, resp)
	}
	if resp.Body != nil {
		resp.Body.Close()
	}
	return h.servePlaylist(w, r, q)
}

func objectKind(q *request) authz.Kind {
	if q.kind == kindSegment {
		return authz.KindSegment
	}
	return authz.KindObject
}

// keySize is the size of an AES-128 key object.
const keySize = 16

// refuseKeyObject refuses, before any header is written, an object that is
// a key: named "*.key", or exactly 16 bytes long (Content-Length, the total
// of a Content-Range, or — without a length — a body that ends at 16
// bytes). It returns the body to stream.
func (h *Handler) refuseKeyObject(key string, resp *origin.Response) (io.Reader, error) {
	var body io.Reader
	if resp.Body != nil {
		body = resp.Body
	}
	size := resp.ContentLength
	if resp.StatusCode == http.StatusPartialContent || resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		size = -1
		if cr := resp.Header.Get("Content-Range"); strings.LastIndexByte(cr, '/') >= 0 {
			if n, err := strconv.ParseInt(cr[strings.LastIndexByte(cr, '/')+1:], 10, 64); err == nil {
				size = n
			}
		}
	}
	if size < 0 && body != nil && resp.StatusCode == http.StatusOK {
		br := bufio.NewReaderSize(body, 64)
		if peek, err := br.Peek(keySize + 1); len(peek) == keySize && err != nil {
			size = keySize
		}
		body = br
	}
	if size == keySize || strings.EqualFold(path.Ext(key), ".key") {
		h.metrics.denied("key_object")
		h.logger.Info("key object refused on the object path", zap.String("object", key))
		return nil, caddyhttp.Error(http.StatusForbidden, fmt.Errorf("object %s is a key: keys are served only under key_path", key))
	}
	return body, nil
}

// fetchObject forwards the client's range and conditional headers. S3 does
// not implement If-Range, so it becomes If-Match (an entity tag) or
// If-Unmodified-Since (a date) on the ranged request; when that precondition
// fails, the whole current object is fetched instead, as If-Range asks.
//
// Several ranges are not forwarded (S3 refuses them, and multipart answers
// are not produced): the whole object is served with 200, as RFC 9110 allows.
//
// A plain GET (none of those headers) goes through the shield: shared by
// concurrent callers and, with object_cache, kept (fetchWhole). Ranges,
// HEAD and conditional requests go to the origin as they are, so they
// answer the same whether the object is cached or not.
func (h *Handler) fetchObject(r *http.Request, key string) (*origin.Response, error) {
	if r.Method == http.MethodGet && !hasAny(r.Header, origin.ForwardedHeaders) {
		return h.fetchSegment(r, key)
	}
	rng, ifRange := r.Header.Get("Range"), r.Header.Get("If-Range")
	if strings.Contains(rng, ",") {
		hdr := r.Header.Clone()
		hdr.Del("Range")
		hdr.Del("If-Range")
		return h.fetch(r, key, r.Method, hdr)
	}
	if ifRange == "" || rng == "" {
		return h.fetch(r, key, r.Method, r.Header)
	}
	hdr := r.Header.Clone()
	hdr.Del("If-Range")
	if strings.HasPrefix(ifRange, "W/") {
		hdr.Del("Range") // a weak validator never allows a range
	} else if strings.HasPrefix(ifRange, `"`) {
		hdr.Set("If-Match", ifRange)
	} else {
		hdr.Set("If-Unmodified-Since", ifRange)
	}
	resp, err := h.fetch(r, key, r.Method, hdr)
	if err != nil || resp.StatusCode != http.StatusPreconditionFailed {
		return resp, err
	}
	if resp.Body != nil {
		resp.Body.Close()
	}
	hdr.Del("Range")
	hdr.Del("If-Match")
	hdr.Del("If-Unmodified-Since")
	return h.fetch(r, key, r.Method, hdr)
}

// setDisposition answers ?download or ?download=<name> with an attachment.
func (h *Handler) setDisposition(hdr http.Header, r *http.Request, key string) {
	if !strings.Contains(r.URL.RawQuery, h.DownloadParam) {
		return
	}
	q := r.URL.Query()
	if !q.Has(h.DownloadParam) {
		return
	}
	name := httpx.SafeFilename(q.Get(h.DownloadParam), path.Base(key))
	hdr.Set("Content-Disposition", httpx.Attachment(name))
}

func hasAny(h http.Header, names []string) bool {
	for _, n := range names {
		if h.Get(n) != "" {
			return true
		}
	}
	return false
}

func copyHeaders(dst, src http.Header, names ...string) {
	for _, n := range names {
		if v := src.Values(n); len(v) > 0 {
			dst[http.CanonicalHeaderKey(n)] = append([]string(nil), v...)
		}
	}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
