package edgeauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
)

const (
	keyA = "0123456789abcdef0123456789abcdef"
	keyB = "fedcba9876543210fedcba9876543210"
)

// fixedNow is the clock of handler tests.
var fixedNow = time.Unix(1700000000, 0)

func hexKey(t testing.TB, s string) []byte {
	t.Helper()
	k, err := edgetoken.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mint makes a token with keyA (unless o.Key is set), valid at fixedNow
// unless o.Expires says otherwise.
func mint(t testing.TB, o edgetoken.Options) string {
	t.Helper()
	if o.Key == nil {
		o.Key = hexKey(t, keyA)
	}
	if o.Expires == 0 && o.Window == 0 {
		o.Expires = fixedNow.Unix() + 300
	}
	if o.Now.IsZero() {
		o.Now = fixedNow
	}
	tok, err := edgetoken.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// newHandler provisions h with an observed logger and the fixed clock.
func newHandler(t testing.TB, c Config) (*Handler, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	h := &Handler{Config: c}
	if h.Keys == nil {
		h.Keys = []string{keyA}
	}
	h.now = func() time.Time { return fixedNow }
	if err := h.provision(zap.New(core)); err != nil {
		t.Fatalf("provision: %v", err)
	}
	return h, logs
}

// served is what one request through the handler produced.
type served struct {
	rec        *httptest.ResponseRecorder
	err        error
	nextCalled bool
	nextURI    string // RequestURI seen by the next handler
	repl       *caddy.Replacer
	vars       map[string]any
	auth       *authz.Auth // the contract the next handler saw
}

func (s served) status() int {
	var he caddyhttp.HandlerError
	if errors.As(s.err, &he) {
		return he.StatusCode
	}
	if s.err != nil {
		return 500
	}
	return s.rec.Code
}

func (s served) placeholder(name string) string {
	v, _ := s.repl.GetString(name)
	return v
}

// prepare gives r the context Caddy's server would: a replacer and vars.
func prepare(r *http.Request, clientIP string) (*http.Request, *caddy.Replacer, map[string]any) {
	repl := caddy.NewReplacer()
	vars := map[string]any{}
	if clientIP != "" {
		vars[caddyhttp.ClientIPVarKey] = clientIP
	}
	ctx := context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl)
	ctx = context.WithValue(ctx, caddyhttp.VarsCtxKey, vars)
	return r.WithContext(ctx), repl, vars
}

func serve(t testing.TB, h *Handler, r *http.Request, clientIP string) served {
	t.Helper()
	return serveWith(t, h, r, clientIP, func(w http.ResponseWriter, _ *authz.Auth) error {
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

// serveWith runs r through h with a next handler that answers with next,
// as hls_proxy would (it may report the request's kind to the contract).
func serveWith(t testing.TB, h *Handler, r *http.Request, clientIP string, next func(http.ResponseWriter, *authz.Auth) error) served {
	t.Helper()
	r, repl, vars := prepare(r, clientIP)
	s := &served{rec: httptest.NewRecorder(), repl: repl, vars: vars}
	s.err = h.ServeHTTP(s.rec, r, caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		s.nextCalled = true
		s.nextURI = r.RequestURI
		s.auth = reqstate.Auth(r)
		return next(w, s.auth)
	}))
	if s.auth == nil {
		s.auth = reqstate.Auth(r)
	}
	return *s
}

// answer is a next handler that reports kind and view, then writes status.
func answer(kind authz.Kind, view *authz.View, status int) func(http.ResponseWriter, *authz.Auth) error {
	return func(w http.ResponseWriter, a *authz.Auth) error {
		a.Served(kind, view)
		w.WriteHeader(status)
		return nil
	}
}
