package hlsproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// originSecret is what an origin's playlist carries that must never leave:
// its own tokens and presigned parameters.
const originSecret = "ORIGIN-SECRET-7f3a"

// contentObject is one object of the content origin.
type contentObject struct {
	ctype string
	body  []byte
}

// contentOrigin serves its objects with http.ServeContent: Range, If-Range,
// If-None-Match and If-Modified-Since answered 206, 304, 412 or 416 as an
// origin would, each answer typed as the object.
func contentOrigin(t *testing.T, objects map[string]contentObject) *httptest.Server {
	mod := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, ok := objects[strings.TrimPrefix(r.URL.Path, "/media/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if o.ctype != "" {
			w.Header().Set("Content-Type", o.ctype)
		}
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "", mod, bytes.NewReader(o.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// doWith sends one request through h, as Caddy would, and returns the answer.
func doWith(t *testing.T, h *Handler, method, target string, hdr ...string) answer {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
	w := httptest.NewRecorder()
	if err := h.ServeHTTP(w, r, nil); err != nil {
		var he caddyhttp.HandlerError
		if !errors.As(err, &he) {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		return answer{status: he.StatusCode, header: w.Header(), body: ""}
	}
	return answer{status: w.Code, header: w.Header(), body: w.Body.String()}
}

// requestVariants are the request headers a client may add to a GET or HEAD.
var requestVariants = [][]string{
	nil,
	{"Range", "bytes=0-40"},
	{"Range", "bytes=30-"},
	{"Range", "bytes=-60"},
	{"Range", "bytes=0-5,10-20"},
	{"Range", "bytes=99999-"},
	{"Range", "bytes=0-40", "If-Range", `"v1"`},
	{"Range", "bytes=0-40", "If-Range", `"v0"`},
	{"Range", "bytes=0-40", "If-Range", "Thu, 01 Jan 2026 00:00:00 GMT"},
	{"If-None-Match", `"v1"`},
	{"If-Modified-Since", "Fri, 02 Jan 2026 00:00:00 GMT"},
	{"If-Match", `"v0"`},
	{"If-Unmodified-Since", "Wed, 31 Dec 2025 00:00:00 GMT"},
}

func contentHandler(o *httptest.Server, mode string) *Handler {
	h := &Handler{
		Origins:     []OriginConfig{{URL: o.URL + "/media"}},
		StripPrefix: "/hls", Encryption: mode, KeySecret: "content-test-key-secret-0123456789",
		Timeout: caddy.Duration(time.Second), PlaylistCache: -1,
	}
	if mode != "passthrough" {
		h.RawObjects = []string{"*"}
	}
	return h
}

// A playlist the origin types as one, without a playlist name, is served
// like a named one whatever the request's headers: whole (200, never 206,
// 304, 412 or 416), rewritten (the origin's presigned URLs become proxy
// paths), typed as a playlist, in every mode.
func TestPlaylistByContentTypeIsNeverPartialNorRaw(t *testing.T) {
	useFakeClock(t)
	var o *httptest.Server
	objects := map[string]contentObject{}
	o = contentOrigin(t, objects)
	pl := fmt.Sprintf("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"+
		"#EXTINF:2.000,\n%[1]s/media/a/seg0.ts?X-Amz-Signature=%[2]s\n#EXTINF:2.000,\n%[1]s/media/a/seg1.ts?token=%[2]s\n#EXT-X-ENDLIST\n",
		o.URL, originSecret)
	types := []string{"application/vnd.apple.mpegurl", "application/vnd.apple.mpegurl; charset=utf-8",
		"Application/X-MpegURL", "audio/mpegurl", "AUDIO/X-MPEGURL;;", "application/x-mpegURL; charset=\"utf-8\""}
	for i, ct := range types {
		objects[fmt.Sprintf("a/manifest%d", i)] = contentObject{ctype: ct, body: []byte(pl)}
	}
	objects["a/seg1.ts"] = contentObject{ctype: "video/mp2t", body: bytes.Repeat([]byte{0x47}, 188)}
	for _, mode := range []string{"passthrough", "decrypt", "encrypt", "reencrypt"} {
		for _, raw := range []bool{false, true} {
			h := contentHandler(o, mode)
			if !raw {
				h.RawObjects = nil
			}
			provisionedLive(t, h)
			for i, ct := range types {
				target := fmt.Sprintf("/hls/a/manifest%d", i)
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					for _, v := range requestVariants {
						a := doWith(t, h, method, target, v...)
						what := fmt.Sprintf("%s raw_objects=%v: %s %s (origin type %q) %q", mode, raw, method, target, ct, v)
						if a.status != http.StatusOK {
							t.Errorf("%s: status %d, want 200 (a playlist is served whole)", what, a.status)
						}
						if got := a.header.Get("Content-Type"); got != "application/vnd.apple.mpegurl" {
							t.Errorf("%s: Content-Type %q", what, got)
						}
						if cr := a.header.Get("Content-Range"); cr != "" {
							t.Errorf("%s: Content-Range %q on a playlist", what, cr)
						}
						if strings.Contains(a.body, originSecret) || strings.Contains(a.body, o.URL) {
							t.Errorf("%s: the origin's raw playlist bytes arrived:\n%s", what, a.body)
						}
						if method == http.MethodGet && a.status == http.StatusOK && !strings.HasPrefix(a.body, "#EXTM3U") {
							t.Errorf("%s: not the whole rewritten playlist:\n%s", what, a.body)
						}
						if a.header.Get("X-Content-Type-Options") != "nosniff" {
							t.Errorf("%s: no nosniff", what)
						}
					}
				}
			}
		}
	}
}

// The media host serves media: an object's answer is typed once, from its
// name and the origin's type (the type judged is the type sent), and
// nothing that runs script in the media host's origin is ever inline —
// HTML, SVG, XML by name or by origin type, text/html behind a media or
// image extension. What is not media is an attachment in a sandbox; every
// answer carries nosniff, errors included.
func TestActiveContentIsNeverServedInline(t *testing.T) {
	page := []byte("<html><script>fetch('/hls/a/secret.ts')</script></html>")
	objects := map[string]contentObject{
		"a/page.html":    {"", page},
		"a/page.htm":     {"text/html", page},
		"a/logo.svg":     {"", page},
		"a/typed-svg":    {"image/svg+xml", page},
		"a/doc.xml":      {"", page},
		"a/x.xhtml":      {"application/xhtml+xml", page},
		"a/fake.jpg":     {"text/html; charset=utf-8", page},
		"a/fake.png":     {"image/svg+xml", page},
		"a/fake.ts":      {"TEXT/HTML", page},
		"a/fake.vtt":     {"text/html", page},
		"a/blob":         {"text/html", page},
		"a/broken":       {"text/html;;charset", page},
		"a/broken2.bin":  {"text/html; charset=\"", page},
		"a/script.js":    {"", page},
		"a/dash.mpd":     {"application/dash+xml", page},
		"a/notes.txt":    {"", page},
		"a/photo.jpg":    {"image/jpeg", bytes.Repeat([]byte{0xff}, 100)},
		"a/seg.ts":       {"video/mp2t", bytes.Repeat([]byte{0x47}, 188)},
		"a/init.mp4":     {"", bytes.Repeat([]byte{1}, 100)},
		"a/part.m4s":     {"application/octet-stream", bytes.Repeat([]byte{2}, 100)},
		"a/subs.vtt":     {"text/plain", []byte("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n")},
		"a/audio.aac":    {"", bytes.Repeat([]byte{3}, 100)},
		"a/typed-webvtt": {"text/vtt", []byte("WEBVTT\n")},
	}
	wantInline := map[string]string{
		"a/photo.jpg": "image/jpeg", "a/seg.ts": "video/mp2t", "a/init.mp4": "video/mp4",
		"a/part.m4s": "video/iso.segment", "a/subs.vtt": "text/vtt", "a/audio.aac": "audio/aac",
		"a/fake.jpg": "image/jpeg", "a/fake.png": "image/png", "a/fake.ts": "video/mp2t", "a/fake.vtt": "text/vtt",
		"a/typed-webvtt": "text/vtt",
	}
	o := contentOrigin(t, objects)
	for _, mode := range []string{"passthrough", "decrypt"} {
		h := provisionedLive(t, contentHandler(o, mode))
		for name := range objects {
			for _, suffix := range []string{"", "?download=x.html"} {
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					target := "/hls/" + name + suffix
					for _, v := range requestVariants {
						a := doWith(t, h, method, target, v...)
						what := fmt.Sprintf("%s: %s %s %q: status %d", mode, method, target, v, a.status)
						if a.header.Get("X-Content-Type-Options") != "nosniff" {
							t.Errorf("%s: no X-Content-Type-Options: nosniff", what)
						}
						if a.status >= 400 {
							continue
						}
						ct, _, _ := mime.ParseMediaType(a.header.Get("Content-Type"))
						disp, _, _ := mime.ParseMediaType(a.header.Get("Content-Disposition"))
						if want, ok := wantInline[name]; ok {
							if ct != want {
								t.Errorf("%s: Content-Type %q, want %q", what, a.header.Get("Content-Type"), want)
							}
							continue
						}
						if disp != "attachment" || a.header.Get("Content-Security-Policy") != "sandbox" {
							t.Errorf("%s: %q served with Content-Disposition %q, CSP %q (want attachment, sandbox)",
								what, a.header.Get("Content-Type"), a.header.Get("Content-Disposition"), a.header.Get("Content-Security-Policy"))
						}
					}
				}
			}
		}
	}
}
