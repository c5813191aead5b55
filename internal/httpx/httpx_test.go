package httpx

import (
	"errors"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestParseRangeSelectsInclusiveBytes(t *testing.T) {
	const size = 1000
	cases := []struct {
		header     string
		start, end int64
	}{
		{"bytes=0-0", 0, 0},
		{"bytes=0-499", 0, 499},
		{"bytes=500-", 500, 999},
		{"bytes=-200", 800, 999},
		{"bytes=-5000", 0, 999},
		{"bytes=990-5000", 990, 999},
		{" bytes=10-20 ", 10, 20},
	}
	for _, c := range cases {
		r, ok, err := ParseRange(c.header, size)
		if err != nil || !ok || r.Start != c.start || r.End != c.end {
			t.Errorf("%q: got %+v ok=%v err=%v, want %d-%d", c.header, r, ok, err, c.start, c.end)
		}
		if got, want := r.Length(), c.end-c.start+1; got != want {
			t.Errorf("%q: length %d, want %d", c.header, got, want)
		}
	}
}

func TestParseRangeIgnoresWhatItCannotServeAsOneRange(t *testing.T) {
	for _, h := range []string{"", "items=0-1", "bytes=0-1,5-6", "bytes=abc", "bytes=5-1", "bytes=-", "bytes=+1-2", "bytes=1-+2", "bytes=99999999999999999999-"} {
		if r, ok, err := ParseRange(h, 100); ok || err != nil {
			t.Errorf("%q: got %+v ok=%v err=%v, want full body", h, r, ok, err)
		}
	}
}

func TestParseRangeReportsUnsatisfiable(t *testing.T) {
	for _, c := range []struct {
		h    string
		size int64
	}{{"bytes=100-", 100}, {"bytes=100-200", 100}, {"bytes=-0", 100}, {"bytes=0-", 0}, {"bytes=-1", 0}} {
		if _, _, err := ParseRange(c.h, c.size); !errors.Is(err, ErrUnsatisfiable) {
			t.Errorf("%q size %d: err=%v, want ErrUnsatisfiable", c.h, c.size, err)
		}
	}
	if got := UnsatisfiedRange(100); got != "bytes */100" {
		t.Errorf("UnsatisfiedRange = %q", got)
	}
	if got := (Range{Start: 2, End: 9}).ContentRange(10); got != "bytes 2-9/10" {
		t.Errorf("ContentRange = %q", got)
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-1", "bytes=-1", "bytes=5-", "bytes=1-2,3-4", "bytes=--1"} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		r, ok, err := ParseRange(h, size)
		if ok && (r.Start < 0 || r.End >= size || r.Start > r.End) {
			t.Fatalf("%q size %d: range %+v out of bounds", h, size, r)
		}
		if ok && err != nil {
			t.Fatalf("ok with error %v", err)
		}
	})
}

func TestSafeFilenameNeutralisesInjection(t *testing.T) {
	cases := map[string]string{
		"report.pdf":                   "report.pdf",
		"../../etc/passwd":             "passwd",
		`..\..\windows\win.ini`:        "win.ini",
		"a\r\nSet-Cookie: x=1.mp4":     "aSet-Cookie: x=1.mp4",
		"evil\x00.mp4":                 "evil.mp4",
		`say "hi".mp4`:                 "say _hi_.mp4",
		"semi;colon%20.mp4":            "semi_colon_20.mp4",
		"\u202eexe.mp4":                "exe.mp4",
		"...":                          "fallback.bin",
		"":                             "fallback.bin",
		"dir/":                         "dir",
		"Ünïcødé vidéo.mp4":            "Ünïcødé vidéo.mp4",
		strings.Repeat("x", 500) + ".": strings.Repeat("x", maxFilenameRunes),
	}
	for in, want := range cases {
		if got := SafeFilename(in, "fallback.bin"); got != want {
			t.Errorf("SafeFilename(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SafeFilename("/", "\r\n"); got != "download" {
		t.Errorf("nothing usable: got %q", got)
	}
}

func TestAttachmentHeaderIsParseableAndEncodesUnicode(t *testing.T) {
	for _, name := range []string{"clip.mp4", "Ünïcødé vidéo.mp4", "a b'c(d).mp4", "日本語.pdf"} {
		v := Attachment(SafeFilename(name, "x"))
		if strings.ContainsAny(v, "\r\n\x00") {
			t.Fatalf("%q: header has control characters: %q", name, v)
		}
		disp, params, err := mime.ParseMediaType(v)
		if err != nil || disp != "attachment" {
			t.Fatalf("%q: %q does not parse: %v", name, v, err)
		}
		if params["filename"] != name {
			t.Errorf("%q: parsed filename %q from %q", name, params["filename"], v)
		}
		isASCII := strings.IndexFunc(name, func(r rune) bool { return r > 0x7e }) < 0
		if hasStar := strings.Contains(v, "filename*=utf-8''"); hasStar == isASCII {
			t.Errorf("%q: filename* present=%v in %q", name, hasStar, v)
		}
		if !strings.Contains(v, `filename=`) {
			t.Errorf("%q: no ASCII fallback in %q", name, v)
		}
	}
}

func TestContentTypePrefersMediaTypesOverGenericOriginTypes(t *testing.T) {
	cases := []struct{ name, origin, want string }{
		{"a/index.m3u8", "text/plain", "application/vnd.apple.mpegurl"},
		{"a/seg0.ts", "text/plain; charset=utf-8", "video/mp2t"},
		{"a/seg.m4s", "", "video/iso.segment"},
		{"a/init.mp4", "binary/octet-stream", "video/mp4"},
		{"a/audio.aac", "", "audio/aac"},
		{"a/subs.vtt", "", "text/vtt; charset=utf-8"},
		{"a/key.key", "", "application/octet-stream"},
		{"doc/manual.PDF", "application/octet-stream", "application/pdf"},
		{"img/photo.jpg", "text/plain", "image/jpeg"},
		{"blob", "application/x-custom", "application/x-custom"},
		{"blob", "", "application/octet-stream"},
	}
	for _, c := range cases {
		if got := ContentType(c.name, c.origin); got != c.want {
			t.Errorf("ContentType(%q, %q) = %q, want %q", c.name, c.origin, got, c.want)
		}
	}
}

// activeTypes run script, or render as a document, in the media host's
// origin when served inline.
var activeTypes = []string{"text/html", "image/svg+xml", "application/xhtml+xml", "application/xml", "text/xml",
	"application/javascript", "text/javascript", "application/pdf", "application/dash+xml", "text/plain",
	"multipart/x-mixed-replace", "application/x-shockwave-flash"}

func TestJudgeServesInlineOnlyMediaWhateverTheOriginSays(t *testing.T) {
	cases := []struct {
		name, origin, want string
		class              Class
	}{
		{"a/index.m3u8", "text/html", PlaylistType, Playlist},
		{"a/LIST.M3U", "", PlaylistType, Playlist},
		{"a/manifest", "application/vnd.apple.mpegurl; charset=utf-8", PlaylistType, Playlist},
		{"a/manifest", "Application/X-MpegURL", PlaylistType, Playlist},
		{"a/manifest", "audio/mpegurl", PlaylistType, Playlist},
		{"a/manifest", "AUDIO/X-MPEGURL;;", PlaylistType, Playlist},
		{"a/seg.ts", "application/vnd.apple.mpegurl", PlaylistType, Playlist},
		{"a/seg.ts", "text/html", "video/mp2t", Inline},
		{"a/fake.jpg", "text/html; charset=utf-8", "image/jpeg", Inline},
		{"a/fake.png", "image/svg+xml", "image/png", Inline},
		{"a/subs.vtt", "text/html", "text/vtt; charset=utf-8", Inline},
		{"a/part.m4s", "", "video/iso.segment", Inline},
		{"a/typed", "video/MP4", "video/mp4", Inline},
		{"a/typed", "image/webp", "image/webp", Inline},
		{"a/typed", "text/vtt", "text/vtt", Inline},
		{"a/blob", "", "application/octet-stream", Inline},
		{"a/page.html", "", "text/html; charset=utf-8", Download},
		{"a/page.HTML", "application/octet-stream", "text/html; charset=utf-8", Download},
		{"a/logo.svg", "", "image/svg+xml", Download},
		{"a/typed", "image/svg+xml", "image/svg+xml", Download},
		{"a/typed", "TEXT/HTML", "text/html", Download},
		{"a/typed", "text/html;;charset", "text/html", Download},
		{"a/typed.bin", `text/html; charset="`, "text/html", Download},
		{"a/doc.xml", "", "text/xml; charset=utf-8", Download},
		{"a/notes.txt", "", "text/plain; charset=utf-8", Download},
		{"a/dash.mpd", "application/dash+xml", "application/dash+xml", Download},
		{"a/typed", "nonsense", "application/octet-stream", Inline},
	}
	for _, c := range cases {
		if got := Judge(c.name, c.origin); got.Type != c.want || got.Class != c.class {
			t.Errorf("Judge(%q, %q) = %q %s, want %q %s", c.name, c.origin, got.Type, got.Class, c.want, c.class)
		}
	}
}

func TestTypeSetMakesADownloadAnAttachmentInASandbox(t *testing.T) {
	hdr := http.Header{}
	Judge("a/b/page.html", "").Set(hdr, "a/b/page.html")
	if d, params, err := mime.ParseMediaType(hdr.Get("Content-Disposition")); err != nil || d != "attachment" || params["filename"] != "page.html" {
		t.Errorf("download: Content-Disposition %q", hdr.Get("Content-Disposition"))
	}
	if hdr.Get("Content-Security-Policy") != Sandbox || hdr.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("download: CSP %q, type %q", hdr.Get("Content-Security-Policy"), hdr.Get("Content-Type"))
	}
	hdr = http.Header{}
	Judge("a/seg.ts", "").Set(hdr, "a/seg.ts")
	if hdr.Get("Content-Disposition") != "" || hdr.Get("Content-Security-Policy") != "" || hdr.Get("Content-Type") != "video/mp2t" {
		t.Errorf("media: %v", hdr)
	}
}

// Whatever the name and the origin's type, an inline answer is never an
// active type, the type sent parses, and a playlist is typed as one.
func FuzzJudgeNeverInlinesActiveContent(f *testing.F) {
	for _, s := range [][2]string{{"a.html", ""}, {"a.jpg", "text/html"}, {"a", "image/svg+xml;;"}, {"a.svg", "image/jpeg"},
		{"a.ts", "TEXT/HTML"}, {"x", `text/html; charset="`}, {"y.m3u8", "text/html"}, {"z", "audio/x-mpegurl"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, origin string) {
		j := Judge(name, origin)
		base, _, err := mime.ParseMediaType(j.Type)
		if err != nil {
			t.Fatalf("Judge(%q, %q) sends %q, which does not parse: %v", name, origin, j.Type, err)
		}
		switch j.Class {
		case Playlist:
			if j.Type != PlaylistType {
				t.Fatalf("Judge(%q, %q): a playlist typed %q", name, origin, j.Type)
			}
		case Inline:
			if slices.Contains(activeTypes, base) || strings.HasSuffix(base, "+xml") || strings.HasPrefix(base, "text/") && base != "text/vtt" {
				t.Fatalf("Judge(%q, %q) serves the active type %q inline", name, origin, j.Type)
			}
		case Download:
		default:
			t.Fatalf("Judge(%q, %q): no class", name, origin)
		}
	})
}
