package hlsproxy

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

// maxCachedPlaylist bounds the size of one cached playlist.
const maxCachedPlaylist = 2 << 20

// cachedPlaylist is an origin playlist as fetched, before the per-request
// rewrite (tokens are applied after the cache).
type cachedPlaylist struct {
	body         []byte
	lastModified string
	metadata     string // the asset policy header's value
	expires      time.Time
}

// playlistCache holds origin playlists by object key: VOD ones for the
// configured TTL, live ones for at most half a target duration.
type playlistCache struct {
	lru    *lru.Cache[string, *cachedPlaylist]
	vodTTL time.Duration
}

func newPlaylistCache(size int, vodTTL time.Duration) *playlistCache {
	c, _ := lru.New[string, *cachedPlaylist](size) // size > 0 always
	return &playlistCache{lru: c, vodTTL: vodTTL}
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

// put stores a playlist. A static one (VOD or master) is kept for the VOD
// TTL, a live one for half its target duration (seconds).
func (c *playlistCache) put(key string, p *cachedPlaylist, static bool, targetDuration float64, now time.Time) {
	if c == nil || len(p.body) > maxCachedPlaylist {
		return
	}
	ttl := c.vodTTL
	if !static {
		ttl = time.Duration(targetDuration * float64(time.Second) / 2)
	}
	if ttl <= 0 {
		return
	}
	p.expires = now.Add(ttl)
	c.lru.Add(key, p)
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
