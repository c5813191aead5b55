package hlsplayer

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/hlsplayer/page"
	"github.com/mediagate/caddy-mediagate/internal/canon"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
)

// ServeHTTP answers every request under the prefix; it never calls next.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return caddyhttp.Error(http.StatusMethodNotAllowed, errors.New("hls_player serves GET and HEAD only"))
	}
	if name, ok := strings.CutPrefix(r.URL.Path, page.AssetsBase(h.Prefix)+"/"); ok {
		// Fixed names only (page.Static): no path to canonicalise.
		return h.serveStatic(w, r, name)
	}
	path, err := reqstate.Path(r)
	if err != nil {
		return h.refuse(w, r, canon.Status(err), page.RefusalNotFound)
	}
	_, entry, err := h.mapping.Resolve(path.Decoded)
	if err != nil {
		return h.refuse(w, r, http.StatusNotFound, page.RefusalNotFound)
	}
	tok := r.URL.Query().Get(h.param)
	if tok == "" {
		return h.refuse(w, r, http.StatusForbidden, page.RefusalMissing)
	}
	if reason := h.verify(r, tok, entry); reason != "" {
		return h.refuse(w, r, http.StatusForbidden, page.RefusalFor(reason))
	}
	// The player's first request, to the entry playlist, carries the token:
	// edgeauth checks it again there and, in hybrid mode, mints the cookie.
	src := entry + "?" + url.QueryEscape(h.param) + "=" + url.QueryEscape(tok)
	var body bytes.Buffer
	if err := page.Player(&body, h.Prefix, src); err != nil {
		return caddyhttp.Error(http.StatusInternalServerError, err)
	}
	h.pages.WithLabelValues("player").Inc()
	h.pageHeaders(w)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body.Bytes())
	}
	return nil
}

// verify checks the token as edgeauth would on the entry playlist and
// returns the failure reason, or "".
func (h *Handler) verify(r *http.Request, tok, entry string) string {
	// entry is canonical (Resolve checks it), as edgeauth will see it.
	if _, f := h.verifier.Verify(tok, edgetoken.Request{Path: entry, ClientIP: reqstate.ClientIP(r), Now: h.now()}); f != nil {
		return f.Reason
	}
	return ""
}

// refuse writes the error page of a refusal; the request's input is not in it.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, why page.Refusal) error {
	h.pages.WithLabelValues(why.Reason).Inc()
	h.logger.Info("embed refused", zap.Int("status", status), zap.String("reason", why.Reason),
		zap.String("remote_ip", reqstate.ClientIPString(r)), zap.String("path", r.URL.Path))
	var body bytes.Buffer
	if err := page.Error(&body, h.Prefix, why); err != nil {
		return caddyhttp.Error(http.StatusInternalServerError, err)
	}
	h.pageHeaders(w)
	w.WriteHeader(status)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body.Bytes())
	}
	return nil
}

// pageHeaders are those of the player and error pages: never cached (the
// page holds a token), never sniffed, framed only by FrameAncestors, and
// no Referer (the page URL holds the token).
func (h *Handler) pageHeaders(w http.ResponseWriter) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Security-Policy", h.csp)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
}

// serveStatic serves hls.js and the page's JS and CSS: versioned URLs,
// cacheable for good; the same bytes for everyone, so no token.
func (h *Handler) serveStatic(w http.ResponseWriter, r *http.Request, name string) error {
	b, ct, ok := page.Static(name)
	if !ok {
		return caddyhttp.Error(http.StatusNotFound, errors.New("no such player file"))
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ct)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	return nil
}
