package hlsproxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/objcache"
	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
	"github.com/mediagate/caddy-mediagate/internal/httpx"
)

// serveSegment serves a segment that a signed context asks to decrypt,
// encrypt, or both.
func (h *Handler) serveSegment(w http.ResponseWriter, r *http.Request, q *request) error {
	job := q.job
	switch {
	case job.Decrypts():
		sk, err := h.storageKey(r, job.StorageKey)
		if err != nil {
			return err
		}
		return h.serveDecrypted(w, r, q, sk)
	case job.Encrypts():
		return h.serveEncrypted(w, r, q)
	}
	// decrypt mode, a segment stored in clear (or SAMPLE-AES): as stored,
	// but only through its context.
	return h.serveObject(w, r, q)
}

// output describes a transformed body before it is sent.
type output struct {
	q            *request
	key          string
	size         int64 // -1 when unknown
	etag         string
	lastModified string
	public       bool
}

// serveEncrypted adds delivery AES-128 to a segment stored in clear.
func (h *Handler) serveEncrypted(w http.ResponseWriter, r *http.Request, q *request) error {
	key, job := q.key, q.job
	resp, obj, err := h.fetchSegmentObject(r, key)
	if err != nil {
		return h.originError(r, "segment", key, err)
	}
	body := resp.Body
	defer func() {
		if body != nil {
			body.Close()
		}
	}()
	if resp.StatusCode != http.StatusOK {
		return h.cryptoFailure(key, "unexpected_status", fmt.Errorf("origin answered %d", resp.StatusCode))
	}
	if err := h.allowMetadata(q, resp.Header); err != nil {
		return err
	}
	out := output{q: q, key: key, public: q.public(), size: -1, lastModified: resp.Header.Get("Last-Modified"),
		etag: transformedETag(resp.Header.Get("ETag"), job)}
	if resp.ContentLength >= 0 {
		out.size = segcrypt.EncryptedLen(resp.ContentLength)
	}
	dk, div := job.DeliveryKey(), job.DeliveryIV()
	encrypt := func(src io.Reader) io.Reader { return segcrypt.NewEncrypter(src, dk, div) }
	return h.writeOutput(w, r, out, func(rng httpx.Range) (io.ReadCloser, error) {
		if rc, ok, err := h.cachedOutput(r, q, obj, out.size, objcache.Digest(dk[:], div[:]), rng, encrypt); ok || err != nil {
			return rc, err
		}
		h.metrics.encrypted()
		if body == nil {
			return nil, h.cryptoFailure(key, "no_body", errors.New("origin sent no body"))
		}
		b := body
		body = nil // the returned reader owns it now
		if out.size < 0 {
			return readCloser{segcrypt.NewEncrypter(b, dk, div), b}, nil
		}
		return readCloser{segcrypt.NewRangeEncrypter(b, dk, div, rng.Start, rng.End), b}, nil
	})
}

// fetchSegment fetches a segment stored in clear: a HEAD as a HEAD, a GET
// whole through the shield (fetchWhole), shared and, with object_cache, kept.
func (h *Handler) fetchSegment(r *http.Request, key string) (*origin.Response, error) {
	resp, _, err := h.fetchSegmentObject(r, key)
	return resp, err
}

// fetchSegmentObject is fetchSegment that also returns the shared object a
// GET was answered from (nil for a HEAD), for cachedOutput.
func (h *Handler) fetchSegmentObject(r *http.Request, key string) (*origin.Response, *objcache.Object, error) {
	if r.Method == http.MethodHead {
		resp, err := h.fetch(r, key, http.MethodHead, nil)
		return resp, nil, err
	}
	obj, err := h.fetchWhole(r, key)
	if err != nil {
		return nil, nil, err
	}
	resp, err := h.openWhole(r, key, obj)
	obj.Release() // a live body is this caller's now (openWhole claimed it)
	return resp, obj, err
}

// writeOutput answers conditional and range requests for a transformed
// body of out.size bytes, then streams open(range).
func (h *Handler) writeOutput(w http.ResponseWriter, r *http.Request, out output, open func(httpx.Range) (io.ReadCloser, error)) error {
	out.q.auth.Served(authz.KindSegment, h.view(out.q))
	hdr := w.Header()
	if out.etag != "" && etagMatch(r.Header.Get("If-None-Match"), out.etag) {
		hdr.Set("ETag", out.etag)
		w.WriteHeader(http.StatusNotModified)
		h.metrics.request("segment", "not_modified")
		return nil
	}
	status, rng := http.StatusOK, httpx.Range{Start: 0, End: out.size - 1}
	if out.size >= 0 && rangeApplies(r, out) {
		sel, ok, err := httpx.ParseRange(r.Header.Get("Range"), out.size)
		if errors.Is(err, httpx.ErrUnsatisfiable) {
			hdr.Set("Content-Range", httpx.UnsatisfiedRange(out.size))
			return caddyhttp.Error(http.StatusRequestedRangeNotSatisfiable, err)
		}
		if ok {
			status, rng = http.StatusPartialContent, sel
			hdr.Set("Content-Range", rng.ContentRange(out.size))
		}
	}
	var body io.ReadCloser
	if r.Method != http.MethodHead && (out.size < 0 || rng.End >= rng.Start) {
		var err error
		if body, err = open(rng); err != nil {
			return err
		}
		defer body.Close()
	}
	httpx.Judge(out.key, "").Set(hdr, out.key)
	if out.size >= 0 {
		hdr.Set("Content-Length", strconv.FormatInt(rng.Length(), 10))
		hdr.Set("Accept-Ranges", "bytes")
	}
	if out.etag != "" {
		hdr.Set("ETag", out.etag)
	}
	if out.lastModified != "" {
		hdr.Set("Last-Modified", out.lastModified)
	}
	hdr.Set("Cache-Control", cacheProtected)
	if out.public {
		hdr.Set("Cache-Control", cachePublic)
	}
	h.setDisposition(hdr, r, out.key)
	w.WriteHeader(status)
	if body == nil {
		h.metrics.request("segment", strconv.Itoa(status))
		return nil
	}
	h.stream(w, r, "segment", out.key, body)
	return nil
}

// rangeApplies honours If-Range: a range is served only for the same representation.
func rangeApplies(r *http.Request, out output) bool {
	ir := r.Header.Get("If-Range")
	if ir == "" {
		return true
	}
	if strings.HasPrefix(ir, `"`) || strings.HasPrefix(ir, "W/") {
		return out.etag != "" && ir == out.etag
	}
	return out.lastModified != "" && ir == out.lastModified
}

// readTail reads the answer to "Range: bytes=-32": the final blocks and the
// ciphertext length.
func readTail(resp *origin.Response) ([]byte, int64, error) {
	defer resp.Body.Close()
	var total int64
	switch resp.StatusCode {
	case http.StatusPartialContent:
		cr := resp.Header.Get("Content-Range")
		i := strings.LastIndexByte(cr, '/')
		n, err := strconv.ParseInt(cr[i+1:], 10, 64)
		if i < 0 || err != nil {
			return nil, 0, fmt.Errorf("origin Content-Range %q", cr)
		}
		total = n
	case http.StatusOK:
		total = resp.ContentLength
		if total < 0 || total > 32 {
			return nil, 0, fmt.Errorf("origin ignored the tail range (%d bytes)", total)
		}
	default:
		return nil, 0, fmt.Errorf("origin answered %d to the tail range", resp.StatusCode)
	}
	tail, err := io.ReadAll(io.LimitReader(resp.Body, 33))
	if err != nil {
		return nil, 0, err
	}
	if total%segcrypt.BlockSize != 0 || total == 0 {
		return nil, 0, fmt.Errorf("%w: ciphertext of %d bytes", segcrypt.ErrNotBlockAligned, total)
	}
	return tail, total, nil
}

// cryptoFailure logs a segment that cannot be transformed and answers 502.
func (h *Handler) cryptoFailure(key, reason string, err error) error {
	h.metrics.cryptoError(reason)
	h.logger.Error("segment cannot be transformed", zap.String("object", key), zap.String("reason", reason), zap.Error(err))
	return caddyhttp.Error(http.StatusBadGateway, fmt.Errorf("segment %s: %s: %w", key, reason, err))
}

// transformedETag derives a distinct strong ETag for a transformed body.
func transformedETag(originETag string, job delivery.SegmentJob) string {
	if originETag == "" || strings.HasPrefix(originETag, "W/") {
		return ""
	}
	return strings.TrimSuffix(originETag, `"`) + "-" + string(job.Mode) + `"`
}

// etagMatch reports whether an If-None-Match list contains etag.
func etagMatch(list, etag string) bool {
	for c := range strings.SplitSeq(list, ",") {
		c = strings.TrimSpace(c)
		if c == "*" || strings.TrimPrefix(c, "W/") == etag {
			return true
		}
	}
	return false
}

// readCloser reads from a transform and closes the origin body under it.
type readCloser struct {
	io.Reader
	c io.Closer
}

func (rc readCloser) Close() error { return rc.c.Close() }
