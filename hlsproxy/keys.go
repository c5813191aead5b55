package hlsproxy

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
)

// serveKey answers a request under key_path: the derived delivery key of an
// asset (encrypt, reencrypt) or an origin key object (passthrough). Storage
// keys are never served in decrypt and reencrypt modes; decide has already
// refused anonymous callers.
func (h *Handler) serveKey(w http.ResponseWriter, r *http.Request, q *request) error {
	if h.mode.ServesDerivedKeys() {
		asset, ok := delivery.DerivedKeyAsset(q.key)
		if !ok {
			return caddyhttp.Error(http.StatusNotFound, fmt.Errorf("no key at %s", q.key))
		}
		sec, err := h.derivedKeySecret(r)
		if err != nil {
			return err
		}
		k := sec.DeriveKey(asset)
		return h.writeKey(w, r, q, k[:])
	}
	if h.mode != delivery.Passthrough {
		return caddyhttp.Error(http.StatusNotFound, fmt.Errorf("mode %s serves no keys", h.mode))
	}
	k, err := h.storageKey(r, q.key)
	if err != nil {
		return err
	}
	return h.writeKey(w, r, q, k[:])
}

func (h *Handler) writeKey(w http.ResponseWriter, r *http.Request, q *request, k []byte) error {
	q.auth.Served(authz.KindKey, h.view(q))
	hdr := w.Header()
	hdr.Set("Content-Type", "application/octet-stream")
	hdr.Set("Content-Length", strconv.Itoa(len(k)))
	hdr.Set("Cache-Control", cacheKey)
	hdr.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(k)
	}
	h.metrics.request("key", "ok")
	return nil
}

// storageKey returns a key object from the origin (an at-rest key in
// decrypt and reencrypt, the key a passthrough player fetches), cached
// briefly: a view, or a fleet behind a path hash, costs one origin request
// per key, not one per segment or per viewer.
func (h *Handler) storageKey(r *http.Request, obj string) (segcrypt.Key, error) {
	if k, ok := h.keys.get(obj, nowFunc()); ok {
		return k, nil
	}
	k, err := h.fetchKey(r, obj)
	if err != nil {
		return segcrypt.Key{}, err
	}
	h.keys.put(obj, k, nowFunc())
	return k, nil
}

// fetchKey reads a key object from the origin. Anything but a 200 with
// exactly 16 bytes is a 502 with a log line naming the object.
func (h *Handler) fetchKey(r *http.Request, obj string) (segcrypt.Key, error) {
	resp, err := h.fetch(r, obj, http.MethodGet, nil)
	if err != nil {
		return segcrypt.Key{}, h.originError(r, "key", obj, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil {
		return segcrypt.Key{}, h.originError(r, "key", obj, err)
	}
	k, err := segcrypt.KeyFromBytes(raw)
	if err != nil || resp.StatusCode != http.StatusOK {
		h.metrics.cryptoError("bad_key_object")
		h.logger.Error("key object is not a 16-byte AES-128 key",
			zap.String("object", obj), zap.Int("origin_status", resp.StatusCode), zap.Int("bytes", len(raw)))
		return segcrypt.Key{}, caddyhttp.Error(http.StatusBadGateway, fmt.Errorf("key object %s is not a 16-byte key", obj))
	}
	return k, nil
}
