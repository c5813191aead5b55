package hlsproxy

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/dustin/go-humanize"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/mediagate/caddy-mediagate/hlsproxy/objcache"
	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
	"github.com/mediagate/caddy-mediagate/internal/httpx"
)

// maxCachedPlaylist bounds the size of one cached playlist.
const maxCachedPlaylist = 2 << 20

// cachedPlaylist is an origin playlist as fetched, before the per-request
// rewrite (tokens are applied after the cache).
type cachedPlaylist struct {
	body         []byte
	lastModified string
	metadata     []string  // every value of the asset policy header (one decides; more are the default)
	fetched      time.Time // when the origin answered
	expires      time.Time
}

// playlistCache holds origin playlists by object key: VOD ones for the
// configured TTL, live ones for at most half a target duration.
type playlistCache struct {
	lru *lru.Cache[string, *cachedPlaylist]
	// edges remembers each media playlist's target duration and next
	// sequence number past its expiry: the hold of a blocking reload (which
	// never reads the cache) scales with the one, and how far ahead it may
	// ask is bounded by the other (live.go).
	edges *lru.Cache[string, delivery.Edge]
}

func newPlaylistCache(size int) *playlistCache {
	c, _ := lru.New[string, *cachedPlaylist](size) // size > 0 always
	e, _ := lru.New[string, delivery.Edge](size)
	return &playlistCache{lru: c, edges: e}
}

func (c *playlistCache) get(key string, now time.Time) (*cachedPlaylist, bool) {
	if c == nil {
		return nil, false
	}
	p, ok := c.lru.Get(key)
	if !ok || now.After(p.expires) {
		return nil, false
	}
	return p, true
}

// put stores a playlist fetched at p.fetched for ttl (playlistTTL). It
// stores a copy: p may be shared by the waiters of one flight, each of
// which puts it.
func (c *playlistCache) put(key string, p *cachedPlaylist, ttl time.Duration) {
	if c == nil || len(p.body) > maxCachedPlaylist || ttl <= 0 {
		return
	}
	kept := *p
	kept.expires = p.fetched.Add(ttl)
	c.lru.Add(key, &kept)
}

// noteEdge remembers a media playlist's edge (a target duration > 0).
func (c *playlistCache) noteEdge(key string, e delivery.Edge) {
	if c != nil && e.Target > 0 {
		c.edges.Add(key, e)
	}
}

// edge is the last edge seen for key.
func (c *playlistCache) edge(key string) (delivery.Edge, bool) {
	if c == nil {
		return delivery.Edge{}, false
	}
	return c.edges.Get(key)
}

// targetDuration is the last target duration seen for key, 0 when none.
func (c *playlistCache) targetDuration(key string) float64 {
	e, _ := c.edge(key)
	return e.Target
}

// keyCache holds storage keys fetched from the origin (decrypt, reencrypt)
// for a short time, so each segment does not cost a key request.
type keyCache struct {
	lru *lru.Cache[string, keyEntry]
	ttl time.Duration
}

type keyEntry struct {
	key     segcrypt.Key
	expires time.Time
}

func newKeyCache(size int, ttl time.Duration) *keyCache {
	c, _ := lru.New[string, keyEntry](size)
	return &keyCache{lru: c, ttl: ttl}
}

func (c *keyCache) get(obj string, now time.Time) (segcrypt.Key, bool) {
	e, ok := c.lru.Get(obj)
	if !ok || now.After(e.expires) {
		return segcrypt.Key{}, false
	}
	return e.key, true
}

func (c *keyCache) put(obj string, k segcrypt.Key, now time.Time) {
	c.lru.Add(obj, keyEntry{key: k, expires: now.Add(c.ttl)})
}

// The origin shield (objcache): whole-object GETs are shared by concurrent
// callers always; with object_cache they are kept, up to its size.
const (
	// maxShared is the largest body held in memory to be shared (and the
	// per-object limit of object_cache, with a quarter of its size): larger
	// objects stream through, one origin request per viewer.
	maxShared = 32 << 20
	// maxWaiters bounds the requests waiting for origin answers at once
	// (503 beyond): a slow origin holds no more.
	maxWaiters = 4096
	// lengthEntries bounds the plaintext lengths kept, one per object version.
	lengthEntries = 16384
)

// parseObjectCache reads `object_cache <size>|off` (Caddyfile and JSON):
// the cache size in bytes, 0 for off.
func parseObjectCache(v string) (int64, error) {
	if v == "" || v == "off" {
		return 0, nil
	}
	n, err := humanize.ParseBytes(v)
	if err != nil || n == 0 || n > 1<<40 {
		return 0, fmt.Errorf("object_cache: want a size such as 256MiB, or off, got %q", v)
	}
	return int64(n), nil
}

func (h *Handler) provisionShield() error {
	size, err := parseObjectCache(h.ObjectCache)
	if err != nil {
		return err
	}
	perObject := int64(maxShared)
	if size > 0 {
		perObject = min(perObject, size/4)
	}
	h.shield, err = objcache.New(objcache.Config{
		MaxBytes:   size,
		MaxObject:  max(perObject, 1),
		TTL:        time.Duration(h.VODCacheTTL),
		MaxWaiters: maxWaiters,
		Now:        func() time.Time { return nowFunc() },
		OnEvict:    h.metrics.cacheEvicted,
		OnStored:   h.metrics.cacheStored,
		Keep:       keepObject,
	})
	h.lengths = objcache.NewLengths(lengthEntries)
	h.metrics.cacheSized(size)
	return err
}

// keepObject refuses to cache playlists (live ones change every target
// duration; playlistCache holds origin playlists by its own rules) and
// anything the size of a key: keys are never kept outside keyCache.
func keepObject(hdr http.Header, length int64) bool {
	return length != keySize && !playlist.IsPlaylist("", hdr.Get("Content-Type"))
}

// cachedOutput serves rng of a transformed segment (encrypt, reencrypt)
// from object_cache: the output of obj's version under the job's mode and
// params (a digest of every key and IV the transform uses), made once by
// transform from the stored body, shared by concurrent misses and kept
// beside the stored object in the same budget (objcache.Shield.Derive).
// ok is false when the output is not cached (no object_cache, a HEAD, an
// object not kept, a length unknown or over the per-object limit): the
// caller then transforms for itself. Access was decided before, and
// conditional requests and ranges were answered by writeOutput, exactly as
// on a miss: only the bytes come from here.
func (h *Handler) cachedOutput(r *http.Request, q *request, obj *objcache.Object, size int64, params [sha256.Size]byte, rng httpx.Range, transform objcache.Transform) (io.ReadCloser, bool, error) {
	if obj == nil || !h.shield.Caching() {
		return nil, false, nil
	}
	key := objcache.Key{Object: q.key, Output: objcache.Output{
		Version: objcache.Version(q.key, obj.Header, obj.Length), Transform: string(q.job.Mode), Params: params}}
	out, outcome, err := h.shield.Derive(r.Context(), obj, key, size, func(src io.Reader) io.Reader {
		h.metrics.encrypted()
		return transform(src)
	})
	switch {
	case errors.Is(err, objcache.ErrBusy):
		h.metrics.cacheBusy()
		return nil, false, caddyhttp.Error(http.StatusServiceUnavailable, err)
	case err != nil:
		return nil, false, caddyhttp.Error(statusClientClosed, err)
	case out == nil:
		return nil, false, nil
	}
	h.metrics.outputOutcome(outcome.String())
	body, _ := out.Open(r.Context(), rng.Start) // a buffered body opens for anyone
	return readCloser{io.LimitReader(body, rng.Length()), body}, true, nil
}
