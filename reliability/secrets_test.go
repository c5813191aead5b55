package reliability

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSecretsNeverInLogsOrAdaptedJSON runs the stack with every secret from
// {env.*} or {file.*}, DEBUG logs everywhere, then makes denied, successful and
// origin-denied requests and adapts the Caddyfile: no secret value, token string
// or HMAC may appear in Caddy's output or in the adapted JSON. Key responses must
// not be cacheable.
func TestSecretsNeverInLogsOrAdaptedJSON(t *testing.T) {
	s := startMediaStack(t)
	tA := token(t, s.Key, "/hls/a/*", "/keys/a/*")
	tB := token(t, s.Key, "/hls/b/*", "/keys/b/*")
	hostP := "localhost:" + strconv.Itoa(s.P)
	secrets := s.Secrets()
	secrets["token a"], secrets["hmac a"] = tA, hmacOf(tA)
	secrets["token b"], secrets["hmac b"] = tB, hmacOf(tB)

	var minted []string
	for _, r := range []struct {
		port       int
		plain      bool
		target     string
		headers    []string
		wantStatus int
	}{
		{s.P, false, "/hls/a/index.m3u8?__token__=" + tA, nil, 200},    // success, mints a cookie
		{s.P, false, "/keys/a/key.bin?__token__=" + tA, nil, 200},      // key
		{s.P, false, "/hls/b/seg0.ts?__token__=" + tA, nil, 403},       // acl_mismatch
		{s.P, false, "/hls/a/seg0.ts?__token__=" + tA + "x", nil, 403}, // bad_hmac
		{s.P, false, "/hls/a/seg0.ts", []string{"X-Edge-Token: " + tB}, 403},
		{s.P, false, "/hls/a/seg0.ts", []string{"Cookie: __token__=" + tB}, 403},
		{s.H, true, "/hls/a/seg0.ts?__token__=" + tA, nil, 403},             // https_only
		{s.D, false, "/hls/a/index.m3u8?__token__=" + tA, nil, 200},         // tokenized playlist
		{s.D, false, "/hls/a/seg0.ts?mgctx=AAAA&__token__=" + tA, nil, 403}, // bad context
		{s.X, false, "/hls/a/seg0.ts", nil, 502},                            // origin denial (wrong S3 secret)
		{s.F, false, "/hls/a/seg0.ts", nil, 200},                            // failover
	} {
		host := "localhost:" + strconv.Itoa(r.port)
		res, err := rawRequest(r.port, !r.plain, requestHead("GET", r.target, host, r.headers...))
		if err != nil || res.Status != r.wantStatus {
			t.Errorf("GET %.40s on :%d: status %d (%v), want %d", r.target, r.port, res.Status, err, r.wantStatus)
		}
		if strings.HasPrefix(r.target, "/keys/") && res.Status == 200 {
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("key response Cache-Control %q, want no-store", cc)
			}
		}
		for _, c := range res.Header.Values("Set-Cookie") {
			v, _, _ := strings.Cut(strings.TrimPrefix(c, "__token__="), ";")
			minted = append(minted, v)
		}
	}
	if len(minted) == 0 {
		t.Error("no session cookie minted: the cookie-token check has nothing to look for")
	}
	for i, m := range minted {
		secrets["minted cookie "+strconv.Itoa(i)], secrets["minted hmac "+strconv.Itoa(i)] = m, hmacOf(m)
	}
	_ = hostP

	// Adapt the same Caddyfile with the CLI: placeholders must stay placeholders.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.Caddy.bin, "adapt", "--config", s.CaddyfilePath, "--adapter", "caddyfile")
	cmd.Env = s.Caddy.env
	adapted, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("caddy adapt: %v\n%s", err, adapted)
	}
	for _, ph := range []string{"{env.REL_EDGEAUTH_KEY}", "{env.REL_S3_ACCESS}", "{file."} {
		if !strings.Contains(string(adapted), ph) {
			t.Errorf("adapted JSON lost the placeholder %s", ph)
		}
	}
	// Let the last log lines flush.
	time.Sleep(200 * time.Millisecond)
	logs := s.Caddy.out.String()
	for what, v := range secrets {
		if v == "" {
			continue
		}
		if strings.Contains(string(adapted), v) {
			t.Errorf("adapted JSON contains the %s", what)
		}
		if n := countLines(logs, v); n > 0 {
			t.Errorf("Caddy's log contains the %s on %d line(s), e.g. %s", what, n, truncate(firstLine(logs, v), 400))
		}
	}
}

func firstLine(out, sub string) string {
	for line := range strings.SplitSeq(out, "\n") {
		if strings.Contains(line, sub) {
			return line
		}
	}
	return ""
}
