package delivery

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

// ErrUnsupported wraps playlist features a mode cannot deliver correctly
// (e.g. byte-range segments under decrypt): the handler answers 502.
var ErrUnsupported = errors.New("unsupported by this encryption mode")

// Rewriter rewrites playlists for one hls_proxy configuration.
type Rewriter struct {
	Layout  Layout
	Mode    Mode
	Secrets *segcrypt.Keyring // its primary seals contexts and derives keys (required unless Passthrough)
	Origins []origin.Origin   // absolute URIs under their URLPrefixes map back to keys
}

// Rewrite rewrites the playlist stored at playlistKey. Every URI that points
// at the origin becomes a proxy URI (relative URIs keep their form when the
// player resolves them to the same place); URIs on other hosts and non-HTTP
// key URIs stay exactly as they are and never receive tok. Segments that
// need a transformation carry a signed context (param CtxParam).
func (rw *Rewriter) Rewrite(src []byte, playlistKey string, tok Token) ([]byte, *playlist.Info, error) {
	asset := AssetOf(playlistKey)
	r := &run{rw: rw, asset: asset, tok: tok,
		originBase: &url.URL{Scheme: "mg", Host: "origin", Path: "/" + playlistKey},
		proxyBase:  &url.URL{Scheme: "mg", Host: "proxy", Path: rw.Layout.ProxyPath(playlistKey)}}
	r.proxyBase.RawPath = r.proxyBase.Path
	if p, err := url.PathUnescape(r.proxyBase.Path); err == nil {
		r.proxyBase.Path = p
	}
	if tok.enabled() {
		dir := r.proxyBase.RawPath
		r.dirCovered = tok.coversPrefix(dir[:strings.LastIndexByte(dir, '/')+1])
	}
	opts := playlist.Options{AppendURI: r.appendURI, KeyTag: r.keyTag}
	rw.liveOptions(&opts)
	if rw.Mode.ServesDerivedKeys() {
		sec := rw.Secrets.Primary()
		k := sec.DeriveIV(asset)
		keyURI := r.withToken(DerivedKeyURI(rw.Layout, sec, asset))
		opts.InsertBeforeFirstSegment = []string{
			fmt.Sprintf(`#EXT-X-KEY:METHOD=AES-128,URI="%s",IV=%s`, keyURI, k.String()),
		}
	}
	out, info, err := playlist.Rewrite(src, opts)
	if err != nil {
		return nil, nil, err
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	return out, info, nil
}

// run is the state of one Rewrite call.
type run struct {
	rw         *Rewriter
	asset      string
	tok        Token
	originBase *url.URL
	proxyBase  *url.URL
	dirCovered bool // the token covers every plain relative URI of the playlist
	err        error
}

func (r *run) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// keyTag decides the fate of EXT-X-KEY / EXT-X-SESSION-KEY lines.
func (r *run) keyTag(k *playlist.Key, tag string, line int) ([]string, bool) {
	switch r.rw.Mode {
	case Decrypt:
		return nil, k.Identity() && k.Method == "AES-128"
	case Encrypt:
		if k.Method != "NONE" {
			r.fail(fmt.Errorf("line %d: %s METHOD=%s: the origin is already encrypted (use reencrypt): %w", line, tag, k.Method, ErrUnsupported))
		}
		return nil, true
	case Reencrypt:
		if k.Method != "NONE" && !(k.Identity() && k.Method == "AES-128") {
			r.fail(fmt.Errorf("line %d: %s METHOD=%s cannot be re-encrypted: %w", line, tag, k.Method, ErrUnsupported))
		}
		return nil, true
	}
	return nil, false
}

// appendURI appends the new form of one URI occurrence to dst. Plain
// relative URIs that need no segment context take an allocation-free path.
func (r *run) appendURI(dst []byte, c *playlist.URIContext) []byte {
	needsContext := r.rw.Mode != Passthrough && segmentScoped(c.Kind)
	if r.err == nil && !needsContext && c.Kind != playlist.KindKey && c.Kind != playlist.KindSessionKey && plainRelative(c.URI) {
		return r.appendWithToken(dst, c.URI)
	}
	return append(dst, r.mapURI(c)...)
}

// segmentScoped kinds name media bytes (a segment, its init section, a
// part): the ones that carry a segment context in the crypto modes.
func segmentScoped(k playlist.URIKind) bool {
	return k == playlist.KindSegment || k == playlist.KindMap || k == playlist.KindPart || k == playlist.KindPreloadHint
}

// mapURI maps one URI occurrence.
func (r *run) mapURI(c *playlist.URIContext) string {
	if r.err != nil || !playlist.IsHTTPURI(c.URI) {
		return c.URI
	}
	key, target, ok := r.resolve(c.URI)
	if !ok {
		return c.URI // another host: untouched, no token
	}
	switch {
	case c.Kind == playlist.KindKey || c.Kind == playlist.KindSessionKey:
		return r.withToken(r.rw.Layout.OriginKeyPath(key))
	case segmentScoped(c.Kind):
		ctx, err := r.segmentContext(c, key)
		if err != nil {
			r.fail(fmt.Errorf("line %d: %w", c.Line, err))
			return c.URI
		}
		if ctx != nil {
			target = playlist.AppendQuery(target, CtxParam, r.rw.Secrets.Primary().Seal(*ctx))
		}
	}
	return r.withToken(target)
}

// plainRelative reports the common plain relative URI ("seg0.ts",
// "v1/seg0.ts"): no scheme, query, fragment, escapes or dot segments. It
// names the key dir+uri and the player resolves it to the same proxy path,
// so it keeps its form.
func plainRelative(uri string) bool {
	if uri == "" || uri[0] == '/' {
		return false
	}
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c == ':' || c == '?' || c == '#' || c == '%' || c == '\\' || c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return CheckKey(uri) == nil // no empty, "." or ".." segments
}

// resolve maps a URI to an object key and the URI the player should get
// (before token and context). ok is false for URIs not on the origin.
func (r *run) resolve(uri string) (key, target string, ok bool) {
	ref, err := url.Parse(uri)
	if err != nil {
		return "", "", false
	}
	if ref.Scheme != "" || ref.Host != "" {
		abs := uri
		if ref.Scheme == "" {
			abs = "https:" + uri
		}
		for _, o := range r.rw.Origins {
			if k, found := origin.KeyFromURL(o, abs); found {
				return k, r.rw.Layout.ProxyPath(k), true
			}
		}
		return "", "", false
	}
	if strings.HasPrefix(ref.Path, "/") {
		// Root-relative: only proxy paths are ours.
		if r.rw.Layout.StripPrefix == "" {
			return "", "", false
		}
		rest, found := strings.CutPrefix(ref.Path, r.rw.Layout.StripPrefix+"/")
		if !found || CheckKey(rest) != nil {
			return "", "", false
		}
		return rest, uri, true
	}
	resolved := r.originBase.ResolveReference(ref)
	key = strings.TrimPrefix(resolved.Path, "/")
	if CheckKey(key) != nil {
		return "", "", false
	}
	proxy := r.rw.Layout.ProxyPath(key)
	target = proxy
	if ref.RawQuery != "" {
		target += "?" + ref.RawQuery
	}
	// Keep the relative form when the player resolves it to the same path.
	if r.proxyBase.ResolveReference(ref).EscapedPath() == proxy {
		target = uri
		if ref.Fragment != "" {
			target = strings.TrimSuffix(uri, "#"+ref.EscapedFragment())
		}
	}
	return key, target, true
}

// segmentContext is the signed context a segment needs in this mode (nil: none).
func (r *run) segmentContext(c *playlist.URIContext, object string) (*segcrypt.Context, error) {
	mode := r.rw.Mode
	if mode == Passthrough {
		return nil, nil
	}
	k := c.Key
	atRest := k != nil && k.Method != "NONE"
	ctx := &segcrypt.Context{Mode: string(mode), Asset: r.asset, Extra: map[string]string{ctxObject: object, ctxSite: r.rw.Site()}}
	if mode == Decrypt {
		ctx.Asset = ""
	}
	if atRest && !(k.Identity() && k.Method == "AES-128") {
		if mode == Decrypt {
			// SAMPLE-AES and DRM formats pass through as stored — still
			// only through a context, like every segment in this mode.
			return ctx, nil
		}
		return nil, fmt.Errorf("METHOD=%s: %w", k.Method, ErrUnsupported)
	}
	if mode == Decrypt && !atRest {
		return ctx, nil // stored in clear: as stored, through its context
	}
	if c.ByteRange != nil && (atRest || mode != Decrypt) {
		return nil, fmt.Errorf("%s with a byte range under %s: %w", c.Kind, mode, ErrUnsupported)
	}
	if atRest {
		keyObj, _, ok := r.resolve(k.URI)
		if !ok || !playlist.IsHTTPURI(k.URI) {
			return nil, fmt.Errorf("key URI %q is not on the origin: %w", k.URI, ErrUnsupported)
		}
		if k.IV == "" && c.Kind == playlist.KindMap {
			return nil, fmt.Errorf("EXT-X-MAP under AES-128 without an IV: %w", ErrUnsupported)
		}
		if k.IV != "" {
			if _, err := segcrypt.ParseIV(k.IV); err != nil {
				return nil, err
			}
		}
		ctx.KeyRef, ctx.IV = keyObj, k.IV
		if c.SeqNo >= 0 {
			ctx.Seq = uint64(c.SeqNo)
		}
	} else if mode == Reencrypt {
		ctx.Mode = string(Encrypt) // clear at rest: only the delivery encryption
	}
	return ctx, nil
}
