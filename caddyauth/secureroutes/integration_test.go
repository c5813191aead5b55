package secureroutes

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/quic-go/quic-go/http3"
	"golang.org/x/crypto/bcrypt"
)

// Ports reserved for this package's caddytest runs (see the team plan).
const (
	adminPort = 2992
	httpPort  = 9082
	httpsPort = 9442
)

// storageDir isolates this package's certificates and local CA from other
// test binaries running at the same time (they would share ~/.local/share/caddy
// and wait on each other's locks). It is fresh on every run.
var storageDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "secureroutes-caddy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	storageDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	httpsBase = fmt.Sprintf("https://localhost:%d", httpsPort)
	httpBase  = fmt.Sprintf("http://localhost:%d", httpPort)
)

// startCaddy loads a Caddyfile whose single site answers on both the HTTPS
// and the plain-HTTP port, with secure_routes configured by body and the
// given extra global options. After the perimeter come basic_auth on
// /keys/* (standing in for edgeauth: any request that gets past
// secure_routes without credentials is refused there) and a terminal
// respond. No `order` option is used.
func startCaddy(t *testing.T, globals, body string) *caddytest.Tester {
	t.Helper()
	return startCaddySite(t, globals, body, "")
}

// startCaddySite is startCaddy with extra site-level directives.
func startCaddySite(t *testing.T, globals, body, site string) *caddytest.Tester {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`{
	admin localhost:%d
	http_port %d
	https_port %d
	local_certs
	skip_install_trust
	storage file_system %q
	%s
}
localhost:%d, http://localhost:%d {
	respond "origin says hi" 200
	basic_auth /keys/* {
		viewer %s
	}
	secure_routes {
		%s
	}
	%s
}
`, adminPort, httpPort, httpsPort, storageDir, globals, httpsPort, httpPort, hash, body, site)
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: adminPort})
	tester.InitServer(config, "caddyfile")
	tester.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	waitForCertificate(t, tester)
	return tester
}

// waitForCertificate waits until the HTTPS listener completes a handshake:
// the local CA issues the certificate in the background right after the
// config loads, so the very first request may otherwise race it.
func waitForCertificate(t *testing.T, tester *caddytest.Tester) {
	t.Helper()
	var err error
	for range 100 {
		var resp *http.Response
		if resp, err = tester.Client.Get(httpsBase + "/"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("HTTPS listener never became ready: %v", err)
}

const standardBody = `allow GET HEAD /hls/* /keys/*
		ports 9442 9082
		hsts 31536000 include_subdomains
		cors https://player.example`

type exchange struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, tester *caddytest.Tester, method, url string, hdr ...string) exchange {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := tester.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return exchange{resp.StatusCode, resp.Header, string(body)}
}

func TestIntegrationPerimeter(t *testing.T) {
	tester := startCaddy(t, "", standardBody)
	const player = "https://player.example"

	tests := []struct {
		name       string
		method     string
		url        string
		hdr        []string
		wantStatus int
		wantBody   string            // checked when not empty
		wantHeader map[string]string // "" = must be absent
	}{
		{
			name: "https allowed path reaches the origin with HSTS", method: "GET", url: httpsBase + "/hls/a/index.m3u8",
			wantStatus: 200, wantBody: "origin says hi",
			wantHeader: map[string]string{"Strict-Transport-Security": "max-age=31536000; includeSubDomains", "Vary": "Origin"},
		},
		{
			name: "plain http is refused before anything else", method: "GET", url: httpBase + "/hls/a/index.m3u8",
			wantStatus: 403, wantHeader: map[string]string{"Strict-Transport-Security": "", "Access-Control-Allow-Origin": ""},
		},
		{
			name: "forwarded proto from an untrusted client is ignored", method: "GET", url: httpBase + "/hls/a/index.m3u8",
			hdr: []string{"X-Forwarded-Proto", "https"}, wantStatus: 403,
		},
		{
			name: "unlisted path is 404 with no detail", method: "GET", url: httpsBase + "/admin/config",
			wantStatus: 404, wantHeader: map[string]string{"Content-Length": "0"},
		},
		{name: "wrong method is 404", method: "POST", url: httpsBase + "/hls/a/index.m3u8", wantStatus: 404},
		{name: "traversal out of an allowed prefix is refused", method: "GET", url: httpsBase + "/hls/%2e%2e/admin", wantStatus: 400},
		{name: "encoded slash is refused", method: "GET", url: httpsBase + "/hls/..%2Fadmin", wantStatus: 400},
		{
			name: "listed origin gets credentialed CORS", method: "GET", url: httpsBase + "/hls/a/seg1.ts",
			hdr: []string{"Origin", player}, wantStatus: 200,
			wantHeader: map[string]string{
				"Access-Control-Allow-Origin":      player,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers":    "Content-Length, Content-Range, Accept-Ranges, ETag",
			},
		},
		{
			name: "unlisted origin gets no CORS headers", method: "GET", url: httpsBase + "/hls/a/seg1.ts",
			hdr: []string{"Origin", "https://evil.example"}, wantStatus: 200,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": "", "Vary": "Origin"},
		},
		{
			name: "preflight from listed origin is answered before auth", method: "OPTIONS", url: httpsBase + "/keys/k1",
			hdr:        []string{"Origin", player, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "range,x-edge-token"},
			wantStatus: 204,
			wantHeader: map[string]string{
				"Access-Control-Allow-Origin":      player,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "GET, HEAD",
				"Access-Control-Allow-Headers":     "range, x-edge-token",
				"Access-Control-Max-Age":           "600",
				"Www-Authenticate":                 "",
			},
		},
		{
			name: "auth denial after the perimeter still carries CORS", method: "GET", url: httpsBase + "/keys/k1",
			hdr: []string{"Origin", player}, wantStatus: 401,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": player, "Access-Control-Allow-Credentials": "true"},
		},
		{
			name: "preflight from unlisted origin is refused without CORS", method: "OPTIONS", url: httpsBase + "/keys/k1",
			hdr: []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "GET"}, wantStatus: 403,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""},
		},
		{
			name: "preflight for an unlisted method is refused without CORS", method: "OPTIONS", url: httpsBase + "/keys/k1",
			hdr: []string{"Origin", player, "Access-Control-Request-Method", "DELETE"}, wantStatus: 404,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": ""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, tester, tc.method, tc.url, tc.hdr...)
			if got.status != tc.wantStatus {
				t.Fatalf("status %d, want %d (headers %v)", got.status, tc.wantStatus, got.header)
			}
			if tc.wantBody != "" && got.body != tc.wantBody {
				t.Errorf("body %q, want %q", got.body, tc.wantBody)
			}
			if tc.wantStatus >= 400 && strings.Contains(got.body, "secure_routes") {
				t.Errorf("refusal body leaks detail: %q", got.body)
			}
			for k, want := range tc.wantHeader {
				if v := strings.Join(got.header.Values(k), ", "); v != want {
					t.Errorf("%s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

func TestIntegrationRedirectsPlainHTTP(t *testing.T) {
	tester := startCaddy(t, "", standardBody+"\n\t\thttps_only redirect")
	got := do(t, tester, "GET", httpBase+"/hls/a/index.m3u8?__token__=abc")
	want := fmt.Sprintf("https://localhost:%d/hls/a/index.m3u8", httpsPort) // never the token
	if got.status != http.StatusPermanentRedirect || got.header.Get("Location") != want {
		t.Fatalf("got %d Location %q, want 308 %q", got.status, got.header.Get("Location"), want)
	}
	if got.header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP")
	}
	// and the target serves
	if got := do(t, tester, "GET", want); got.status != 200 {
		t.Errorf("redirect target answered %d", got.status)
	}
}

func TestIntegrationTrustedProxyForwardedProto(t *testing.T) {
	tester := startCaddy(t, "servers {\n\t\ttrusted_proxies static 127.0.0.1/32 ::1/128\n\t}", standardBody)
	got := do(t, tester, "GET", httpBase+"/hls/a/index.m3u8", "X-Forwarded-Proto", "https")
	if got.status != 200 || got.header.Get("Strict-Transport-Security") == "" {
		t.Errorf("trusted proxy saying https: got %d, HSTS %q", got.status, got.header.Get("Strict-Transport-Security"))
	}
	if got := do(t, tester, "GET", httpBase+"/hls/a/index.m3u8"); got.status != 403 {
		t.Errorf("trusted proxy without the header: got %d, want 403", got.status)
	}
}

func TestIntegrationUnlistedPortIsRefused(t *testing.T) {
	tester := startCaddy(t, "", "allow /hls/*\n\t\tports 443")
	if got := do(t, tester, "GET", httpsBase+"/hls/a/index.m3u8"); got.status != 404 {
		t.Errorf("request on port %d with ports 443: got %d, want 404", httpsPort, got.status)
	}
}

func TestIntegrationErrorRoutesSeeReasonAndKeepCORS(t *testing.T) {
	tester := startCaddySite(t, "", standardBody,
		"handle_errors {\n\t\trespond \"{err.status_code} {http.secure_routes.reason}\"\n\t}")
	const player = "https://player.example"
	for _, tc := range []struct {
		url      string
		wantBody string
	}{
		{httpsBase + "/admin", "404 route_not_allowed"}, // refused by secure_routes
		// refused later, by basic_auth: secure_routes set no reason, so
		// Caddy leaves the unknown placeholder as written
		{httpsBase + "/keys/k1", "401 {http.secure_routes.reason}"},
	} {
		got := do(t, tester, "GET", tc.url, "Origin", player)
		if got.body != tc.wantBody {
			t.Errorf("%s: body %q, want %q", tc.url, got.body, tc.wantBody)
		}
		if got.header.Get("Access-Control-Allow-Origin") != player {
			t.Errorf("%s: error route dropped CORS headers: %v", tc.url, got.header)
		}
	}
}

// h3Get fetches url over HTTP/3 (QUIC) only, trusting Caddy's local CA
// blindly as the other clients here do.
func h3Get(t *testing.T, url string) (int, string) {
	t.Helper()
	tr := &http3.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{http3.NextProtoH3}}}
	defer tr.Close()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	var err error
	for range 50 { // the UDP listener may come up a moment after the TCP one
		var resp *http.Response
		if resp, err = c.Get(url); err == nil {
			defer resp.Body.Close()
			if resp.Proto != "HTTP/3.0" {
				t.Fatalf("GET %s answered over %s, want HTTP/3.0", url, resp.Proto)
			}
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET %s over HTTP/3: %v", url, err)
	return 0, ""
}

// The port list applies to HTTP/3 as well: a QUIC request on a listed UDP
// port is served, on an unlisted one it gets the same bodiless 404.
func TestIntegrationHTTP3ObeysThePortList(t *testing.T) {
	const h3 = "servers {\n\t\tprotocols h1 h2 h3\n\t}"
	startCaddy(t, h3, "allow /hls/*\n\t\tports 9442")
	if status, body := h3Get(t, httpsBase+"/hls/a/index.m3u8"); status != 200 || body != "origin says hi" {
		t.Errorf("HTTP/3 on listed port %d: %d %q, want 200", httpsPort, status, body)
	}
	startCaddy(t, h3, "allow /hls/*\n\t\tports 443")
	if status, body := h3Get(t, httpsBase+"/hls/a/index.m3u8"); status != 404 || body != "" {
		t.Errorf("HTTP/3 on unlisted port %d: %d %q, want 404 without body", httpsPort, status, body)
	}
}
