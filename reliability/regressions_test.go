package reliability

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// Regression tests for bugs the hostile table found in other packages. Each
// fails until the bug is fixed; the report names the cause and the fix.

// TestManyRangesAreIgnoredNotForwarded: hls_proxy forwards a client's Range
// header to the origin as is. A header with 1000 ranges makes S3 answer 400
// RequestHeaderSectionTooLarge, which the proxy turns into a 502 — a 5xx for
// client input. hls_proxy produces no multipart answers, so a multi-range
// header must be dropped (RFC 9110 lets a server ignore Range) and the whole
// object served with 200.
func TestManyRangesAreIgnoredNotForwarded(t *testing.T) {
	s := startMediaStack(t)
	tA := token(t, s.Key, "/hls/a/*")
	for _, n := range []int{2, 1000} {
		ranges := make([]string, n)
		for i := range ranges {
			ranges[i] = fmt.Sprintf("%d-%d", i*10, i*10+5)
		}
		res, err := rawRequest(s.P, true, requestHead("GET", "/hls/a/seg0.ts?__token__="+tA, "localhost:"+strconv.Itoa(s.P),
			"Range: bytes="+strings.Join(ranges, ",")))
		if err != nil {
			t.Fatalf("%d ranges: %v", n, err)
		}
		if res.Status != 200 || !bytes.Equal(res.Body, s.Assets["a"].Cipher["seg0.ts"]) {
			t.Errorf("%d ranges: status %d with %d bytes, want 200 with the whole segment", n, res.Status, len(res.Body))
		}
	}
}

// TestUnsatisfiableRangeCarriesNoOriginBody: for a range past the end, hls_proxy
// streams the origin's 416 body to the client — S3's XML error with the
// RequestId, HostId and the requested range echoed back — and labels it
// video/mp2t, cacheable for an hour. The contract says the origin's body never
// reaches the client; a 416 needs no body.
func TestUnsatisfiableRangeCarriesNoOriginBody(t *testing.T) {
	s := startMediaStack(t)
	tA := token(t, s.Key, "/hls/a/*")
	res, err := rawRequest(s.P, true, requestHead("GET", "/hls/a/seg0.ts?__token__="+tA, "localhost:"+strconv.Itoa(s.P),
		"Range: bytes=99999-"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 416 {
		t.Fatalf("status %d, want 416", res.Status)
	}
	for _, leak := range []string{"<Error>", "RequestId", "HostId", "99999-"} {
		if strings.Contains(string(res.Body), leak) {
			t.Errorf("416 body carries the origin's error document (%q): %.200q", leak, res.Body)
		}
	}
	if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "max-age=3600") {
		t.Errorf("416 is cacheable for an hour: Cache-Control %q", cc)
	}
}

// TestSegmentContextOfAnotherAssetIsRefused: a segment context (mgctx) is signed
// but not bound to the segment it was minted for. The context of asset b's
// segment, sent with a's segment path (and a's token), makes the decrypt site
// decrypt a's bytes with b's key: bad padding, a 502, an ERROR log line and a
// crypto_errors_total increment — a 5xx and a false alarm for tampered client
// input. The context should carry the segment's object key (or the asset) and a
// mismatch be refused with 403 like any other bad context.
func TestSegmentContextOfAnotherAssetIsRefused(t *testing.T) {
	s := startMediaStack(t)
	tA := token(t, s.Key, "/hls/a/*", "/keys/a/*")
	tB := token(t, s.Key, "/hls/b/*", "/keys/b/*")
	ctxA := playlistContexts(t, s, s.D, "/hls/a/index.m3u8?__token__="+tA)
	ctxB := playlistContexts(t, s, s.D, "/hls/b/index.m3u8?__token__="+tB)
	host := "localhost:" + strconv.Itoa(s.D)
	for _, c := range []struct {
		name, target string
	}{
		{"b's context on a's segment", "/hls/a/seg0.ts?mgctx=" + ctxB["seg0.ts"] + "&__token__=" + tA},
		{"seg1's context on seg0", "/hls/a/seg0.ts?mgctx=" + ctxA["seg1.ts"] + "&__token__=" + tA},
		{"a segment's context on the playlist", "/hls/a/index.m3u8?mgctx=" + ctxA["seg0.ts"] + "&__token__=" + tA},
	} {
		res, err := rawRequest(s.D, true, requestHead("GET", c.target, host))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Status >= 500 {
			t.Errorf("%s: status %d, want 403 (a context minted for another object)", c.name, res.Status)
		}
		if res.Status == 200 && bytes.Contains(res.Body, s.Assets["b"].Plain["seg0.ts"][:32]) {
			t.Errorf("%s: b's plaintext served", c.name)
		}
	}
}

// TestNarrowSegmentTokenMintsNoDirectoryCookie: with session_cookie, every
// request that a query token authenticates mints a cookie whose ACL is the
// request's directory + "/*" — whatever the query token's own ACL was, and on
// any path, not only the entry paths. Broadening is the point of the hybrid
// mode on the entry playlist (a Wedia token has acl=<playlist path>* and the
// cookie must open the segments), but on a segment it is not: a token for ONE
// segment (acl=/hls/a/seg0.ts, or a URL-mode token for one path) yields a
// cookie that opens every object under /hls/a/ for the cookie lifetime, i.e.
// bytes outside the token's ACL. With `entry` configured, cookies should be
// minted on entry paths only (elsewhere, only when the query token's ACL
// already covers the session ACL).
func TestNarrowSegmentTokenMintsNoDirectoryCookie(t *testing.T) {
	s := startMediaStack(t)
	narrow := token(t, s.Key, "/hls/a/seg0.ts")
	host := "localhost:" + strconv.Itoa(s.P)
	res, err := rawRequest(s.P, true, requestHead("GET", "/hls/a/seg0.ts?__token__="+narrow, host))
	if err != nil || res.Status != 200 {
		t.Fatalf("narrow token on its own segment: %d %v", res.Status, err)
	}
	for _, c := range res.Header.Values("Set-Cookie") {
		v, _, _ := strings.Cut(strings.TrimPrefix(c, "__token__="), ";")
		if !strings.HasPrefix(c, "__token__=") {
			continue
		}
		other, _ := rawRequest(s.P, true, requestHead("GET", "/hls/a/seg1.ts", host, "Cookie: __token__="+v))
		if other.Status == 200 && bytes.Contains(other.Body, s.Assets["a"].Cipher["seg1.ts"][:32]) {
			t.Errorf("a token for /hls/a/seg0.ts minted a cookie (acl in %q) that serves /hls/a/seg1.ts", v[:min(len(v), 60)])
		}
	}
}
