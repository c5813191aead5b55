package ops

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// The LL-HLS part of the fleet test: a packager writes an LL-HLS rendition
// (target 2 s, parts 0.5 s) into a versitygw bucket; both instances hold
// its blocking reloads (blocking_reload auto = proxy for S3), and the
// operator reads the held requests, the pollers and how holds ended
// through Prometheus.

const liveKey = "zebra-live/index.m3u8" // "zebra-": checkSeriesConventions refuses it as a label value

// startLivePackager starts versitygw (metadata kept: ETags) with the
// rendition published up to three segments.
func startLivePackager(t *testing.T) *testutil.S3LLPackager {
	t.Helper()
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{"media"}})
	p := &testutil.S3LLPackager{VGW: vgw, Bucket: "media", Key: liveKey}
	for range 12 {
		p.Publish(t)
	}
	return p
}

// liveURL is the playlist's URL on instance i with a query token (a new
// one each, kept in s.liveTokens) and the blocking reload directives q
// ("" for a plain reload). Only the test's goroutine calls it.
func (s *stack) liveURL(i int, q string) string {
	tok := testutil.MintToken(s.t, s.key, edgetoken.Options{ACLs: []string{"/live/zebra-live/*"}, Window: 10 * time.Minute})
	s.liveTokens = append(s.liveTokens, tok)
	u := s.media[i%len(s.media)] + "/live/" + liveKey + "?__token__=" + tok
	if q != "" {
		u += "&" + q
	}
	return u
}

// liveGet GETs a live URL on ctx and returns the status and body (0 when
// the client gave up).
func (s *stack) liveGet(ctx context.Context, url string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		s.t.Error(err)
		return 0, ""
	}
	s.requests.Add(1)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// held is what the LL-HLS traffic did, to compare with Prometheus.
type held struct {
	answered, timedOut, clientGone int
	timeout                        chan int // the status of the reload that runs out
}

// startHeldTimeout reads the playlist on both instances (each learns the
// 2 s target duration: a 6 s hold) and sends, on instance 1, a blocking
// reload for the segment after the one in progress, which the test never
// completes: it runs out (504) while the rest of the traffic goes on.
func startHeldTimeout(t *testing.T, s *stack) *held {
	t.Helper()
	for i := range 2 {
		if st, body := s.liveGet(context.Background(), s.liveURL(i, "")); st != http.StatusOK || !strings.Contains(body, "#EXT-X-PART") {
			t.Fatalf("live playlist from instance %d: %d, want 200 with parts:\n%.300s", i, st, body)
		}
	}
	h := &held{timeout: make(chan int, 1)}
	url := s.liveURL(1, fmt.Sprintf("_HLS_msn=%d", s.live.Done+1))
	go func() { st, _ := s.liveGet(context.Background(), url); h.timeout <- st }()
	return h
}

// driveHeld waits for the reload that runs out, then holds heldPerInstance
// blocking reloads for the next part on each instance and one more whose
// client gives up, reads the held requests and pollers through Prometheus
// while they wait, publishes the part, and checks every held viewer got it.
func driveHeld(t *testing.T, s *stack, p *promServer, h *held) {
	t.Helper()
	select {
	case st := <-h.timeout:
		if st != http.StatusGatewayTimeout {
			t.Fatalf("a blocking reload for a segment that never comes: %d, want 504 after its hold", st)
		}
		h.timedOut++
	case <-time.After(10 * time.Second):
		t.Fatal("a blocking reload for a segment that never comes was not answered within 10 s")
	}
	q := fmt.Sprintf("_HLS_msn=%d&_HLS_part=%d", s.live.Done, s.live.Parts)
	want := fmt.Sprintf(`URI="part%d.%d.ts"`, s.live.Done, s.live.Parts)
	answers := make(chan string, 2*heldPerInstance)
	for i := range 2 * heldPerInstance {
		url := s.liveURL(i, q)
		go func() {
			st, body := s.liveGet(context.Background(), url)
			if st != http.StatusOK || !strings.Contains(body, want) {
				body = fmt.Sprintf("%d, want 200 listing %s:\n%.300s", st, want, body)
			} else {
				body = ""
			}
			answers <- body
		}()
	}
	ctx, giveUp := context.WithCancel(context.Background())
	gone := make(chan struct{})
	goneURL := s.liveURL(0, q)
	go func() { s.liveGet(ctx, goneURL); close(gone) }()

	waiting := float64(2*heldPerInstance + 1)
	p.waitFor("held reloads seen waiting", `sum(mediagate_hls_proxy_held_requests{job="mediagate"})`, 10*time.Second,
		func(m map[string]float64) bool { return m[""] == waiting })
	p.answer(`sum by (instance) (mediagate_hls_proxy_held_requests{job="mediagate"})`, "instance")
	pollers := p.answer(`sum(mediagate_hls_proxy_playlist_pollers{job="mediagate"})`)
	if pollers[""] != 2 {
		t.Errorf("playlist pollers while %g reloads of one playlist wait on two instances: %g, want 2 (one each)", waiting, pollers[""])
	}
	giveUp()
	<-gone
	h.clientGone++
	s.live.Publish(t)
	for range 2 * heldPerInstance {
		if msg := <-answers; msg != "" {
			t.Errorf("held reload: %s", msg)
		}
		h.answered++
	}
	p.waitFor("held reloads answered", `sum(mediagate_hls_proxy_held_requests{job="mediagate"})`, 10*time.Second,
		func(m map[string]float64) bool { return m[""] == 0 })
}

// heldPerInstance is how many blocking reloads the test holds on each instance.
const heldPerInstance = 3

// checkHeldAnswers compares how the holds ended, as Prometheus counts them,
// with what the test did.
func checkHeldAnswers(t *testing.T, p *promServer, h *held) {
	t.Helper()
	p.waitFor("hold outcomes scraped", `sum(mediagate_hls_proxy_blocking_reloads_total{job="mediagate",outcome="client_gone"})`, 5*time.Second,
		func(m map[string]float64) bool { return m[""] == float64(h.clientGone) })
	got := p.answer(`sum by (outcome) (mediagate_hls_proxy_blocking_reloads_total{job="mediagate"})`, "outcome")
	for outcome, n := range map[string]int{"answered": h.answered, "timed_out": h.timedOut, "client_gone": h.clientGone,
		"refused": 0, "closed": 0, "failed": 0} {
		if got[outcome] != float64(n) {
			t.Errorf("blocking reloads{outcome=%q}: Prometheus says %g, the test caused %d", outcome, got[outcome], n)
		}
	}
	p.answer(`sum(rate(mediagate_hls_proxy_blocking_reloads_total{job="mediagate",outcome="timed_out"}[1m]))
		/ sum(rate(mediagate_hls_proxy_blocking_reloads_total{job="mediagate",outcome=~"answered|timed_out"}[1m]))`)
}
