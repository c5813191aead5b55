package ops

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// replica is an HTTP origin serving testdata/sample/clear under every
// asset name (/media/<asset>/<file>), or 503 while it is down: the
// origin's own fault, which hls_proxy's pool fails over from.
type replica struct {
	srv  *httptest.Server
	down atomic.Bool
}

func startReplica(t *testing.T) *replica {
	t.Helper()
	dir := filepath.Join(testutil.RepoRoot(t), "testdata", "sample", "clear")
	r := &replica{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		parts := strings.Split(strings.TrimPrefix(req.URL.Path, "/media/"), "/")
		if len(parts) != 2 || strings.Contains(parts[1], "..") {
			http.NotFound(w, req)
			return
		}
		http.ServeFile(w, req, filepath.Join(dir, parts[1]))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// damRule stands in for the DAM's rule endpoint (GET /rule?asset=A answers
// "true" or "false"): assets named *-locked are protected, the rest public;
// while it is down it answers 503.
type damRule struct {
	srv  *httptest.Server
	down atomic.Bool
}

func startDAMRule(t *testing.T) *damRule {
	t.Helper()
	d := &damRule{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if d.down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(strconv.FormatBool(strings.HasSuffix(req.URL.Query().Get("asset"), "-locked"))))
	}))
	t.Cleanup(d.srv.Close)
	return d
}

// opsCaddyfile is the configuration both instances run (ports from the
// environment): /hls needs a token (query, then the session cookie); /pub
// asks the DAM stand-in whether a tokenless request's asset is public. Both
// fetch from replica a, then b; /hls keeps objects in object_cache. /live
// is an LL-HLS rendition in an S3 bucket (versitygw), whose blocking
// reloads the proxy holds (llhls_test.go).
var opsCaddyfile = testutil.CaddyfileTemplate("Caddyfile", `{
	admin 127.0.0.1:{$OPS_ADMIN}
	local_certs
	skip_install_trust
	auto_https disable_redirects
	http_port {$OPS_HTTP}
	https_port {$OPS_HTTPS}
	metrics
	servers {
		protocols h1 h2
	}
	log {
		output stderr
		level WARN
	}
}

https://localhost:{$OPS_MEDIA} {
	secure_routes {
		allow GET HEAD /hls/* /keys/* /pub/* /live/*
	}
	route /hls/* {
		edgeauth {
			key {env.OPS_EDGE_KEY}
			session_cookie {
				lifetime 10m
			}
		}
		hls_proxy {
			{{template "origins" .}}
			strip_prefix /hls
			key_path /keys
			object_cache {{.CacheSize}}
		}
	}
	route /live/* {
		edgeauth {
			key {env.OPS_EDGE_KEY}
		}
		hls_proxy {
			origin s3://{{.Bucket}} {
				endpoint {{.S3}}
				access_key {{.S3Access}}
				secret_key {{.S3Secret}}
			}
			strip_prefix /live
		}
	}
	route /pub/* {
		edgeauth {
			key {env.OPS_EDGE_KEY}
			optional
		}
		hls_proxy {
			{{template "origins" .}}
			strip_prefix /pub
			key_path /keys
			asset_policy http {{.DAM}}/rule?asset={asset} {
				cache 1s
				timeout 500ms
			}
		}
	}
	handle_errors {
		respond "{http.auth.edgeauth.reason}" {http.error.status_code}
	}
}
{{define "origins"}}origin {{.A}}/media
			origin {{.B}}/media
			timeout 2s
			failover_backoff 1s{{end}}`)

// stack is two bin/caddy instances with one configuration in front of two
// replicas, a DAM rule stand-in and an LL-HLS packager writing to S3.
type stack struct {
	t    *testing.T
	key  string // EdgeAuth key, hex
	a, b *replica
	dam  *damRule
	live *testutil.S3LLPackager
	// liveTokens are the tokens of the LL-HLS requests: none may be a label value
	liveTokens []string
	media      []string // "https://localhost:PORT" of each instance
	admins     []int    // admin port of each instance: Prometheus's targets
	client     *http.Client
	requests   atomic.Int64
}

func startStack(t *testing.T, n int) *stack {
	t.Helper()
	s := &stack{t: t, key: testutil.RandomHex(t, 32), a: startReplica(t), b: startReplica(t), dam: startDAMRule(t)}
	s.live = startLivePackager(t)
	vgw := s.live.VGW
	var cfg bytes.Buffer
	if err := opsCaddyfile.Execute(&cfg, map[string]string{"A": s.a.srv.URL, "B": s.b.srv.URL, "DAM": s.dam.srv.URL,
		"CacheSize": strconv.FormatInt(cacheSize, 10), "S3": vgw.Endpoint, "S3Access": vgw.Access, "S3Secret": vgw.Secret,
		"Bucket": s.live.Bucket}); err != nil {
		t.Fatal(err)
	}
	for range n {
		p := testutil.FreePorts(t, 4)
		env := []string{"OPS_EDGE_KEY=" + s.key, "OPS_ADMIN=" + strconv.Itoa(p[0]), "OPS_HTTP=" + strconv.Itoa(p[1]),
			"OPS_HTTPS=" + strconv.Itoa(p[2]), "OPS_MEDIA=" + strconv.Itoa(p[3])}
		testutil.StartCaddyWith(t, testutil.CaddyOptions{Caddyfile: cfg.String(), Admin: p[0], Env: env, Ports: p[3:]})
		s.media = append(s.media, "https://localhost:"+strconv.Itoa(p[3]))
		s.admins = append(s.admins, p[0])
	}
	s.client = newClient()
	t.Cleanup(s.client.CloseIdleConnections)
	return s
}

// newClient trusts Caddy's local CA blindly (a test) and keeps no cookies.
func newClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // Caddy's local test CA
	}}
}

// token is an ACL token for one stream, signed with keyHex.
func (s *stack) token(keyHex, stream string, window time.Duration) string {
	return testutil.MintToken(s.t, keyHex, edgetoken.Options{ACLs: []string{"/hls/" + stream + "/*"}, Window: window})
}

// get requests target from instance i with an optional cookie and returns
// the status and the Set-Cookie values.
func (s *stack) get(i int, target, cookie string) (int, []*http.Cookie) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.media[i%len(s.media)]+target, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("GET %.60s: %v", target, err)
	}
	_, _ = bytes.NewBuffer(nil).ReadFrom(resp.Body)
	resp.Body.Close()
	s.requests.Add(1)
	return resp.StatusCode, resp.Cookies()
}

// view plays stream as a player does: the master playlist with the query
// token from instance first (which mints the session cookie), then a media
// playlist and its three segments with the cookie only, alternating
// instances. Every answer must be 200.
func (s *stack) view(first int, stream string) {
	s.t.Helper()
	tok := s.token(s.key, stream, 10*time.Minute)
	st, cookies := s.get(first, "/hls/"+stream+"/master.m3u8?__token__="+tok, "")
	if st != http.StatusOK || len(cookies) == 0 {
		s.t.Fatalf("view %s: master playlist %d with %d cookies, want 200 and a session cookie", stream, st, len(cookies))
	}
	c := cookies[0].Name + "=" + cookies[0].Value
	for j, f := range []string{"v0.m3u8", "v0_0.ts", "v0_1.ts", "v0_2.ts"} {
		if st, _ := s.get(first+j+1, "/hls/"+stream+"/"+f, c); st != http.StatusOK {
			s.t.Fatalf("view %s: %s from instance %d: %d, want 200", stream, f, (first+j+1)%len(s.media), st)
		}
	}
}

// expect requests target from instance i and fails unless the status is want.
func (s *stack) expect(i int, target string, want int) {
	s.t.Helper()
	if st, _ := s.get(i, target, ""); st != want {
		s.t.Fatalf("GET %.70s from instance %d: %d, want %d", target, i, st, want)
	}
}

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
