package hlsproxy_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// TestShieldRevalidatesWithEachS3Server proves the object cache's conditional GET
// against both S3 servers: after vod_cache_ttl an unchanged object is kept on the
// server's 304 (one conditional origin request, the same bytes), a replaced one is
// served changed, and a client's own If-None-Match is answered 304 without a body.
func TestShieldRevalidatesWithEachS3Server(t *testing.T) {
	testutil.EachS3Server(t, testutil.S3Options{Buckets: []string{"media"}, Meta: true}, testShieldRevalidates)
}

func testShieldRevalidates(t *testing.T, srv testutil.S3Server) {
	first, second := testutil.RandomBytes(t, 40_000), testutil.RandomBytes(t, 40_000)
	srv.PutObject(t, "media", "vod/seg0.ts", first, "video/mp2t", nil)
	c := srv.Conn()
	t.Setenv("MG_TEST_S3_SECRET", c.Secret)
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(siteHeader+fmt.Sprintf(`	hls_proxy {
		origin s3://media {
			endpoint %s
			region %s
			access_key %s
			secret_key {env.MG_TEST_S3_SECRET}
		}
		object_cache 8MiB
		vod_cache_ttl 1s
	}
}
`, c.Endpoint, c.Region, c.Access), "caddyfile")
	series := func(text, kind string) float64 {
		var v float64
		fmt.Sscan(seriesValue(t, text, kind), &v)
		return v
	}
	const revalidated = `mediagate_hls_proxy_object_fetches_total{result="revalidated"}`
	const conditional = `mediagate_hls_proxy_origin_requests_total{kind="conditional"}`

	resp, body := get(t, tc, "/vod/seg0.ts")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !bytes.Equal(body, first) || etag == "" {
		t.Fatalf("first GET: %d, %d bytes, ETag %q", resp.StatusCode, len(body), etag)
	}
	before := scrape(t)
	time.Sleep(1100 * time.Millisecond) // past vod_cache_ttl
	resp, body = get(t, tc, "/vod/seg0.ts")
	after := scrape(t)
	if resp.StatusCode != 200 || !bytes.Equal(body, first) {
		t.Fatalf("after the TTL: %d, %d bytes; want the same object", resp.StatusCode, len(body))
	}
	if d := series(after, revalidated) - series(before, revalidated); d != 1 {
		t.Errorf("%s rose by %v, want 1 (the server's 304 kept the object)", revalidated, d)
	}
	if d := series(after, conditional) - series(before, conditional); d != 1 {
		t.Errorf("%s rose by %v, want 1", conditional, d)
	}

	resp, body = get(t, tc, "/vod/seg0.ts", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("client If-None-Match: %d with %d body bytes, want 304 and none", resp.StatusCode, len(body))
	}

	srv.PutObject(t, "media", "vod/seg0.ts", second, "video/mp2t", nil)
	time.Sleep(1100 * time.Millisecond)
	resp, body = get(t, tc, "/vod/seg0.ts")
	if resp.StatusCode != 200 || !bytes.Equal(body, second) {
		t.Fatalf("after a replacement: %d, %d bytes, old bytes %v; want the new object", resp.StatusCode, len(body), bytes.Equal(body, first))
	}
	if resp.Header.Get("ETag") == etag {
		t.Errorf("the replaced object kept the old ETag %q", etag)
	}
}
