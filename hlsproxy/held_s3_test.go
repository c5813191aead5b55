package hlsproxy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// The handler in process (behind an httptest server) in front of versitygw,
// a packager writing LL-HLS parts into the bucket every 0.5 s (issue 25);
// e2e/llhls_s3_test.go runs the same through bin/caddy.

func startHeldS3(t *testing.T) (*testutil.S3LLPackager, string) {
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{"media"}, RequestLog: true})
	p := &testutil.S3LLPackager{VGW: vgw, Bucket: "media", Key: "live/index.m3u8"}
	for range 12 {
		p.Publish(t)
	}
	h := provisionedLive(t, &Handler{Origins: []OriginConfig{{URL: "s3://media", Endpoint: vgw.Endpoint,
		AccessKey: vgw.Access, SecretKey: vgw.Secret}}, StripPrefix: "/hls"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
		if err := h.ServeHTTP(w, r, nil); err != nil {
			var he caddyhttp.HandlerError
			errors.As(err, &he)
			w.WriteHeader(max(he.StatusCode, 500))
		}
	}))
	t.Cleanup(srv.Close)
	return p, srv.URL + "/hls/live/index.m3u8"
}

func TestS3HeldReloadIsAnsweredWithin600msOfThePartInTheBucket(t *testing.T) {
	p, url := startHeldS3(t)
	var worst, sum time.Duration
	const rounds = 8
	for range rounds {
		lat, msn, part := p.HeldRound(t, url)
		worst, sum = max(worst, lat), sum+lat
		if lat > 600*time.Millisecond {
			t.Errorf("answered %v after the playlist listing part %d.%d was in the bucket, want within 0.6 s", lat, msn, part)
		}
	}
	t.Logf("hold-to-answer after the playlist PUT: mean %v, worst %v over %d parts (PART-TARGET 0.5 s: polls every 250 ms)", sum/rounds, worst, rounds)
}

func TestS3TwentyHeldViewersCostTheOriginNoMorePlaylistGETsThanOne(t *testing.T) {
	p, url := startHeldS3(t)
	one, a1 := p.Follow(t, url, 1, 8)
	time.Sleep(3 * time.Second) // the poller lingers out
	twenty, a20 := p.Follow(t, url, 20, 8)
	t.Logf("origin playlist GETs/s: %.2f with 1 held viewer (%d answers), %.2f with 20 (%d answers); %d answered 304 (conditional on the ETag)",
		one, a1, twenty, a20, strings.Count(p.VGW.Output(), "| 304 |"))
	if one == 0 {
		t.Fatal("no playlist GET counted: is the gateway's request log on?")
	}
	if a1 < 7 || a20 < 20*7 {
		t.Fatalf("viewers did not follow the live edge: %d and %d answers for 8 parts", a1, a20)
	}
	if twenty > one*1.1+0.3 {
		t.Errorf("20 held viewers cost %.2f playlist GETs/s, one %.2f: want the same poll loop", twenty, one)
	}
}
