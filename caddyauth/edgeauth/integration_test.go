package edgeauth

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// Ports reserved for this package's caddytest runs (see the team plan).
const globalOptions = `{
	admin localhost:2991
	http_port 9081
	https_port 9441
	grace_period 1ns
	skip_install_trust
	local_certs
}
`

func newTester(t *testing.T, caddyfile string) *caddytest.Tester {
	t.Helper()
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2991})
	tester.InitServer(globalOptions+caddyfile, "caddyfile")
	if strings.Contains(caddyfile, "https://localhost:9441") {
		testutil.WaitTLS(t, "127.0.0.1:9441", "localhost")
	}
	return tester
}

// liveToken makes a token valid now for the acl, signed with key.
func liveToken(t *testing.T, key string, o edgetoken.Options) string {
	t.Helper()
	if o.Expires == 0 {
		o.Window = 5 * time.Minute
	}
	return testutil.MintToken(t, key, o)
}

func get(t *testing.T, c *http.Client, rawURL string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(rawURL)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func expect(t *testing.T, c *http.Client, rawURL string, status int, body string) *http.Response {
	t.Helper()
	resp, got := get(t, c, rawURL)
	if resp.StatusCode != status || got != body {
		t.Errorf("GET %s = %d %q, want %d %q", rawURL, resp.StatusCode, got, status, body)
	}
	return resp
}

// noJar is a client that never sends cookies.
func noJar() *http.Client {
	return &http.Client{Transport: caddytest.CreateTestingTransport(), Timeout: 5 * time.Second}
}

func TestIntegrationHybridSessionAndDenials(t *testing.T) {
	t.Setenv("EDGEAUTH_IT_KEY", keyB)
	tester := newTester(t, `
http://localhost:9081 {
	respond "upstream saw {uri}"
}
https://localhost:9441 {
	edgeauth {
		key {env.EDGEAUTH_IT_KEY}
		key `+keyA+`
		query RequestToken
		session_cookie {
			lifetime 1h
		}
		entry *.m3u8
	}
	reverse_proxy /hls/a/proxied/* localhost:9081
	@direct not path /hls/a/proxied/*
	respond @direct "ok {http.auth.user.id} {uri}"
	handle_errors {
		respond "{http.auth.edgeauth.reason}"
	}
}
`)
	const base = "https://localhost:9441"
	entryTok := liveToken(t, keyA, edgetoken.Options{ACLs: []string{"/hls/a/*"}, ID: "viewer-1"})

	// Cookie round trip with the tester's cookie jar.
	jar := tester.Client
	resp := expect(t, jar, base+"/hls/a/index.m3u8?RequestToken="+entryTok+"&q=1", 200, "ok viewer-1 /hls/a/index.m3u8?q=1")
	if len(resp.Cookies()) != 1 || !resp.Cookies()[0].Secure || !resp.Cookies()[0].HttpOnly {
		t.Fatalf("query-token response cookies %v", resp.Header.Values("Set-Cookie"))
	}
	resp = expect(t, jar, base+"/hls/a/seg-001.ts", 200, "ok viewer-1 /hls/a/seg-001.ts")
	if v := resp.Header.Values("Set-Cookie"); len(v) != 0 {
		t.Errorf("cookie-authenticated response sets cookies: %q", v)
	}
	expect(t, jar, base+"/hls/b/seg-001.ts", 403, edgetoken.ReasonACLMismatch)
	expect(t, jar, base+"/hls/a/index.m3u8", 403, edgetoken.ReasonMissing)
	expect(t, jar, base+"/hls/a/other.m3u8", 403, edgetoken.ReasonMissing)

	// Denials without cookies.
	c := noJar()
	expired := liveToken(t, keyA, edgetoken.Options{ACLs: []string{"/hls/a/*"}, Expires: time.Now().Unix() - 120})
	tampered := strings.Replace(entryTok, "viewer-1", "viewer-2", 1)
	expect(t, c, base+"/hls/a/x.ts?RequestToken="+expired, 403, edgetoken.ReasonExpired)
	expect(t, c, base+"/hls/a/x.ts?RequestToken="+tampered, 403, edgetoken.ReasonBadHMAC)
	expect(t, c, base+"/hls/b/x.ts?RequestToken="+entryTok, 403, edgetoken.ReasonACLMismatch)
	expect(t, c, base+"/hls/a/%2e%2e/b/x.ts?RequestToken="+entryTok, 400, edgetoken.ReasonMalformed)
	expect(t, c, base+"/hls/a/x.ts", 403, edgetoken.ReasonMissing)

	// Rotation: the {env.*} key and the literal key both verify.
	envTok := liveToken(t, keyB, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	expect(t, c, base+"/hls/a/x.ts?RequestToken="+envTok, 200, "ok edgeauth /hls/a/x.ts")
	expect(t, c, base+"/hls/a/x.ts?RequestToken="+url.QueryEscape(entryTok), 200, "ok viewer-1 /hls/a/x.ts")

	// edgeauth runs before reverse_proxy (no `order` option) and strips the token.
	expect(t, c, base+"/hls/a/proxied/x.ts?x=1&RequestToken="+entryTok, 200, "upstream saw /hls/a/proxied/x.ts?x=1")
	expect(t, c, base+"/hls/a/proxied/x.ts?x=1", 403, edgetoken.ReasonMissing)
}

func TestIntegrationKeepTokenAndOptional(t *testing.T) {
	tester := newTester(t, `
http://localhost:9081 {
	route /keep/* {
		edgeauth {
			key `+keyA+`
			keep_token
		}
	}
	route /opt/* {
		edgeauth {
			key `+keyA+`
			optional
		}
	}
	respond "{http.vars.edgeauth.authenticated} {uri}"
	handle_errors {
		respond "{http.auth.edgeauth.reason}"
	}
}
`)
	const base = "http://localhost:9081"
	tok := liveToken(t, keyA, edgetoken.Options{ACLs: []string{"/*"}})
	c := tester.Client
	expect(t, c, base+"/keep/x.ts?a=1&__token__="+tok, 200, "true /keep/x.ts?a=1&__token__="+tok)
	expect(t, c, base+"/opt/x.ts?a=1&__token__="+tok, 200, "true /opt/x.ts?a=1")
	expect(t, c, base+"/opt/x.ts?a=1", 200, "false /opt/x.ts?a=1")
	expect(t, c, base+"/keep/x.ts", 403, edgetoken.ReasonMissing)
}

func TestIntegrationAuthenticationProvider(t *testing.T) {
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2991})
	tester.InitServer(`{
		"admin": {"listen": "localhost:2991"},
		"apps": {"http": {"http_port": 9081, "https_port": 9441, "grace_period": 1, "servers": {"srv0": {
			"listen": [":9081"],
			"automatic_https": {"disable": true},
			"routes": [{"handle": [
				{"handler": "authentication", "providers": {"edgeauth": {"keys": ["`+keyA+`"]}}},
				{"handler": "static_response", "body": "hello {http.auth.user.id} {http.auth.user.data}"}
			]}]
		}, "srv1": {
			"listen": [":9082"],
			"automatic_https": {"disable": true},
			"routes": [{"handle": [
				{"handler": "authentication", "providers": {"edgeauth": {"keys": ["`+keyA+`"]}}},
				{"handler": "static_response", "body": "ok"}
			]}],
			"errors": {"routes": [{
				"match": [{"expression": "{http.error.status_code} == 401"}],
				"handle": [{"handler": "static_response", "status_code": 403, "body": "denied: {http.auth.edgeauth.reason}"}]
			}]}
		}}}}
	}`, "json")
	tok := liveToken(t, keyA, edgetoken.Options{ACLs: []string{"/*"}, ID: "u1", Data: "d1"})
	expect(t, noJar(), "http://localhost:9081/x?__token__="+tok, 200, "hello u1 d1")
	resp, _ := get(t, noJar(), "http://localhost:9081/x")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token through the provider: %d, want 401", resp.StatusCode)
	}
	// The errors route of authentication-provider.json turns Caddy's 401
	// into the contract's 403, with the denial reason.
	expect(t, noJar(), "http://localhost:9082/x", 403, "denied: "+edgetoken.ReasonMissing)
	expired := liveToken(t, keyA, edgetoken.Options{ACLs: []string{"/*"}, Start: time.Now().Unix() - 600, Expires: time.Now().Unix() - 300})
	expect(t, noJar(), "http://localhost:9082/x?__token__="+expired, 403, "denied: "+edgetoken.ReasonExpired)
	expect(t, noJar(), "http://localhost:9082/x?__token__="+tok, 200, "ok")
}
