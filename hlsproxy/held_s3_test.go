package hlsproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
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

func getHeld(t *testing.T, url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestS3HeldReloadIsAnsweredWithin600msOfThePartInTheBucket(t *testing.T) {
	p, url := startHeldS3(t)
	var worst, sum time.Duration
	const rounds = 8
	for range rounds {
		msn, part := p.Done, p.Parts
		type answer struct {
			code int
			body string
			at   time.Time
		}
		ch := make(chan answer, 1)
		go func() {
			code, body := getHeld(t, fmt.Sprintf("%s?_HLS_msn=%d&_HLS_part=%d", url, msn, part))
			ch <- answer{code, body, time.Now()}
		}()
		time.Sleep(500 * time.Millisecond)
		select {
		case a := <-ch:
			t.Fatalf("answered %d before the part was in the bucket:\n%s", a.code, a.body)
		default:
		}
		_, _, in := p.Publish(t)
		a := <-ch
		lat := a.at.Sub(in)
		worst, sum = max(worst, lat), sum+lat
		if want := fmt.Sprintf(`URI="part%d.%d.ts"`, msn, part); a.code != 200 || !strings.Contains(a.body, want) {
			t.Fatalf("held reload: %d, want 200 listing %s:\n%s", a.code, want, a.body)
		}
		if lat > 600*time.Millisecond {
			t.Errorf("answered %v after the playlist listing part %d.%d was in the bucket, want within 0.6 s", lat, msn, part)
		}
	}
	t.Logf("hold-to-answer after the playlist PUT: mean %v, worst %v over %d parts (PART-TARGET 0.5 s: polls every 250 ms)", sum/rounds, worst, rounds)
}

// follow runs n viewers following the live edge part by part with blocking
// reloads while parts are published every 0.5 s; it returns the playlist
// GETs per second the origin saw, and the answers.
func follow(t *testing.T, p *testutil.S3LLPackager, url string, n, parts int) (float64, int64) {
	before := p.GETs()
	stop := make(chan struct{})
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range n {
		msn, part := p.Done, p.Parts
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if code, _ := getHeld(t, fmt.Sprintf("%s?_HLS_msn=%d&_HLS_part=%d", url, msn, part)); code != 200 {
					continue
				}
				ok.Add(1)
				if part++; part == 4 {
					msn, part = msn+1, 0
				}
			}
		})
	}
	start := time.Now()
	for range parts {
		time.Sleep(500 * time.Millisecond)
		p.Publish(t)
	}
	elapsed := time.Since(start)
	gets := p.GETs() - before
	close(stop)
	p.Publish(t)
	wg.Wait()
	return float64(gets) / elapsed.Seconds(), ok.Load()
}

func TestS3TwentyHeldViewersCostTheOriginNoMorePlaylistGETsThanOne(t *testing.T) {
	p, url := startHeldS3(t)
	one, a1 := follow(t, p, url, 1, 8)
	time.Sleep(3 * time.Second) // the poller lingers out
	twenty, a20 := follow(t, p, url, 20, 8)
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
