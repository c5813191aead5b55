package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
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

func getPlaylist(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestS3LLHLSBlockingReloadIsHeldUntilThePartIsInTheBucket(t *testing.T) {
	p, url := startS3LLStack(t)
	if code, pl := getPlaylist(t, url); code != 200 || !strings.Contains(pl, "CAN-BLOCK-RELOAD=YES") || strings.Contains(pl, "CAN-SKIP-UNTIL") {
		t.Fatalf("from S3: %d, want CAN-BLOCK-RELOAD kept (the proxy holds) and no CAN-SKIP-UNTIL:\n%s", code, pl)
	}
	var worst time.Duration
	for range 6 {
		msn, part := p.Done, p.Parts
		type answer struct {
			code int
			body string
			at   time.Time
		}
		ch := make(chan answer, 1)
		go func() {
			code, body := getPlaylist(t, fmt.Sprintf("%s?_HLS_msn=%d&_HLS_part=%d", url, msn, part))
			ch <- answer{code, body, time.Now()}
		}()
		time.Sleep(500 * time.Millisecond)
		select {
		case a := <-ch:
			t.Fatalf("answered %d before the part was written:\n%s", a.code, a.body)
		default:
		}
		_, _, in := p.Publish(t)
		a := <-ch
		lat := a.at.Sub(in)
		worst = max(worst, lat)
		want := fmt.Sprintf(`URI="part%d.%d.ts"`, msn, part)
		if a.code != 200 || !strings.Contains(a.body, want) {
			t.Fatalf("held reload: %d, want 200 listing %s:\n%s", a.code, want, a.body)
		}
		if lat > 600*time.Millisecond {
			t.Errorf("answered %v after the playlist listing part %d.%d was in the bucket, want within 0.6 s", lat, msn, part)
		}
	}
	t.Logf("hold-to-answer latency after the playlist PUT: worst %v over 6 parts", worst)
	if code, body := getPlaylist(t, fmt.Sprintf("%s?_HLS_msn=%d", url, p.Done+5)); code != 400 {
		t.Errorf("_HLS_msn 5 segments ahead: %d, want 400 at once\n%s", code, body)
	}
}

// viewersFollow runs n viewers that each follow the live edge part by part
// with blocking reloads while the packager publishes parts every 0.5 s; it
// returns the origin's playlist GETs per second and the answers.
func viewersFollow(t *testing.T, p *testutil.S3LLPackager, url string, n, parts int) (perSecond float64, answers int64) {
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
				code, _ := getPlaylist(t, fmt.Sprintf("%s?_HLS_msn=%d&_HLS_part=%d", url, msn, part))
				if code != 200 {
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
	p.Publish(t) // releases the last held requests
	wg.Wait()
	return float64(gets) / elapsed.Seconds(), ok.Load()
}

func TestS3LLHLSTwentyHeldViewersCostTheOriginNoMorePlaylistGETsThanOne(t *testing.T) {
	p, url := startS3LLStack(t)
	one, a1 := viewersFollow(t, p, url, 1, 8)
	time.Sleep(3 * time.Second) // the poller lingers out
	twenty, a20 := viewersFollow(t, p, url, 20, 8)
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
