package attack

import (
	"fmt"
	"mime"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// The media host as an origin (issue 24, findings 2 and 3): a page stored
// on the media origin must never run in the media host's origin (it would
// read, with the victim's HttpOnly cookie, every asset the cookie covers),
// and a playlist known only by its content type must never leave as the
// origin's bytes (its presigned URLs and tokens), whatever the request's
// headers.

// activeObjects are act's objects that must never be inline: stored as
// pages or SVG, or typed text/html (even behind a media extension, where
// the extension's media type must be sent instead).
var activeObjects = []struct {
	name, ctype string
	media       bool // a media extension: served inline, typed by the extension
}{
	{"page.html", "", false},
	{"page2.html", "text/html", false},
	{"logo.svg", "image/svg+xml", false},
	{"typed", "text/html; charset=utf-8", false},
	{"doc.xhtml", "application/xhtml+xml", false},
	{"broken", "TEXT/HTML;;", false},
	{"photo.jpg", "text/html", true},
	{"clip.ts", "text/html", true},
	{"poster.png", "image/svg+xml", true},
}

// typedPlaylists are act's playlists known only by their content type.
var typedPlaylists = []struct{ name, ctype string }{
	{"manifest", "application/vnd.apple.mpegurl; charset=utf-8"},
	{"list", "audio/mpegurl"},
	{"Media", "Application/X-MpegURL"},
}

// inlineAllowed are the types a browser may get inline from the media host.
var inlineAllowed = map[string]bool{
	"application/vnd.apple.mpegurl": true, "video/mp2t": true, "video/mp4": true, "audio/mp4": true,
	"video/iso.segment": true, "audio/aac": true, "audio/mpeg": true, "text/vtt": true,
	"application/octet-stream": true, "image/jpeg": true, "image/png": true, "image/gif": true,
	"image/webp": true, "image/avif": true,
}

// activeFixture stores act: its entry playlist (to mint a cookie), the
// active objects and the typed playlists, whose URIs are presigned origin
// URLs carrying secret. It returns the probes that must never arrive.
func activeFixture(t *testing.T, st *stack) []probe {
	t.Helper()
	g := st.VGW
	secret := "ORIGIN" + testutil.RandomHex(t, 12)
	g.PutObject(t, "media", "act/master.m3u8", st.Assets["a"].Objects["master.m3u8"], "", nil)
	page := []byte("<html><body><script>fetch('/hls/a/v0_0.ts')</script></body></html>")
	for _, o := range activeObjects {
		g.PutObject(t, "media", "act/"+o.name, page, o.ctype, nil)
	}
	presigned := func(key string) string {
		return fmt.Sprintf("%s/media/%s?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=%s", g.Endpoint, key, secret)
	}
	master := "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n" + presigned("act/list") + "\n"
	media := "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:0\n" +
		"#EXTINF:2.000000,\n" + presigned("a/v0_0.ts") + "\n#EXT-X-ENDLIST\n"
	for _, p := range typedPlaylists {
		body := media
		if p.name == "manifest" {
			body = master
		}
		g.PutObject(t, "media", "act/"+p.name, []byte(body), p.ctype, nil)
	}
	return []probe{{"the origin's presigned signature", []byte(secret)}, {"the origin's endpoint", []byte(g.Endpoint)}}
}

// contentVariants are the ways to ask for an object: methods, ranges,
// If-Range, conditionals, several ranges and the download parameter.
func contentVariants(target string) []request {
	return []request{
		{Target: target},
		{Target: target, Method: "HEAD"},
		{Target: target, Headers: []string{"Range: bytes=0-40"}},
		{Target: target, Headers: []string{"Range: bytes=-60"}},
		{Target: target, Method: "HEAD", Headers: []string{"Range: bytes=10-"}},
		{Target: target, Headers: []string{"Range: bytes=0-20,30-40"}},
		{Target: target, Headers: []string{"Range: bytes=0-40", `If-Range: "nope"`}},
		{Target: target, Headers: []string{"Range: bytes=0-40", "If-Range: Thu, 01 Jan 2099 00:00:00 GMT"}},
		{Target: target, Headers: []string{"If-Modified-Since: Thu, 01 Jan 2099 00:00:00 GMT"}},
		{Target: target + "?download", Headers: []string{"Range: bytes=0-40"}},
	}
}

// caller is one way to send a request: with a query token, a minted
// cookie, or nothing.
type caller struct {
	name   string
	tok    string
	cookie string
}

func (k caller) req(r request) request {
	if k.tok != "" {
		r.Target = q(r.Target, k.tok)
	}
	r.Cookie = k.cookie
	return r
}

// rowActiveContent: no answer of the media host is an active type inline;
// every answer of hls_proxy has nosniff; what is not media is an attachment
// in a sandbox (or refused, in the crypto modes); a playlist typed only by
// its content type is never partial and never the origin's bytes, and keeps
// its entry rule — across sites and modes, methods, ranges, If-Range and
// conditionals, as token holder, cookie holder and stranger.
func rowActiveContent(t *testing.T, st *stack) {
	forbidden := activeFixture(t, st)
	sites := st.matrix(func(s *site) bool { return !s.PlaceholderACL })
	for _, name := range []string{"entry", "policy-public", "policy-protected"} {
		sites = append(sites, st.site(t, name))
	}
	forEachSite(t, st, sites, func(t *testing.T, c *client, s *site) {
		callers := []caller{{name: "token holder", tok: st.assetToken(t, "act")}, {name: "stranger"},
			{name: "holder of another asset's token", tok: st.assetToken(t, "a")}}
		if s.Kind == "matrix" || s.Kind == "entry" {
			cookie, _ := playerCookie(t, st, c, s, "act", callers[0].tok)
			callers = append(callers, caller{name: "cookie holder", cookie: cookie})
		}
		for _, k := range callers {
			for _, o := range activeObjects {
				for _, r := range contentVariants("/hls/act/" + o.name) {
					r = k.req(r)
					res := c.do(t, s, r)
					judgeContent(t, st, s, r, res, k.name)
					if o.media && res.Status < 400 && !strings.HasPrefix(res.Header.Get("Content-Type"), mediaTypeOf(o.name)) {
						st.reg.fail(t, "%s (%s): status %d typed %q: the origin's type beat the media extension", st.reg.describe(s, r), k.name, res.Status, res.Header.Get("Content-Type"))
					}
					if !o.media && res.Status < 400 && !sandboxedDownload(res) {
						st.reg.fail(t, "%s (%s): status %d typed %q: active content served without attachment + CSP sandbox (Content-Disposition %q, CSP %q)",
							st.reg.describe(s, r), k.name, res.Status, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), res.Header.Get("Content-Security-Policy"))
					}
				}
			}
			for _, p := range typedPlaylists {
				for _, r := range contentVariants("/hls/act/" + p.name) {
					r = k.req(r)
					res := c.do(t, s, r)
					judgeContent(t, st, s, r, res, k.name)
					st.reg.forbid(t, s, r, res, forbidden)
					if res.Status == 206 || res.Header.Get("Content-Range") != "" || res.Status == 304 || res.Status == 412 || res.Status == 416 {
						st.reg.fail(t, "%s (%s): status %d (Content-Range %q): a playlist by content type answered in part or by a precondition (want it whole or refused)",
							st.reg.describe(s, r), k.name, res.Status, res.Header.Get("Content-Range"))
					}
					entry := p.name == "manifest" || s.Kind == "entry"
					if k.cookie != "" && entry && res.Status < 400 {
						st.reg.fail(t, "%s (%s): status %d: a playlist by content type escaped its entry rule (a view starts only with the query token)", st.reg.describe(s, r), k.name, res.Status)
					}
				}
			}
		}
	})
}

// judgeContent: every answer of hls_proxy carries nosniff, and no answer
// is inline with a type outside the allow list.
func judgeContent(t *testing.T, st *stack, s *site, r request, res *testutil.RawResponse, who string) {
	t.Helper()
	fromProxy := res.Status < 400 || res.Header.Get("Content-Type") != "" || len(res.Body) > 0
	if fromProxy && res.Header.Get("X-Content-Type-Options") != "nosniff" {
		st.reg.fail(t, "%s (%s): status %d typed %q: no X-Content-Type-Options: nosniff", st.reg.describe(s, r), who, res.Status, res.Header.Get("Content-Type"))
	}
	if res.Status >= 400 || sandboxedDownload(res) {
		return
	}
	if ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); !inlineAllowed[ct] && res.Status != 304 {
		st.reg.fail(t, "%s (%s): status %d: %q served inline (not a media type)", st.reg.describe(s, r), who, res.Status, res.Header.Get("Content-Type"))
	}
}

// sandboxedDownload: an attachment under Content-Security-Policy: sandbox.
func sandboxedDownload(res *testutil.RawResponse) bool {
	d, _, _ := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	return d == "attachment" && strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox")
}

// mediaTypeOf is the type a media extension calls for.
func mediaTypeOf(name string) string {
	switch {
	case strings.HasSuffix(name, ".jpg"):
		return "image/jpeg"
	case strings.HasSuffix(name, ".png"):
		return "image/png"
	}
	return "video/mp2t"
}
