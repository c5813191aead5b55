package page

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io"
	"path"
	"slices"
)

// HLSVersion is the vendored hls.js (assets/hls.min.js, from npm hls.js).
const HLSVersion = "1.7.4"

//go:embed assets/hls.min.js assets/hls.js-LICENSE.txt assets/player.js assets/player.css
var static embed.FS

//go:embed assets/player.html assets/error.html
var templatesFS embed.FS

var templates = template.Must(template.ParseFS(templatesFS, "assets/*.html"))

// Version names the static files' content: their URLs change when they do,
// so they can be cached for good.
var Version = func() string {
	h := sha256.New()
	for _, n := range StaticNames() {
		b, _ := static.ReadFile("assets/" + n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// StaticNames lists the static files served under AssetsDir/Version/.
func StaticNames() []string {
	return []string{"hls.min.js", "hls.js-LICENSE.txt", "player.js", "player.css"}
}

// Static returns a static file and its content type; only StaticNames exist.
func Static(name string) ([]byte, string, bool) {
	if !slices.Contains(StaticNames(), name) {
		return nil, "", false
	}
	b, err := static.ReadFile("assets/" + name)
	if err != nil {
		return nil, "", false
	}
	ct := "text/plain; charset=utf-8"
	switch path.Ext(name) {
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	}
	return b, ct, true
}

// AssetsBase is the URL path of the static files for an embed prefix.
func AssetsBase(prefix string) string { return prefix + "/" + AssetsDir + "/" + Version }

// Player renders the player page for a stream URL (path and query, the
// token included) that the server has already authorised.
func Player(w io.Writer, prefix, src string) error {
	return render(w, "player.html", struct{ Assets, Src, HLSVersion string }{AssetsBase(prefix), src, HLSVersion})
}

// Error renders the page of a refusal; nothing of the request appears in it.
func Error(w io.Writer, prefix string, r Refusal) error {
	return render(w, "error.html", struct{ Assets, Reason, Title, Text string }{AssetsBase(prefix), r.Reason, r.Title, r.Text})
}

func render(w io.Writer, name string, data any) error {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
