package hlsproxy_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// TestFailoverFromAMinIOAnswering503SlowDown: the primary is a real MinIO whose
// erasure set lost its read quorum (it answers 503 SlowDownRead), the replica a
// versitygw. Viewers get the replica's bytes, never the primary's, and the metrics
// say what docs/operations.md tells an operator to watch: a failure, then the
// breaker open and skips, labelled with the sick replica alone.
func TestFailoverFromAMinIOAnswering503SlowDown(t *testing.T) {
	sick := testutil.StartMinIO(t, testutil.MinIOOptions{Buckets: []string{"media"}, Drives: 4})
	replica := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{"media"}})
	primaryBytes, replicaBytes := testutil.RandomBytes(t, 30_000), testutil.RandomBytes(t, 30_000)
	sick.PutObject(t, "media", "vod/seg0.ts", primaryBytes, "video/mp2t", nil)
	replica.PutObject(t, "media", "vod/seg0.ts", replicaBytes, "video/mp2t", nil)
	sick.LoseReadQuorum(t, "media", "vod/seg0.ts")

	t.Setenv("MG_TEST_S3_SECRET", sick.Secret)
	t.Setenv("MG_TEST_S3_SECRET2", replica.Secret)
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(siteHeader+fmt.Sprintf(`	hls_proxy {
		origin s3://media {
			endpoint %s
			access_key %s
			secret_key {env.MG_TEST_S3_SECRET}
		}
		origin s3://media {
			endpoint %s
			access_key %s
			secret_key {env.MG_TEST_S3_SECRET2}
		}
	}
}
`, sick.Endpoint, sick.Access, replica.Endpoint, replica.Access), "caddyfile")

	series := func(text, origin, event string) float64 {
		var v float64
		fmt.Sscan(seriesValue(t, text, fmt.Sprintf(`mediagate_hls_proxy_origin_events_total{event=%q,origin=%q}`, event, origin)), &v)
		return v
	}
	sickName, replicaName := "s3://media via "+sick.Addr, "s3://media via "+replica.Addr
	before := scrape(t)
	for i := range 3 {
		resp, body := get(t, tc, "/vod/seg0.ts")
		if resp.StatusCode != 200 || !bytes.Equal(body, replicaBytes) {
			t.Fatalf("GET %d: %d, %d bytes, the replica's %v; want the replica's bytes", i, resp.StatusCode, len(body), bytes.Equal(body, replicaBytes))
		}
		if bytes.Contains(body, primaryBytes[:64]) {
			t.Fatalf("GET %d: the sick primary's bytes arrived", i)
		}
	}
	after := scrape(t)
	for _, w := range []struct {
		origin, event string
		want          float64
	}{
		{sickName, "failure", 1}, {sickName, "breaker_open", 1}, {sickName, "skip", 2},
		{replicaName, "failure", 0}, {replicaName, "skip", 0},
	} {
		if d := series(after, w.origin, w.event) - series(before, w.origin, w.event); d != w.want {
			t.Errorf("origin_events_total{origin=%q,event=%q} rose by %v over 3 views, want %v", w.origin, w.event, d, w.want)
		}
	}
	if strings.Contains(after, sick.Secret) || strings.Contains(after, replica.Secret) {
		t.Error("a secret key is in the metrics")
	}
}
