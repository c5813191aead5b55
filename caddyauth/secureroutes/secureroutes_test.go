package secureroutes

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func provisioned(t *testing.T, s *SecureRoutes) *SecureRoutes {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := s.Provision(ctx); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return s
}

func standard() *SecureRoutes {
	return &SecureRoutes{
		Allow: []AllowRule{{Methods: []string{"GET", "HEAD"}, Paths: []string{"/hls/*", "/keys/*"}}},
		Ports: []int{9442},
		HSTS:  &HSTSConfig{MaxAge: 31536000},
		CORS:  &CORSConfig{Origins: []string{"https://player.example"}},
	}
}

type recordingNext struct {
	called bool
	err    error
	status int
}

func (n *recordingNext) ServeHTTP(w http.ResponseWriter, _ *http.Request) error {
	n.called = true
	if n.err != nil {
		return n.err
	}
	w.Header().Add("Vary", "Accept-Encoding")
	w.WriteHeader(n.status)
	return nil
}

// request builds a request as Caddy would hand it to a handler: with a
// replacer, a vars map and the local address in its context.
func request(method, target string, tlsOn, trusted bool, localPort int, hdr ...string) (*http.Request, *caddy.Replacer) {
	r := httptest.NewRequest(method, target, nil)
	if tlsOn {
		r.TLS = &tls.ConnectionState{}
	} else {
		r.TLS = nil
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	repl := caddy.NewReplacer()
	ctx := context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl)
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{caddyhttp.TrustedProxyVarKey: trusted})
	ctx = context.WithValue(ctx, http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: localPort})
	return r.WithContext(ctx), repl
}

func TestServeHTTPPassesAllowedRequestWithHeaders(t *testing.T) {
	s := provisioned(t, standard())
	r, _ := request("GET", "https://media.example/hls/a.ts", true, false, 9442, "Origin", "https://player.example")
	w := httptest.NewRecorder()
	next := &recordingNext{status: 200}
	if err := s.ServeHTTP(w, r, next); err != nil || !next.called {
		t.Fatalf("err=%v called=%v", err, next.called)
	}
	h := w.Result().Header
	if h.Get("Access-Control-Allow-Origin") != "https://player.example" || h.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("CORS headers missing: %v", h)
	}
	if got := h.Values("Vary"); strings.Join(got, ",") != "Origin,Accept-Encoding" {
		t.Errorf("Vary = %q: ours must be added, not replace the next handler's", got)
	}
	if h.Get("Strict-Transport-Security") != "max-age=31536000" {
		t.Errorf("HSTS = %q", h.Get("Strict-Transport-Security"))
	}
}

func TestServeHTTPKeepsCORSOnErrorsFromLaterHandlers(t *testing.T) {
	s := provisioned(t, standard())
	r, _ := request("GET", "https://media.example/keys/k1", true, false, 9442, "Origin", "https://player.example")
	w := httptest.NewRecorder()
	denial := caddyhttp.Error(http.StatusForbidden, errors.New("edgeauth: missing"))
	err := s.ServeHTTP(w, r, &recordingNext{err: denial})
	if !errors.Is(err, denial) && err.Error() != denial.Error() {
		t.Fatalf("err = %v, want the later handler's error", err)
	}
	if w.Header().Get("Access-Control-Allow-Origin") != "https://player.example" {
		t.Errorf("CORS header not set before next: %v", w.Header())
	}
}

func TestServeHTTPRefusals(t *testing.T) {
	s := provisioned(t, standard())
	tests := []struct {
		name       string
		method     string
		target     string
		tlsOn      bool
		trusted    bool
		port       int
		hdr        []string
		wantStatus int
		wantReason string
	}{
		{"plain http", "GET", "http://media.example/hls/a.ts", false, false, 9442, nil, 403, "plain_http"},
		{"spoofed proto from untrusted peer", "GET", "http://media.example/hls/a.ts", false, false, 9442, []string{"X-Forwarded-Proto", "https"}, 403, "plain_http"},
		{"unlisted port", "GET", "https://media.example/hls/a.ts", true, false, 443, nil, 404, "port_not_allowed"},
		{"unlisted path", "GET", "https://media.example/admin", true, false, 9442, nil, 404, "route_not_allowed"},
		{"wrong method", "DELETE", "https://media.example/hls/a.ts", true, false, 9442, nil, 404, "route_not_allowed"},
		{"encoded traversal", "GET", "https://media.example/hls/..%2fadmin", true, false, 9442, nil, 400, "bad_path"},
		{"preflight from stranger", "OPTIONS", "https://media.example/hls/a.ts", true, false, 9442, []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "GET"}, 403, "preflight_origin_not_allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, repl := request(tc.method, tc.target, tc.tlsOn, tc.trusted, tc.port, tc.hdr...)
			w := httptest.NewRecorder()
			next := &recordingNext{status: 200}
			err := s.ServeHTTP(w, r, next)
			var he caddyhttp.HandlerError
			if !errors.As(err, &he) || he.StatusCode != tc.wantStatus {
				t.Fatalf("err = %v, want HandlerError %d", err, tc.wantStatus)
			}
			if next.called {
				t.Error("next handler ran")
			}
			if w.Body.Len() != 0 || w.Code != 200 || w.Flushed {
				t.Errorf("handler wrote a response itself (code %d, body %q)", w.Code, w.Body)
			}
			if got, _ := repl.GetString("http.secure_routes.reason"); got != tc.wantReason {
				t.Errorf("reason placeholder = %q, want %q", got, tc.wantReason)
			}
			if w.Header().Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("refusal carries CORS for a non-listed origin")
			}
		})
	}
}

func TestServeHTTPHonoursForwardedProtoFromTrustedProxy(t *testing.T) {
	s := provisioned(t, standard())
	r, _ := request("GET", "http://media.example/hls/a.ts", false, true, 9442, "X-Forwarded-Proto", "https")
	w := httptest.NewRecorder()
	next := &recordingNext{status: 200}
	if err := s.ServeHTTP(w, r, next); err != nil || !next.called {
		t.Fatalf("err=%v called=%v", err, next.called)
	}
	if w.Header().Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS although the client side was HTTPS")
	}
}

func TestServeHTTPAnswersPreflightWithoutCallingNext(t *testing.T) {
	s := provisioned(t, standard())
	r, repl := request("OPTIONS", "https://media.example/keys/k1", true, false, 9442,
		"Origin", "https://player.example", "Access-Control-Request-Method", "GET",
		"Access-Control-Request-Headers", "range", "Access-Control-Request-Headers", "x-edge-token")
	w := httptest.NewRecorder()
	next := &recordingNext{status: 200}
	if err := s.ServeHTTP(w, r, next); err != nil {
		t.Fatal(err)
	}
	if next.called {
		t.Error("preflight reached the next handler")
	}
	if w.Code != http.StatusNoContent {
		t.Errorf("status %d", w.Code)
	}
	if got := w.Header().Get("Access-Control-Allow-Headers"); got != "range, x-edge-token" {
		t.Errorf("Allow-Headers = %q", got)
	}
	if got, _ := repl.GetString("http.secure_routes.reason"); got != "preflight" {
		t.Errorf("reason = %q", got)
	}
}

func TestServeHTTPRedirectsPlainHTTP(t *testing.T) {
	cfg := standard()
	cfg.HTTPSOnly, cfg.RedirectPort = HTTPSRedirect, 9442
	s := provisioned(t, cfg)
	r, _ := request("GET", "http://media.example:9082/hls/a%20b.ts?__token__=x", false, false, 9082)
	w := httptest.NewRecorder()
	next := &recordingNext{status: 200}
	if err := s.ServeHTTP(w, r, next); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusPermanentRedirect || w.Header().Get("Location") != "https://media.example:9442/hls/a%20b.ts" {
		t.Errorf("got %d Location %q", w.Code, w.Header().Get("Location"))
	}
	if next.called || w.Header().Get("Strict-Transport-Security") != "" {
		t.Error("redirect ran next or sent HSTS over plain HTTP")
	}
}

func TestProvisionRefusesBadConfig(t *testing.T) {
	for name, mutate := range map[string]func(*SecureRoutes){
		"no allow":        func(s *SecureRoutes) { s.Allow = nil },
		"bad pattern":     func(s *SecureRoutes) { s.Allow[0].Paths = []string{"hls"} },
		"bad method":      func(s *SecureRoutes) { s.Allow[0].Methods = []string{"get"} },
		"bad https mode":  func(s *SecureRoutes) { s.HTTPSOnly = "maybe" },
		"bad port":        func(s *SecureRoutes) { s.Ports = []int{-1} },
		"preload short":   func(s *SecureRoutes) { s.HSTS = &HSTSConfig{MaxAge: 60, IncludeSubdomains: true, Preload: true} },
		"wildcard origin": func(s *SecureRoutes) { s.CORS.Origins = []string{"*"} },
		"bad header":      func(s *SecureRoutes) { s.CORS.AllowHeaders = []string{"a b"} },
	} {
		s := standard()
		mutate(s)
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		if err := s.Provision(ctx); err == nil || !strings.HasPrefix(err.Error(), "secure_routes: ") {
			t.Errorf("%s: Provision err = %v, want a secure_routes error", name, err)
		}
		cancel()
	}
}
