package e2e

import (
	"bytes"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// hls.js in low-latency mode plays LL-HLS out of plain object storage
// (issue 25): testutil.S3LLPackager publishes real 0.5 s MPEG-TS parts
// (ffmpeg, a keyframe a part) into versitygw on a live encoder's clock,
// the playlist replaced with one PutObject and carrying
// EXT-X-PROGRAM-DATE-TIME; bin/caddy's hls_proxy (blocking_reload auto:
// the proxy holds for S3) holds hls.js's blocking reloads; the view starts
// on an EdgeAuth query token and rides on the session cookie it mints.

// LL-HLS timing of S3LLPackager.Playlist.
const (
	llPartTarget   = 0.5 // PART-TARGET, s
	llPartHoldBack = 1.5 // PART-HOLD-BACK, s
	llPlaySeconds  = 20
	llWarmup       = 3 * time.Second // samples before this much playing are startup, not steady state
)

var llhlsCaddyfile = e2eCaddyfile("llhls", `{{global .Admin .HTTP .HTTPS}}

{{template "page" .}}
{{template "sites" .}}`)

// llResult is the JSON line e2e/llplayer.mjs prints.
type llResult struct {
	OK             bool    `json:"ok"`
	Played         float64 `json:"played"`
	MaxStallMs     float64 `json:"maxStallMs"`
	State          string  `json:"state"`
	Version        string  `json:"version"`
	Error          string  `json:"error"`
	LowLatencyMode bool    `json:"lowLatencyMode"`
	Samples        []struct {
		At         int64    `json:"at"`
		Latency    float64  `json:"latency"`
		Target     float64  `json:"target"`
		PDTLatency *float64 `json:"pdtLatency"`
	} `json:"samples"`
	Playlists  int     `json:"playlists"`
	Blocking   int     `json:"blocking"`
	WithPart   int     `json:"withPart"`
	Failed     int     `json:"failed"`
	HeldMeanMs float64 `json:"heldMeanMs"`
	HeldMaxMs  float64 `json:"heldMaxMs"`
	Refused    []struct {
		Status int    `json:"status"`
		Path   string `json:"path"`
	} `json:"refused"`
	Console []string `json:"console"`
	llDeltas
}

func (r llResult) String() string {
	r.Samples = r.Samples[max(0, len(r.Samples)-8):]
	b, _ := json.MarshalIndent(r, "", "  ")
	return redact(string(b))
}

// steady returns mean and max of hls.js's latency and of the
// program-date-time latency over the samples after the warm-up.
func (r llResult) steady() (hlsMean, hlsMax, pdtMean, pdtMax, target float64, n int) {
	if len(r.Samples) == 0 {
		return
	}
	from := r.Samples[0].At + llWarmup.Milliseconds()
	var hlsSum, pdtSum float64
	for _, s := range r.Samples {
		if s.At < from || s.PDTLatency == nil {
			continue
		}
		n++
		target = s.Target
		hlsSum += s.Latency
		pdtSum += *s.PDTLatency
		hlsMax, pdtMax = max(hlsMax, s.Latency), max(pdtMax, *s.PDTLatency)
	}
	if n > 0 {
		hlsMean, pdtMean = hlsSum/float64(n), pdtSum/float64(n)
	}
	return
}

func TestHLSJSLowLatencyPlaysFromS3ThroughTheProxyHoldingBlockingReloads(t *testing.T) {
	requireBrowser(t)
	page := startLLStack(t, llStack{Prepublished: 12, MediaSeconds: 40, // three segments before the player starts
		Site: mediaSite{Name: "ll", Encryption: "passthrough", Cookie: true}})
	timeout := 35 * time.Second
	res := runLLPlayer(t, page, timeout)

	if !res.OK || !res.LowLatencyMode {
		t.Fatalf("hls.js (lowLatencyMode %v) played %.1f s, want %d s:\n%s", res.LowLatencyMode, res.Played, llPlaySeconds, res)
	}
	hlsMean, hlsMax, pdtMean, pdtMax, target, n := res.steady()
	t.Logf("hls.js %s played %.1f s; live latency (target %.2f s) over %d samples: hls.latency mean %.2f s max %.2f s, "+
		"program-date-time latency mean %.2f s max %.2f s; longest stall %.0f ms; "+
		"%d playlist requests, %d blocking (%d with _HLS_part), held mean %.0f ms max %.0f ms",
		res.Version, res.Played, target, n, hlsMean, hlsMax, pdtMean, pdtMax, res.MaxStallMs,
		res.Playlists, res.Blocking, res.WithPart, res.HeldMeanMs, res.HeldMaxMs)
	if n < 20 {
		t.Fatalf("only %d latency samples with a program date:\n%s", n, res)
	}
	const ceiling = 3*llPartTarget + llPartHoldBack
	if pdtMax > ceiling || hlsMax > ceiling {
		t.Errorf("live latency up to %.2f s (program date) and %.2f s (hls.latency), want ≤ 3 × PART-TARGET + PART-HOLD-BACK = %.1f s",
			pdtMax, hlsMax, ceiling)
	}
	// Blocking reloads: nearly every reload once playing is a held _HLS_msn&_HLS_part request,
	// and held ones wait for the next part (about a PART-TARGET), not answered at once.
	if res.Blocking < llPlaySeconds || res.WithPart < res.Blocking*9/10 || res.Failed > 0 {
		t.Errorf("%d of %d playlist requests were blocking reloads (%d with _HLS_part, %d failed), want one a part:\n%s",
			res.Blocking, res.Playlists, res.WithPart, res.Failed, res)
	}
	if res.HeldMeanMs < 100 {
		t.Errorf("blocking reloads took %.0f ms on average: answered at once, not held", res.HeldMeanMs)
	}
	if len(res.Refused) > 0 {
		t.Errorf("the proxy refused %d of hls.js's requests (a preload hint asked early, a reload out of rules, a cookie missing):\n%s", len(res.Refused), res)
	}
	if res.MaxStallMs >= 1000 {
		t.Errorf("playback stalled %.0f ms once playing:\n%s", res.MaxStallMs, res)
	}
}

// llStack is what startLLStack starts: S3LLPackager parts of MediaSeconds
// of media in versitygw, Prepublished parts in the bucket before the player
// starts and the rest on a live encoder's clock, Window and DateRanges as in
// S3LLPackager; bin/caddy with Site in front of the bucket.
type llStack struct {
	Prepublished, MediaSeconds, Window int
	DateRanges                         bool
	Site                               mediaSite // its Port is chosen here
}

// startLLStack starts s and returns the address of the hls.js low-latency
// page playing its live playlist with a query token.
func startLLStack(t *testing.T, s llStack) string {
	t.Helper()
	testutil.CaddyBinary(t)
	ffmpeg := testutil.RequireTool(t, "ffmpeg")
	media := testutil.RealLLParts(t, ffmpeg, s.MediaSeconds)
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{"media"}})
	p := &testutil.S3LLPackager{VGW: vgw, Bucket: "media", Key: "live/index.m3u8", Media: media,
		Window: s.Window, DateRanges: s.DateRanges,
		Epoch: time.Now().Add(-time.Duration(s.Prepublished) * time.Duration(llPartTarget*float64(time.Second)))}
	for range s.Prepublished {
		p.Publish(t)
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() { // a live encoder: part i is published when its media ends, at Epoch + 0.5(i+1)
		defer close(stopped)
		for i := s.Prepublished; i < len(media); i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Until(p.Epoch.Add(time.Duration(float64(i+1) * llPartTarget * float64(time.Second))))):
			}
			p.Publish(t)
		}
	}()
	t.Cleanup(func() { close(stop); <-stopped })

	ports := testutil.FreePorts(t, 5)
	key := testutil.RandomHex(t, 32)
	var cf bytes.Buffer
	root := testutil.RepoRoot(t)
	site := s.Site
	site.Port = ports[4]
	if err := llhlsCaddyfile.Execute(&cf, map[string]any{
		"Admin": ports[0], "HTTP": ports[1], "HTTPS": ports[2], "Page": ports[3],
		"S3Endpoint": vgw.Endpoint, "E2EDir": filepath.Join(root, "e2e"), "PlayerDir": filepath.Join(root, "e2e", "players"),
		"Sites": []mediaSite{site},
	}); err != nil {
		t.Fatal(err)
	}
	testutil.StartCaddyWith(t, testutil.CaddyOptions{
		Caddyfile: cf.String(), Admin: ports[0], Ready: 60 * time.Second, Ports: ports[3:],
		Env: []string{"E2E_EDGEAUTH_KEY=" + key, "E2E_HLS_KEY_SECRET=" + testutil.RandomHex(t, 32),
			"E2E_S3_ACCESS_KEY=" + vgw.Access, "E2E_S3_SECRET_KEY=" + vgw.Secret},
	})
	tok := mintToken(t, key, 5*time.Minute, "/hls/live/*")
	src := withToken("https://localhost:"+strconv.Itoa(ports[4])+"/hls/live/index.m3u8", tok)
	return "https://localhost:" + strconv.Itoa(ports[3]) + "/hlsjs-ll.html?src=" + url.QueryEscape(src)
}

// runLLPlayer plays page with e2e/llplayer.mjs for llPlaySeconds, giving up after timeout.
func runLLPlayer(t *testing.T, page string, timeout time.Duration) llResult {
	t.Helper()
	return testutil.RunDriver[llResult](t, testutil.Driver{Script: "llplayer.mjs",
		Args: []string{"--page", page, "--play-seconds", strconv.Itoa(llPlaySeconds),
			"--timeout", strconv.FormatInt(timeout.Milliseconds(), 10), "--chromium", testutil.Chromium(t)},
		Timeout: timeout + 15*time.Second, Results: 1, Show: redact})[0]
}
