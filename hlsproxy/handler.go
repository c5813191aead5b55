// Package hlsproxy is the Caddy module http.handlers.hls_proxy: a terminal
// handler that fetches playlists, keys, segments and downloads from S3 or
// HTTP origins (with failover), rewrites playlists and applies AES-128
// delivery modes. The logic lives in the pure packages beside it: origin,
// playlist, segcrypt, delivery and httpx.
package hlsproxy

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/llhold"
	"github.com/mediagate/caddy-mediagate/hlsproxy/objcache"
	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
	"github.com/mediagate/caddy-mediagate/internal/httpx"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler proxies HLS (and any other object) from private origins.
type Handler struct {
	// Origins in order: the first is the primary, later ones are failover replicas.
	Origins []OriginConfig `json:"origins,omitempty"`
	// StripPrefix is removed from the request path to get the object key.
	StripPrefix string `json:"strip_prefix,omitempty"`
	// Encryption is passthrough (default), decrypt, encrypt or reencrypt.
	Encryption string `json:"encryption,omitempty"`
	// KeySecret signs segment contexts and derives per-asset keys
	// (required unless passthrough). Placeholders {env.*} and {file.*} work.
	KeySecret string `json:"key_secret,omitempty"`
	// KeySecrets replaces KeySecret for a rotation: every secret opens
	// contexts and derives the keys their playlists named, the first seals
	// and derives for new playlists (secrets.go).
	KeySecrets []string `json:"key_secrets,omitempty"`
	// KeyPath is where the proxy serves keys. Default /keys.
	KeyPath string `json:"key_path,omitempty"`
	// Tokenize appends the request's token to every rewritten URI.
	Tokenize bool `json:"tokenize,omitempty"`
	// Timeout for an origin's response headers (and between body reads). Default 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// FailoverBackoff is how long a failed replica is skipped. Default 30s.
	FailoverBackoff caddy.Duration `json:"failover_backoff,omitempty"`
	// DownloadParam turns ?name or ?name=file into an attachment. Default "download".
	DownloadParam string `json:"download_param,omitempty"`
	// AssetPolicy decides per object whether a token is required.
	AssetPolicy *AssetPolicy `json:"asset_policy,omitempty"`
	// PlaylistCache bounds the in-memory cache of origin playlists (entries). Default 256; -1 disables.
	PlaylistCache int `json:"playlist_cache,omitempty"`
	// VODCacheTTL is how long a VOD playlist is reused. Default 60s.
	VODCacheTTL caddy.Duration `json:"vod_cache_ttl,omitempty"`
	// RawObjects lists, in decrypt, encrypt and reencrypt, the objects
	// served as stored (thumbnails, subtitles, downloads): globs on the
	// object key, one without "/" on its last element, case ignored. Those
	// modes serve nothing else but playlists, segments through their
	// sealed context and derived keys.
	RawObjects []string `json:"raw_objects,omitempty"`
	// BlockingReload says who holds LL-HLS blocking reloads (_HLS_msn,
	// _HLS_part): "proxy" (one poller per playlist object, held.go),
	// "origin" (forwarded; HTTP origins only) or "auto" (default): proxy
	// when an origin is S3, origin otherwise.
	BlockingReload string `json:"blocking_reload,omitempty"`
	// ObjectCache bounds the in-memory cache of stored objects (segments,
	// downloads): a size such as "256MiB", or "off" (the default). Cached
	// objects are revalidated after vod_cache_ttl. Concurrent fetches of
	// one object share one origin request either way (cache.go).
	ObjectCache string `json:"object_cache,omitempty"`

	mode     delivery.Mode
	secrets  *segcrypt.Keyring
	pool     *origin.Pool
	rewriter *delivery.Rewriter
	cache    *playlistCache
	keys     *keyCache
	hub      *llhold.Hub      // blocking reloads the proxy holds; nil when the origin holds them
	flights  *playlistFlights // directive-free playlist misses, coalesced (playlistflight.go)
	shield   *objcache.Shield
	lengths  *objcache.Lengths
	logger   *zap.Logger
	metrics  *metrics
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.hls_proxy",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision resolves secrets, builds the origins and the caches.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	repl := caddy.NewReplacer()
	var err error
	if h.mode, err = delivery.ParseMode(h.Encryption); err != nil {
		return err
	}
	if _, err := parseObjectCache(h.ObjectCache); err != nil {
		return err // before any origin is built
	}
	if h.KeyPath == "" {
		h.KeyPath = "/keys"
	}
	for _, d := range []struct {
		name string
		v    caddy.Duration
	}{{"timeout", h.Timeout}, {"failover_backoff", h.FailoverBackoff}, {"vod_cache_ttl", h.VODCacheTTL}} {
		if err := checkDuration(d.name, d.v, true); err != nil {
			return err
		}
	}
	if h.DownloadParam == "" {
		h.DownloadParam = "download"
	}
	if h.Timeout <= 0 {
		h.Timeout = caddy.Duration(10 * time.Second)
	}
	if h.FailoverBackoff <= 0 {
		h.FailoverBackoff = caddy.Duration(30 * time.Second)
	}
	if h.VODCacheTTL <= 0 {
		h.VODCacheTTL = caddy.Duration(time.Minute)
	}
	if err := h.provisionSecrets(repl); err != nil {
		return err
	}
	if h.AssetPolicy != nil {
		if err := h.AssetPolicy.provision(); err != nil {
			return err
		}
	}
	origins := make([]origin.Origin, 0, len(h.Origins))
	for i := range h.Origins {
		o, err := h.Origins[i].build(ctx, repl, time.Duration(h.Timeout), h.metadataHeaders())
		if err != nil {
			closeAll(origins)
			return fmt.Errorf("origin %d (%s): %w", i+1, h.Origins[i].URL, err)
		}
		origins = append(origins, o)
	}
	h.metrics = provisionMetrics(ctx)
	h.startAssetRule(ctx) // asset_policy http (policy_http.go)
	h.pool = origin.NewPool(origins, origin.PoolOptions{
		Backoff: time.Duration(h.FailoverBackoff),
		Logger:  h.logger,
		OnEvent: h.metrics.originEvent,
	})
	h.rewriter = &delivery.Rewriter{
		Layout:  delivery.Layout{StripPrefix: h.StripPrefix, KeyPath: h.KeyPath},
		Mode:    h.mode,
		Secrets: h.secrets,
		Origins: origins,
	}
	if h.PlaylistCache >= 0 {
		size := h.PlaylistCache
		if size == 0 {
			size = 256
		}
		h.cache = newPlaylistCache(size)
	}
	h.keys = newKeyCache(1024, time.Minute)
	h.flights = newPlaylistFlights(maxWaiters)
	h.provisionHolds()
	return h.provisionShield()
}

// Validate checks the configuration after provisioning.
func (h *Handler) Validate() error {
	if len(h.Origins) == 0 {
		return errors.New("at least one origin is required")
	}
	for _, p := range []struct{ name, v string }{{"strip_prefix", h.StripPrefix}, {"key_path", h.KeyPath}} {
		if p.v != "" && (!strings.HasPrefix(p.v, "/") || strings.HasSuffix(p.v, "/")) {
			return fmt.Errorf("%s %q: must start with / and not end with /", p.name, p.v)
		}
	}
	if h.KeyPath != "" && h.KeyPath == h.StripPrefix {
		return fmt.Errorf("key_path %q must differ from strip_prefix", h.KeyPath)
	}
	if err := blockingReloadRule(h.BlockingReload, h.Origins); err != nil {
		return err
	}
	for _, p := range h.RawObjects {
		if _, err := path.Match(p, ""); err != nil || p == "" {
			return fmt.Errorf("raw_objects %q: not a glob pattern", p)
		}
	}
	return nil
}

// Cleanup closes the origins' transports.
func (h *Handler) Cleanup() error {
	if h.hub != nil {
		h.hub.Close()
	}
	if h.pool != nil {
		return h.pool.Close()
	}
	return nil
}

// ServeHTTP serves keys, playlists, transformed segments and objects. No
// answer is sniffed (each is typed by httpx.Judge); an error answer is
// never cacheable.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	w.Header().Set("X-Content-Type-Options", httpx.Nosniff)
	err := h.serve(w, r)
	if err != nil {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
		}
	}
	return err
}

// serve runs the pipeline of pipeline.go.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	q, err := h.classify(r)
	if err != nil {
		return err
	}
	if err := h.decide(q); err != nil {
		return err
	}
	err = h.dispatch(w, r, q)
	var he caddyhttp.HandlerError
	if err != nil && q.access == byPolicy && h.AssetPolicy.Default != "public" && errors.As(err, &he) && he.StatusCode == http.StatusNotFound {
		// Under a protected default an anonymous caller learns nothing
		// about what exists: a missing object is refused like a protected one.
		return caddyhttp.Error(http.StatusForbidden, errors.New("protected asset requires a token"))
	}
	return err
}

func (h *Handler) dispatch(w http.ResponseWriter, r *http.Request, q *request) error {
	switch q.kind {
	case kindKey:
		return h.serveKey(w, r, q)
	case kindSegment:
		return h.serveSegment(w, r, q)
	case kindPlaylist:
		return h.servePlaylist(w, r, q)
	}
	return h.serveObject(w, r, q)
}

func (h *Handler) metadataHeaders() []string {
	if h.AssetPolicy == nil || h.AssetPolicy.Header == "" {
		return nil
	}
	return []string{h.AssetPolicy.Header}
}

func closeAll(origins []origin.Origin) {
	for _, o := range origins {
		_ = o.Close()
	}
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
