package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// LL-HLS out of plain object storage (issue 25): a packager writes parts
// every 0.5 s into the versitygw bucket and replaces the playlist with one
// PutObject; bin/caddy's hls_proxy (blocking_reload auto = proxy for S3)
// holds the players' blocking reloads on one poller per playlist.

const s3PlaylistKey = "live/index.m3u8"

// startS3LLStack starts versitygw (object metadata kept: ETags), the
// packager with three segments, and bin/caddy with one plain-HTTP site.
func startS3LLStack(t *testing.T) (*testutil.S3LLPackager, string) {
	t.Helper()
	testutil.CaddyBinary(t)
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{"media"}, RequestLog: true})
	p := &testutil.S3LLPackager{VGW: vgw, Bucket: "media", Key: s3PlaylistKey}
	for range 12 {
		p.Publish(t)
	}
	ports := testutil.FreePorts(t, 2)
	cf := fmt.Sprintf(`{
	admin localhost:%d
	auto_https off
}
http://127.0.0.1:%d {
	hls_proxy {
		origin s3://media {
			endpoint %s
			access_key %s
			secret_key %s
		}
		strip_prefix /hls
	}
}
`, ports[0], ports[1], vgw.Endpoint, vgw.Access, vgw.Secret)
	testutil.StartCaddy(t, cf, ports[0], nil, ports[1])
	return p, fmt.Sprintf("http://127.0.0.1:%d/hls/%s", ports[1], s3PlaylistKey)
}

func TestS3LLHLSBlockingReloadIsHeldUntilThePartIsInTheBucket(t *testing.T) {
	p, url := startS3LLStack(t)
	if code, pl := testutil.GetBody(t, url); code != 200 || !strings.Contains(pl, "CAN-BLOCK-RELOAD=YES") || !strings.Contains(pl, "CAN-SKIP-UNTIL=12") {
		t.Fatalf("from S3: %d, want CAN-BLOCK-RELOAD and CAN-SKIP-UNTIL kept (the proxy holds and builds deltas):\n%s", code, pl)
	}
	var worst time.Duration
	for range 6 {
		lat, msn, part := p.HeldRound(t, url)
		worst = max(worst, lat)
		if lat > 600*time.Millisecond {
			t.Errorf("answered %v after the playlist listing part %d.%d was in the bucket, want within 0.6 s", lat, msn, part)
		}
	}
	t.Logf("hold-to-answer latency after the playlist PUT: worst %v over 6 parts", worst)
	if code, body := testutil.GetBody(t, fmt.Sprintf("%s?_HLS_msn=%d", url, p.Done+5)); code != 400 {
		t.Errorf("_HLS_msn 5 segments ahead: %d, want 400 at once\n%s", code, body)
	}
}

func TestS3LLHLSTwentyHeldViewersCostTheOriginNoMorePlaylistGETsThanOne(t *testing.T) {
	p, url := startS3LLStack(t)
	one, a1 := p.Follow(t, url, 1, 8)
	time.Sleep(3 * time.Second) // the poller lingers out
	twenty, a20 := p.Follow(t, url, 20, 8)
	t.Logf("origin playlist GETs/s: %.2f with 1 held viewer (%d answers), %.2f with 20 (%d answers)", one, a1, twenty, a20)
	if p.GETs() == 0 {
		t.Fatal("no playlist GET counted: is the gateway's request log on?")
	}
	if a1 < 7 || a20 < 20*7 {
		t.Fatalf("viewers did not follow the live edge: %d and %d answers for 8 parts", a1, a20)
	}
	if twenty > one*1.1+0.3 {
		t.Errorf("20 held viewers cost %.2f playlist GETs/s, one %.2f: want the same poll loop", twenty, one)
	}
}
