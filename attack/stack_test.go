package attack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// site is one HTTPS site block of the generated Caddyfile.
type site struct {
	Name string
	Port int
	Kind string // "matrix", "policy-public", "policy-protected", "entry", "urlmode", "redirect"
	// Matrix dimensions.
	Mode           string // passthrough | decrypt | encrypt | reencrypt
	SecureRoutes   bool
	PlaceholderACL bool // session_cookie acl /hls/{http.request.uri.path.1}/*!/keys/{…}/*
	Tokenize       bool
	// PlainPort is the plain-HTTP listener of the redirect site.
	PlainPort int
}

func (s *site) String() string { return s.Name }

// crypto reports whether the site transforms segments (decrypt, encrypt, reencrypt).
func (s *site) crypto() bool { return s.Mode != "passthrough" }

// stack is versitygw with the fixtures and bin/caddy with every site.
type stack struct {
	Caddy     *testutil.Caddy
	VGW       *testutil.VGW
	Key       string // EdgeAuth key (hex), the same on every site
	KeySecret string // hls_proxy key_secret, the same on every site (cross-mode replay)
	Assets    map[string]*asset
	Sites     []*site
	LogPath   string // Caddy's log file (global and access logs)
	reg       *registry
}

// matrix returns the matrix sites, optionally filtered.
func (st *stack) matrix(keep func(*site) bool) []*site {
	var out []*site
	for _, s := range st.Sites {
		if s.Kind == "matrix" && (keep == nil || keep(s)) {
			out = append(out, s)
		}
	}
	return out
}

// site returns the one site of a kind (or the matrix site with that name).
func (st *stack) site(t testing.TB, name string) *site {
	t.Helper()
	for _, s := range st.Sites {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no site %q", name)
	return nil
}

// tokenFilter removes the query token and the token header from log entries,
// as a deployment's log blocks must (Caddy logs the request as received; it
// redacts Cookie and Set-Cookie itself).
const tokenFilter = `{{define "tokenfilter"}}format filter {
			request>uri edgeauth_tokens
			request>headers>X-Edge-Token edgeauth_tokens
			resp_headers>Location edgeauth_tokens
		}{{end}}`

var caddyfileTemplate = template.Must(template.Must(template.New("Caddyfile").Parse(tokenFilter)).Parse(`{
	admin 127.0.0.1:{{.Admin}}
	local_certs
	skip_install_trust
	default_bind 127.0.0.1
	auto_https disable_redirects
	http_port {{.HTTP}}
	https_port {{.HTTPS}}
	log {
		output file {{.Log}} {
			roll_disabled
		}
		level DEBUG
		{{template "tokenfilter"}}
	}
}
{{range .Sites}}
# {{.Name}}
{{if eq .Kind "redirect"}}https://localhost:{{.Port}}, http://localhost:{{.PlainPort}}{{else}}https://localhost:{{.Port}}{{end}} {
	log {
		output file {{$.Log}} {
			roll_disabled
		}
		{{template "tokenfilter"}}
	}
{{- if or .SecureRoutes (eq .Kind "redirect")}}
	secure_routes {
		allow GET HEAD /hls/* /keys/*
{{- if eq .Kind "redirect"}}
		https_only redirect {{.Port}}
{{- end}}
	}
{{- end}}
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
{{- if eq .Kind "matrix" "entry"}}
		header X-Edge-Token
		session_cookie {
			lifetime 10m
{{- if .PlaceholderACL}}
			acl /hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*
{{- end}}
		}
{{- end}}
{{- if eq .Kind "entry"}}
		entry *.m3u8
{{- end}}
{{- if eq .Kind "urlmode"}}
		url_mode
{{- end}}
{{- if eq .Kind "policy-public" "policy-protected"}}
		optional
{{- end}}
	}
	hls_proxy {
		origin s3://media {
			region us-east-1
			endpoint {{$.S3}}
			access_key {env.ATTACK_S3_ACCESS}
			secret_key {env.ATTACK_S3_SECRET}
		}
		strip_prefix /hls
		key_path /keys
		encryption {{.Mode}}
		key_secret {env.ATTACK_KEY_SECRET}
		timeout 5s
{{- if .Tokenize}}
		tokenize
{{- end}}
{{- if eq .Kind "policy-public"}}
		asset_policy metadata x-amz-meta-tokenize default public
{{- end}}
{{- if eq .Kind "policy-protected"}}
		asset_policy metadata x-amz-meta-tokenize default protected
{{- end}}
	}
}
{{end}}`))

var modes = []string{"passthrough", "decrypt", "encrypt", "reencrypt"}

// siteList is the matrix (4 modes × secure_routes × session ACL × tokenize)
// and the special sites.
func siteList() []*site {
	var out []*site
	for _, mode := range modes {
		for _, sr := range []bool{false, true} {
			for _, ph := range []bool{false, true} {
				for _, tok := range []bool{false, true} {
					name := mode
					if sr {
						name += "+secure_routes"
					}
					if ph {
						name += "+placeholder_acl"
					}
					if tok {
						name += "+tokenize"
					}
					out = append(out, &site{Name: name, Kind: "matrix", Mode: mode, SecureRoutes: sr, PlaceholderACL: ph, Tokenize: tok})
				}
			}
		}
	}
	for _, kind := range []string{"policy-public", "policy-protected", "entry", "urlmode", "redirect"} {
		out = append(out, &site{Name: kind, Kind: kind, Mode: "passthrough", SecureRoutes: kind == "entry"})
	}
	return out
}

// startStack starts versitygw (keeping user metadata) with the fixtures and
// bin/caddy with every site; both stop at t.Cleanup.
func startStack(t *testing.T) *stack {
	t.Helper()
	testutil.CaddyBinary(t)
	st := &stack{Key: testutil.RandomHex(t, 32), KeySecret: testutil.RandomHex(t, 32), Sites: siteList()}
	access, secret := "atk"+testutil.RandomHex(t, 6), testutil.RandomHex(t, 20)
	st.VGW = testutil.StartVersityGW(t, testutil.VGWOptions{Access: access, Secret: secret, Buckets: []string{"media"}})
	st.Assets = writeFixtures(t, st.VGW)

	ports := testutil.FreePorts(t, 3+len(st.Sites)+1)
	for i, s := range st.Sites {
		s.Port = ports[3+i]
		if s.Kind == "redirect" {
			s.PlainPort = ports[len(ports)-1]
		}
	}
	st.LogPath = filepath.Join(t.TempDir(), "caddy.log")
	var cf bytes.Buffer
	if err := caddyfileTemplate.Execute(&cf, map[string]any{
		"Admin": ports[0], "HTTP": ports[1], "HTTPS": ports[2], "Log": st.LogPath,
		"S3": st.VGW.Endpoint, "Sites": st.Sites,
	}); err != nil {
		t.Fatal(err)
	}
	var wait []int
	for _, s := range st.Sites {
		wait = append(wait, s.Port)
	}
	st.Caddy = testutil.StartCaddy(t, cf.String(), ports[0], []string{
		"ATTACK_EDGEAUTH_KEY=" + st.Key,
		"ATTACK_KEY_SECRET=" + st.KeySecret,
		"ATTACK_S3_ACCESS=" + access,
		"ATTACK_S3_SECRET=" + secret,
	}, wait...)
	st.reg = newRegistry(st)
	return st
}

// caddyLog is everything Caddy logged so far: its log file and its stderr.
func (st *stack) caddyLog(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(st.LogPath)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b) + st.Caddy.Out.String()
}

// pathEscape escapes an asset name for a URL path (a space as %20).
func pathEscape(name string) string { return strings.ReplaceAll(name, " ", "%20") }

func (s *site) base() string { return fmt.Sprintf("https://localhost:%d", s.Port) }
