package e2e

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

const interopKey = "52a152a152a152a152a152a152a152a1"

// nodeCase is one token made by Akamai's Node EdgeAuth SDK and the request it must open.
type nodeCase struct {
	name     string
	options  map[string]any // EdgeAuth constructor options (key added)
	acl, url string         // generateACLToken(acl) or generateURLToken(url)
	verifier edgetoken.Verifier
	path, ip string // the request that the token opens
	cliFlags []string
}

// nodeTokens runs e2e/edgeauth-node.mjs on the cases and returns the SDK's tokens.
func nodeTokens(t *testing.T, key string, cases []nodeCase) []string {
	t.Helper()
	testutil.NodeModules(t, e2eModules...) // node and Akamai's EdgeAuth SDK
	type in struct {
		Options map[string]any `json:"options"`
		ACL     string         `json:"acl,omitempty"`
		URL     *string        `json:"url,omitempty"`
	}
	var ins []in
	for _, c := range cases {
		o := map[string]any{"key": key}
		for k, v := range c.options {
			o[k] = v
		}
		i := in{Options: o, ACL: c.acl}
		if c.url != "" {
			i.URL = &c.url
		}
		ins = append(ins, i)
	}
	b, err := json.Marshal(ins)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(testutil.RepoRoot(t), "e2e", "edgeauth-node.mjs"))
	cmd.Stdin = bytes.NewReader(b)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node edgeauth-node.mjs: %v\n%s", err, stderr.String())
	}
	var toks []string
	if err := json.Unmarshal(out, &toks); err != nil || len(toks) != len(cases) {
		t.Fatalf("generator output %q: %v", out, err)
	}
	return toks
}

// Tokens made by an independent generator, Akamai's Node EdgeAuth SDK, in every mode it
// has (ACL lists, URL mode, escape_early, ip/id/data, salt, sha1/md5, a start time), open
// exactly the request they were made for — in the pure verifier and in `caddy edgeauth
// verify` — and nothing else: another path is acl_mismatch, another client ip_mismatch,
// a changed character bad_hmac.
func TestAkamaiNodeSDKTokensVerifyAndOpenOnlyTheirRequest(t *testing.T) {
	key, err := edgetoken.ParseKey(interopKey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	cases := []nodeCase{
		{name: "acl sha256", options: map[string]any{"windowSeconds": 300}, acl: "/hls/a/*", path: "/hls/a/seg0.ts"},
		{name: "acl list", options: map[string]any{"windowSeconds": 300}, acl: "/hls/b/index.m3u8!/hls/a/*", path: "/hls/a/index.m3u8"},
		{name: "start time and end time", options: map[string]any{"startTime": now - 5, "endTime": now + 600}, acl: "/hls/a/*", path: "/hls/a/x.ts"},
		{name: "ip id data escape_early", options: map[string]any{"windowSeconds": 300, "escapeEarly": true, "ip": "203.0.113.7",
			"sessionId": "john doe~x", "payload": "u=1&ü=(2)"}, acl: "/hls/a/*", path: "/hls/a/x.ts", ip: "203.0.113.7",
			cliFlags: []string{"--ip", "203.0.113.7"}},
		{name: "salt", options: map[string]any{"windowSeconds": 300, "salt": "pepper"}, acl: "/hls/a/*", path: "/hls/a/x.ts",
			verifier: edgetoken.Verifier{Salt: "pepper"}, cliFlags: []string{"--salt", "pepper"}},
		{name: "sha1", options: map[string]any{"windowSeconds": 300, "algorithm": "sha1"}, acl: "/hls/a/*", path: "/hls/a/x.ts",
			verifier: edgetoken.Verifier{Algorithm: edgetoken.SHA1}, cliFlags: []string{"--algo", "sha1"}},
		{name: "md5", options: map[string]any{"windowSeconds": 300, "algorithm": "md5"}, acl: "/hls/a/*", path: "/hls/a/x.ts",
			verifier: edgetoken.Verifier{Algorithm: edgetoken.MD5}, cliFlags: []string{"--algo", "md5"}},
		{name: "url mode", options: map[string]any{"windowSeconds": 300}, url: "/hls/a/index.m3u8", path: "/hls/a/index.m3u8",
			verifier: edgetoken.Verifier{URLMode: true}, cliFlags: []string{"--url-mode"}},
		{name: "url mode escape_early", options: map[string]any{"windowSeconds": 300, "escapeEarly": true}, url: "/hls/a/index.m3u8",
			path: "/hls/a/index.m3u8", verifier: edgetoken.Verifier{URLMode: true, EscapeEarly: true},
			cliFlags: []string{"--url-mode", "--escape-early"}},
	}
	toks := nodeTokens(t, interopKey, cases)
	caddy := testutil.CaddyBinary(t)
	for i, c := range cases {
		tok := toks[i]
		t.Run(c.name, func(t *testing.T) {
			v := c.verifier
			v.Keys = [][]byte{key}
			req := edgetoken.Request{Path: c.path}
			if c.ip != "" {
				req.ClientIP = netip.MustParseAddr(c.ip)
			}
			if _, err := v.Verify(tok, req); err != nil {
				t.Fatalf("SDK token %q refused: %v", tok, err)
			}
			args := append([]string{"edgeauth", "verify", "--key", interopKey, "--path", c.path}, c.cliFlags...)
			if out, err := exec.Command(caddy, append(args, tok)...).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "valid" {
				t.Errorf("caddy %s: %v\n%s", strings.Join(args, " "), err, out)
			}

			other := req
			other.Path = "/hls/c/x.ts"
			wrongPath := edgetoken.ReasonACLMismatch
			if c.url != "" {
				wrongPath = edgetoken.ReasonBadHMAC // the HMAC binds the URL itself
			}
			expectReason(t, "another path", v, tok, other, wrongPath)
			if c.ip != "" {
				elsewhere := req
				elsewhere.ClientIP = netip.MustParseAddr("198.51.100.1")
				expectReason(t, "another client", v, tok, elsewhere, edgetoken.ReasonIPMismatch)
			}
			expectReason(t, "changed exp", v, laterExp(t, tok), req, edgetoken.ReasonBadHMAC)
		})
	}
}

// ffprobe plays every frame through a real Caddy when the only token is one made by
// Akamai's Node SDK: tokenized URIs under encrypt (segments and the derived key), and the
// hybrid cookie flow from an entry token signed for the master playlist alone.
func TestFFprobePlaysThroughAkamaiNodeSDKTokens(t *testing.T) {
	ffprobe := testutil.RequireTool(t, "ffprobe")
	st := startStack(t)
	want := sourceFrames(t, ffprobe, "clear")
	toks := nodeTokens(t, st.Key, []nodeCase{
		{options: map[string]any{"windowSeconds": 300, "tokenName": "__token__"}, acl: "/hls/clear/*!/keys/clear/*"},
		{options: map[string]any{"windowSeconds": 300, "startTime": "now"}, acl: "/hls/clear/master.m3u8*"},
	})
	for _, tc := range []struct{ name, url string }{
		{"tokenized encrypt", withToken(st.Media[siteEncrypt]+"/hls/clear/master.m3u8", toks[0])},
		{"hybrid cookie from an entry token", withToken(st.Media[siteCookie]+"/hls/clear/master.m3u8", toks[1])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := probeFrames(t, ffprobe, tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("decoded frames %v, want the source's %v", got, want)
			}
		})
	}
}

// laterExp returns tok with its exp field one second later (the HMAC unchanged).
func laterExp(t *testing.T, tok string) string {
	t.Helper()
	fields := strings.Split(tok, "~")
	for i, f := range fields {
		if v, ok := strings.CutPrefix(f, "exp="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("exp %q: %v", v, err)
			}
			fields[i] = "exp=" + strconv.FormatInt(n+1, 10)
			return strings.Join(fields, "~")
		}
	}
	t.Fatalf("no exp in %q", tok)
	return ""
}

func expectReason(t *testing.T, what string, v edgetoken.Verifier, tok string, req edgetoken.Request, reason string) {
	t.Helper()
	if _, f := v.Verify(tok, req); f == nil || f.Reason != reason {
		t.Errorf("%s: failure %v, want %s", what, f, reason)
	}
}
