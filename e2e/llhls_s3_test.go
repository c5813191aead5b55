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

// s3Packager writes an LL-HLS rendition (target 2 s, parts of 0.5 s) under
// media/live/ through the S3 API: a part's object before the playlist that lists it.
type s3Packager struct {
	vgw   *testutil.VGW
	done  int // complete segments 0 .. done-1
	parts int // parts of segment done
}

const s3PlaylistKey = "live/index.m3u8"

func (p *s3Packager) playlist() string {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n" +
		"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=12\n")
	first := max(0, p.done-6)
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n", first)
	for s := first; s < p.done; s++ {
		if s >= p.done-2 {
			for k := range 4 {
				fmt.Fprintf(&b, "#EXT-X-PART:DURATION=0.5,URI=\"part%d.%d.ts\"\n", s, k)
			}
		}
		fmt.Fprintf(&b, "#EXTINF:2.0,\nseg%d.ts\n", s)
	}
	for k := range p.parts {
		fmt.Fprintf(&b, "#EXT-X-PART:DURATION=0.5,URI=\"part%d.%d.ts\"\n", p.done, k)
	}
	fmt.Fprintf(&b, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part%d.%d.ts\"\n", p.done, p.parts)
	return b.String()
}

// publish writes the next part (every fourth completes a segment) and the
// playlist; it returns the part's (msn, index) and when the playlist was in.
func (p *s3Packager) publish(t *testing.T) (msn, part int, at time.Time) {
	msn, part = p.done, p.parts
	p.vgw.PutObject(t, "media", fmt.Sprintf("live/part%d.%d.ts", msn, part), []byte("part"), "video/mp2t", nil)
	if p.parts++; p.parts == 4 {
		p.vgw.PutObject(t, "media", fmt.Sprintf("live/seg%d.ts", msn), []byte("segment"), "video/mp2t", nil)
		p.done, p.parts = p.done+1, 0
	}
	p.vgw.PutObject(t, "media", s3PlaylistKey, []byte(p.playlist()), "application/vnd.apple.mpegurl", nil)
	return msn, part, time.Now()
}

// startS3LLStack starts versitygw (object metadata kept: ETags), the
// packager with three segments, and bin/caddy with one plain-HTTP site.
func startS3LLStack(t *testing.T) (*s3Packager, string) {
	t.Helper()
	testutil.CaddyBinary(t)
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{"media"}, RequestLog: true})
	p := &s3Packager{vgw: vgw}
	for range 12 {
		p.publish(t)
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

// playlistGETs counts the playlist GETs versitygw logged.
func playlistGETs(vgw *testutil.VGW) int {
	n := 0
	for l := range strings.SplitSeq(vgw.Output(), "\n") {
		if strings.Contains(l, "| GET |") && strings.Contains(l, "/media/"+s3PlaylistKey) {
			n++
		}
	}
	return n
}

func TestS3LLHLSBlockingReloadIsHeldUntilThePartIsInTheBucket(t *testing.T) {
	p, url := startS3LLStack(t)
	if code, pl := getPlaylist(t, url); code != 200 || !strings.Contains(pl, "CAN-BLOCK-RELOAD=YES") || strings.Contains(pl, "CAN-SKIP-UNTIL") {
		t.Fatalf("from S3: %d, want CAN-BLOCK-RELOAD kept (the proxy holds) and no CAN-SKIP-UNTIL:\n%s", code, pl)
	}
	var worst time.Duration
	for range 6 {
		msn, part := p.done, p.parts
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
		_, _, in := p.publish(t)
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
	if code, body := getPlaylist(t, fmt.Sprintf("%s?_HLS_msn=%d", url, p.done+5)); code != 400 {
		t.Errorf("_HLS_msn 5 segments ahead: %d, want 400 at once\n%s", code, body)
	}
}

// viewersFollow runs n viewers that each follow the live edge part by part
// with blocking reloads while the packager publishes parts every 0.5 s; it
// returns the origin's playlist GETs per second and the answers.
func viewersFollow(t *testing.T, p *s3Packager, url string, n, parts int) (perSecond float64, answers int64) {
	before := playlistGETs(p.vgw)
	stop := make(chan struct{})
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range n {
		msn, part := p.done, p.parts
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
		p.publish(t)
	}
	elapsed := time.Since(start)
	gets := playlistGETs(p.vgw) - before
	close(stop)
	p.publish(t) // releases the last held requests
	wg.Wait()
	return float64(gets) / elapsed.Seconds(), ok.Load()
}

func TestS3LLHLSTwentyHeldViewersCostTheOriginNoMorePlaylistGETsThanOne(t *testing.T) {
	p, url := startS3LLStack(t)
	one, a1 := viewersFollow(t, p, url, 1, 8)
	time.Sleep(3 * time.Second) // the poller lingers out
	twenty, a20 := viewersFollow(t, p, url, 20, 8)
	t.Logf("origin playlist GETs/s: %.2f with 1 held viewer (%d answers), %.2f with 20 (%d answers)", one, a1, twenty, a20)
	if a1 < 7 || a20 < 20*7 {
		t.Fatalf("viewers did not follow the live edge: %d and %d answers for 8 parts", a1, a20)
	}
	if twenty > one*1.1+0.3 {
		t.Errorf("20 held viewers cost %.2f playlist GETs/s, one %.2f: want the same poll loop", twenty, one)
	}
}
