package edgeauth

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

func TestProvisionResolvesSecretPlaceholders(t *testing.T) {
	t.Setenv("EDGEAUTH_TEST_KEY", keyB)
	t.Setenv("EDGEAUTH_TEST_SALT", "pepper")
	keyFile := filepath.Join(t.TempDir(), "edge-secret")
	if err := os.WriteFile(keyFile, []byte(keyA+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, _ := newHandler(t, Config{
		Keys: []string{"{env.EDGEAUTH_TEST_KEY}", "{file." + keyFile + "}"},
		Salt: "{env.EDGEAUTH_TEST_SALT}",
	})
	if len(h.verifier.Keys) != 2 || string(h.verifier.Keys[0]) != string(hexKey(t, keyB)) ||
		string(h.verifier.Keys[1]) != string(hexKey(t, keyA)) || h.verifier.Salt != "pepper" {
		t.Fatalf("verifier %+v", h.verifier)
	}
	tok := mint(t, edgetoken.Options{ACLs: []string{"/*"}, Salt: "pepper"})
	if s := serve(t, h, httptest.NewRequest("GET", "/x?__token__="+tok, nil), ""); !s.nextCalled {
		t.Fatalf("token signed with the file key refused: %v", s.err)
	}
}

func TestProvisionDefaults(t *testing.T) {
	h, _ := newHandler(t, Config{SessionCookie: &SessionCookie{}})
	if h.Query != "__token__" || h.Cookie != "__token__" || h.SessionCookie.Name != "__token__" ||
		time.Duration(h.SessionCookie.Lifetime) != 4*time.Hour || h.verifier.Algorithm != edgetoken.SHA256 ||
		h.verifier.Skew != 0 {
		t.Errorf("defaults %+v verifier %+v", h.Config, h.verifier)
	}
	zero := caddy.Duration(0)
	h, _ = newHandler(t, Config{ClockSkew: &zero})
	if h.verifier.Skew >= 0 {
		t.Errorf("clock_skew 0 gave Skew %v, want none (negative)", h.verifier.Skew)
	}
}

func TestProvisionErrorsNameProblemNotKey(t *testing.T) {
	const secretish = "0123456789abcdef0123456789abcdeZ"
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no key", Config{}, "at least one key"},
		{"odd key", Config{Keys: []string{"abc"}}, "odd number"},
		{"non-hex key", Config{Keys: []string{secretish}}, "not hex"},
		{"second key bad", Config{Keys: []string{keyA, "zz"}}, "key #2"},
		{"unset env", Config{Keys: []string{"{env.EDGEAUTH_SURELY_UNSET}"}}, "key #1"},
		{"bad algorithm", Config{Keys: []string{keyA}, Algorithm: "sha512"}, "algorithm"},
		{"escape_early without url_mode", Config{Keys: []string{keyA}, EscapeEarly: true}, "url_mode"},
		{"bad entry", Config{Keys: []string{keyA}, Entry: []string{"["}}, "entry"},
		{"bad same_site", Config{Keys: []string{keyA}, SessionCookie: &SessionCookie{SameSite: "loose"}}, "same_site"},
		{"short lifetime", Config{Keys: []string{keyA}, SessionCookie: &SessionCookie{Lifetime: caddy.Duration(time.Millisecond)}}, "lifetime"},
		// JSON is refused as the Caddyfile is: one rule each (checkCookieName, checkSessionACL).
		{"bad cookie name", Config{Keys: []string{keyA}, Cookie: "a;b"}, `edgeauth: cookie: invalid cookie name "a;b"`},
		{"bad session cookie name", Config{Keys: []string{keyA}, SessionCookie: &SessionCookie{Name: "a b"}}, `edgeauth: session_cookie: invalid cookie name "a b"`},
		{"session acl with tilde", Config{Keys: []string{keyA}, SessionCookie: &SessionCookie{ACL: "/~u/*"}}, "edgeauth: session_cookie: "},
		{"negative skew", Config{Keys: []string{keyA}, ClockSkew: func() *caddy.Duration { d := caddy.Duration(-time.Second); return &d }()}, "edgeauth: clock_skew must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cfg
			err := c.provision(zap.NewNop())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("provision error %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secretish) || strings.Contains(err.Error(), keyA) {
				t.Errorf("error quotes a key: %v", err)
			}
		})
	}
}
