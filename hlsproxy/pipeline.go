package hlsproxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/canon"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
	"github.com/mediagate/caddy-mediagate/internal/httpx"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
)

// Every request walks one pipeline: classify (what is asked for) → decide
// (may this caller have it, in this mode) → fetch → transform → write. Access
// is decided in decide, once; the serve functions only carry it out. What a
// mode does not list is refused there, before any origin request.

// kind is what a request asks for.
type kind uint8

const (
	kindKey      kind = iota + 1 // under key_path: a derived key or an origin key object
	kindSegment                  // media bytes through a sealed segment context
	kindPlaylist                 // a playlist by its name
	kindObject                   // anything else, served as stored (or a playlist by content type)
)

// access is the outcome of decide for a request that may proceed.
type access uint8

const (
	// allowed: the caller may have what it asked for.
	allowed access = iota + 1
	// byPolicy: an anonymous caller; the asset policy decides from the
	// object's metadata, before any byte is sent.
	byPolicy
)

// request is one classified request.
type request struct {
	path   canon.Path
	key    string // object key (decoded); for a derived key, the key-path target
	kind   kind
	job    delivery.SegmentJob // kindSegment
	auth   *authz.Auth         // nil when no edgeauth ran
	access access
	// playlistOnly: a crypto mode serves this object only if the origin
	// says it is a playlist (HLS content type).
	playlistOnly bool
	// directives: a playlist request's delivery directives, canonical (live.go).
	directives url.Values
}

// public reports an anonymous request the policy let through: no token to
// propagate, publicly cacheable.
func (q *request) public() bool { return q.access == byPolicy }

// classify reads what r asks for. Bad input is a 4xx: a method other than
// GET/HEAD 405, a path without one canonical form 400, a path outside the
// proxy 404, a sealed context that does not open 403.
func (h *Handler) classify(r *http.Request) (*request, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil, caddyhttp.Error(http.StatusMethodNotAllowed, errors.New("hls_proxy serves GET and HEAD only"))
	}
	p, err := reqstate.Path(r)
	if err != nil {
		return nil, caddyhttp.Error(canon.Status(err), err)
	}
	target, err := h.rewriter.Layout.Classify(p.Decoded)
	if err != nil {
		if errors.Is(err, delivery.ErrNotServed) {
			return nil, caddyhttp.Error(http.StatusNotFound, err)
		}
		return nil, caddyhttp.Error(http.StatusBadRequest, err)
	}
	q := &request{path: p, key: target.Key, auth: reqstate.Auth(r)}
	switch sealed := queryValue(r.URL.RawQuery, delivery.CtxParam); {
	case target.IsKey:
		q.kind = kindKey
	case sealed != "" && h.mode != delivery.Passthrough:
		job, err := delivery.OpenJob(h.secrets, h.mode, h.rewriter.Site(), sealed, target.Key)
		if err != nil {
			h.metrics.denied("bad_context")
			h.logger.Info("segment context refused", zap.String("path", p.Escaped), zap.Error(err))
			return nil, caddyhttp.Error(http.StatusForbidden, fmt.Errorf("segment context: %w", err))
		}
		q.kind, q.job = kindSegment, job
	case httpx.Judge(target.Key, "").Class == httpx.Playlist:
		q.kind = kindPlaylist
	default:
		q.kind = kindObject
	}
	return q, nil
}

// decide takes the access decision for q, from the auth contract, the mode
// and the asset policy. Keys are never anonymous; in decrypt, encrypt and
// reencrypt an object is served as stored only when raw_objects lists it
// (otherwise only if the origin says it is a playlist).
func (h *Handler) decide(q *request) error {
	if q.kind == kindObject && h.mode != delivery.Passthrough && !h.rawListed(q.key) {
		q.playlistOnly = true
	}
	switch a := q.auth; {
	case a != nil && a.Authenticated:
		q.access = allowed
	case a == nil && h.AssetPolicy == nil:
		q.access = allowed // no edgeauth and no policy: the proxy does not judge
	case q.kind == kindKey || h.AssetPolicy == nil:
		h.metrics.denied("asset_protected")
		return caddyhttp.Error(http.StatusForbidden, errors.New("a token is required"))
	default:
		q.access = byPolicy
	}
	return nil
}

// allowMetadata completes a byPolicy decision from the object's metadata
// (origin response headers), before any body byte is sent.
func (h *Handler) allowMetadata(q *request, hdr http.Header) error {
	if q.access != byPolicy || !h.assetProtected(q, hdr) {
		return nil
	}
	h.metrics.denied("asset_protected")
	return caddyhttp.Error(http.StatusForbidden, errors.New("protected asset requires a token"))
}

// rawListed reports whether raw_objects lists the object key: a pattern
// with "/" matches the whole key, one without matches its last element;
// both ignore case.
func (h *Handler) rawListed(key string) bool {
	k := strings.ToLower(key)
	for _, pat := range h.RawObjects {
		target := k
		if !strings.Contains(pat, "/") {
			target = k[strings.LastIndexByte(k, '/')+1:]
		}
		if globMatch(strings.ToLower(pat), target) {
			return true
		}
	}
	return false
}

// view is the asset a request belongs to, in canonical escaped form, for
// the session cookie edgeauth may mint (authz.View). An object directly
// under strip_prefix belongs to no asset: the empty View, which grants no
// directory of its own (not the whole tree, not every key).
func (h *Handler) view(q *request) *authz.View {
	asset := delivery.AssetOf(q.key)
	if asset == "" {
		return &authz.View{}
	}
	v := &authz.View{AssetDir: h.StripPrefix + "/" + escapeSegments(asset) + "/"}
	if h.KeyPath != "" {
		v.KeyDir = h.KeyPath + "/" + escapeSegments(asset) + "/"
	}
	return v
}

func escapeSegments(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = canon.EscapeSegment(s)
	}
	return strings.Join(segs, "/")
}

// queryValue returns the first value of a query parameter without parsing
// the whole query (the hot path of every segment request).
func queryValue(rawQuery, name string) string {
	if !strings.Contains(rawQuery, name) {
		return ""
	}
	q, _ := url.ParseQuery(rawQuery)
	return q.Get(name)
}
