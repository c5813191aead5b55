package hlsproxy

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/mediagate/caddy-mediagate/hlsproxy/objcache"
	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
	"github.com/mediagate/caddy-mediagate/internal/httpx"
)

// serveDecrypted removes at-rest AES-128 (and re-encrypts for reencrypt).
//
// One origin GET per view on a miss, none on a hit: the whole object is
// fetched through the shield (fetchWhole), shared by concurrent viewers.
// The plaintext length — needed for Content-Length and ranges before any
// header is sent — comes from the final two blocks' padding, learnt once
// per object version (objcache.Lengths): from the buffered body (which is
// then awaited, so a bad key or a truncated object is a 502, never a short
// 200), or, for an object too large to buffer, from one tail probe. An
// origin body of unknown length (chunked: an origin writing a part as it is
// produced) is streamed instead (serveDecryptedStream).
func (h *Handler) serveDecrypted(w http.ResponseWriter, r *http.Request, q *request, sk segcrypt.Key) error {
	key, job := q.key, q.job
	obj, err := h.fetchWhole(r, key)
	if err != nil {
		return h.originError(r, "segment", key, err)
	}
	defer obj.Release()
	if obj.Status != http.StatusOK {
		return h.cryptoFailure(key, "unexpected_status", fmt.Errorf("origin answered %d", obj.Status))
	}
	if err := h.allowMetadata(q, obj.Header); err != nil {
		return err
	}
	if obj.Length < 0 {
		return h.serveDecryptedStream(w, r, q, obj, sk)
	}
	cipherLen, plainLen, err := h.plainLen(r, q, obj, sk)
	if err != nil {
		return err
	}
	out := output{q: q, key: key, public: q.public(), lastModified: obj.Header.Get("Last-Modified"),
		etag: transformedETag(obj.Header.Get("ETag"), job)}
	openCipher := func(from, to int64) (io.ReadCloser, error) { return h.openCipher(r, q, obj, from, to) }
	if !job.Encrypts() {
		out.size = plainLen
		return h.writeOutput(w, r, out, func(rng httpx.Range) (io.ReadCloser, error) {
			if plainLen == 0 {
				return io.NopCloser(bytes.NewReader(nil)), nil
			}
			win, err := segcrypt.PlainWindow(cipherLen, rng.Start, rng.End)
			if err != nil {
				return nil, h.cryptoFailure(key, "window", err)
			}
			body, err := openCipher(win.FetchStart, win.FetchEnd)
			if err != nil {
				return nil, err
			}
			return readCloser{segcrypt.NewRangeDecrypter(body, sk, job.StorageIV, win), body}, nil
		})
	}
	dk, div := job.DeliveryKey(), job.DeliveryIV()
	out.size = segcrypt.EncryptedLen(plainLen)
	reencrypt := func(src io.Reader) io.Reader {
		return segcrypt.NewEncrypter(segcrypt.NewDecrypter(io.LimitReader(src, cipherLen), sk, job.StorageIV), dk, div)
	}
	params := objcache.Digest(dk[:], div[:], sk[:], job.StorageIV[:])
	return h.writeOutput(w, r, out, func(rng httpx.Range) (io.ReadCloser, error) {
		if rc, ok, err := h.cachedOutput(r, q, obj, out.size, params, rng, reencrypt); ok || err != nil {
			return rc, err
		}
		h.metrics.encrypted()
		body, err := openCipher(0, cipherLen-1)
		if err != nil {
			return nil, err
		}
		clear := segcrypt.NewDecrypter(body, sk, job.StorageIV)
		return readCloser{segcrypt.NewRangeEncrypter(clear, dk, div, rng.Start, rng.End), body}, nil
	})
}

// serveDecryptedStream serves a segment whose origin sent no length: the
// plaintext length is unknown until the end too, so the answer has none
// (chunked, ranges answered whole) and plaintext leaves as whole blocks
// arrive, the final block held back until the origin body ends and its
// padding is checked. A bad key, a bad padding or a truncated body then
// aborts the transfer (stream), never completes it.
func (h *Handler) serveDecryptedStream(w http.ResponseWriter, r *http.Request, q *request, obj *objcache.Object, sk segcrypt.Key) error {
	key, job := q.key, q.job
	out := output{q: q, key: key, size: -1, public: q.public(), lastModified: obj.Header.Get("Last-Modified"),
		etag: transformedETag(obj.Header.Get("ETag"), job)}
	return h.writeOutput(w, r, out, func(httpx.Range) (io.ReadCloser, error) {
		resp, err := h.openWhole(r, key, obj) // the shared body, or our own GET
		if err != nil {
			return nil, h.originError(r, "segment", key, err)
		}
		body := resp.Body
		if resp.StatusCode != http.StatusOK {
			body.Close()
			return nil, h.cryptoFailure(key, "unexpected_status", fmt.Errorf("origin answered %d", resp.StatusCode))
		}
		clear := segcrypt.NewDecrypter(body, sk, job.StorageIV)
		if job.Encrypts() {
			return readCloser{segcrypt.NewEncrypter(clear, job.DeliveryKey(), job.DeliveryIV()), body}, nil
		}
		return readCloser{clear, body}, nil
	})
}

// plainLen returns the ciphertext and plaintext lengths of obj's version,
// validating key and padding the first time a version is seen.
func (h *Handler) plainLen(r *http.Request, q *request, obj *objcache.Object, sk segcrypt.Key) (cipherLen, plainLen int64, err error) {
	key, job := q.key, q.job
	cipherLen = obj.Length
	version := objcache.Version(key, obj.Header, cipherLen)
	if n, ok := h.lengths.Get(version); ok && cipherLen >= 0 {
		return cipherLen, n, nil
	}
	var tail []byte
	if obj.Buffered() {
		body, err := obj.Body().Wait(r.Context())
		if err != nil {
			return 0, 0, h.cryptoFailure(key, "unreadable_body", err)
		}
		start, end, err := segcrypt.TailWindow(cipherLen)
		if err != nil {
			return 0, 0, h.cryptoFailure(key, "bad_ciphertext", err)
		}
		tail = body[start : end+1]
	} else {
		hdr := http.Header{"Range": {"bytes=-32"}}
		if et := obj.Header.Get("ETag"); et != "" {
			hdr.Set("If-Match", et)
		}
		probe, err := h.fetch(r, key, http.MethodGet, hdr)
		if err != nil {
			return 0, 0, h.originError(r, "segment", key, err)
		}
		if tail, cipherLen, err = readTail(probe); err != nil {
			return 0, 0, h.cryptoFailure(key, "unreadable_tail", err)
		}
	}
	if plainLen, err = segcrypt.PlainLen(cipherLen, tail, sk, job.StorageIV); err != nil {
		return 0, 0, h.cryptoFailure(key, "bad_ciphertext", err)
	}
	if obj.Length == cipherLen {
		h.lengths.Put(version, plainLen)
	}
	return cipherLen, plainLen, nil
}

// openCipher reads ciphertext bytes from..to of obj: from the shared
// buffer, from the live body this caller fetched, or (a live body streamed
// by another caller) by a ranged GET of the same version.
func (h *Handler) openCipher(r *http.Request, q *request, obj *objcache.Object, from, to int64) (io.ReadCloser, error) {
	key := q.key
	if body, ok := obj.Open(r.Context(), from); ok {
		return readCloser{io.LimitReader(body, to-from+1), body}, nil
	}
	hdr := http.Header{"Range": {fmt.Sprintf("bytes=%d-%d", from, to)}}
	if et := obj.Header.Get("ETag"); et != "" {
		hdr.Set("If-Match", et)
	}
	resp, err := h.fetch(r, key, http.MethodGet, hdr)
	if err != nil {
		return nil, h.originError(r, "segment", key, err)
	}
	if resp.StatusCode != http.StatusPartialContent && !(resp.StatusCode == http.StatusOK && from == 0) {
		resp.Body.Close()
		return nil, h.cryptoFailure(key, "object_changed", fmt.Errorf("origin answered %d to a ranged read", resp.StatusCode))
	}
	return resp.Body, nil
}
