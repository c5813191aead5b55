package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// Live end to end (docs/live.md). Each test starts its own live stack and
// stays under a minute.

// playLive plays src in the check player until seconds of media played.
func playLive(t *testing.T, st *liveStack, src string, seconds int) playerResult {
	t.Helper()
	timeout := time.Duration(seconds+20) * time.Second
	args := []string{"--timeout", strconv.FormatInt(timeout.Milliseconds(), 10), "--play-seconds", strconv.Itoa(seconds),
		"--chromium", testutil.Chromium(t), "--page", st.PageBase + "/index.html?src=" + url.QueryEscape(src)}
	return testutil.RunDriver[playerResult](t, testutil.Driver{Script: "player.mjs", Args: args,
		Timeout: timeout + 15*time.Second, Results: 1, Show: redact})[0]
}

// checkLivePlayback: hls.js played the live window for seconds on the one
// token minted before it started, the frames kept advancing (no stall of
// a second or more once playing).
func checkLivePlayback(t *testing.T, res playerResult, seconds int) {
	t.Helper()
	if !res.OK || res.Played < float64(seconds) {
		t.Fatalf("hls.js played %.1f s of the live stream, want %d s:\n%s", res.Played, seconds, res)
	}
	t.Logf("hls.js played %.1f s of media; longest stall once playing %.0f ms", res.Played, res.MaxStallMs)
	if res.MaxStallMs >= 1000 {
		t.Errorf("playback stalled %.0f ms:\n%s", res.MaxStallMs, res)
	}
}

// playLiveOnOneToken plays the clear live stream through site for 30 s with hls.js on one
// token minted before it starts (checkLivePlayback).
func playLiveOnOneToken(t *testing.T, site string) {
	t.Helper()
	requireBrowser(t)
	st := startLiveStack(t, streamClear)
	tok := mintToken(t, st.Key, 5*time.Minute, "/hls/live/clear/*")
	res := playLive(t, st, withToken(st.Media[site]+"/hls/live/clear/index.m3u8", tok), 30)
	checkLivePlayback(t, res, 30)
}

func TestLiveHLSJSPlaysThirtySecondsFromAnS3BucketOnOneToken(t *testing.T) {
	playLiveOnOneToken(t, liveS3)
}

func TestLiveHLSJSPlaysThirtySecondsFromAFileServerOriginOnOneToken(t *testing.T) {
	playLiveOnOneToken(t, liveHTTP)
}

// decodeLive decodes seconds of video of a live playlist with ffmpeg and
// returns the number of video frames; any decoding error fails.
func decodeLive(t *testing.T, ffmpeg, src string, seconds int) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+15)*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-v", "error", "-tls_verify", "0",
		"-i", src, "-map", "0:v:0", "-t", strconv.Itoa(seconds), "-f", "framecrc", "-")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil || strings.TrimSpace(stderr.String()) != "" {
		t.Fatalf("ffmpeg decoding %s: %v\n%s", redact(src), err, redact(stderr.String()))
	}
	frames := 0
	for _, line := range strings.Split(stdout.String(), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			frames++
		}
	}
	return frames
}

var (
	keyTagRE = regexp.MustCompile(`(?m)^#EXT-X-KEY:.*$`)
	uriLine  = regexp.MustCompile(`(?m)^[^#\s].*$`)
)

// Every mode on a moving window: the AES-128 stream's key rotates every
// 2 s (sequence-number IVs), so each decoded window crosses a rotation.
// A segment that slid out of the window (ffmpeg deleted it) is a 404.
func TestLiveEveryEncryptionModeDecodesAcrossKeyRotations(t *testing.T) {
	ffmpeg := testutil.RequireTool(t, "ffmpeg")
	st := startLiveStack(t, streamClear, streamAES)
	c := insecureClient()
	clearTok := mintToken(t, st.Key, 5*time.Minute, "/hls/live/clear/*", "/keys/live/clear/*")
	_, pl := get(t, c, withToken(st.Media[liveS3]+"/hls/live/clear/index.m3u8", clearTok), nil)
	firstSeg := uriLine.FindString(string(pl))
	if firstSeg == "" {
		t.Fatalf("no segment in the live playlist:\n%s", pl)
	}
	const seconds = 4
	for _, tc := range []struct {
		site, stream string
		keyTags      func(n int) bool // how many EXT-X-KEY lines the proxied playlist has
	}{
		{liveS3, streamAES, func(n int) bool { return n >= 2 }}, // passthrough: the rotating keys
		{liveDecrypt, streamAES, func(n int) bool { return n == 0 }},
		{liveEncrypt, streamClear, func(n int) bool { return n == 1 }}, // one derived key
		{liveReencrypt, streamAES, func(n int) bool { return n == 1 }},
	} {
		t.Run(tc.site+" "+tc.stream, func(t *testing.T) {
			tok := mintToken(t, st.Key, 5*time.Minute, "/hls/live/"+tc.stream+"/*", "/keys/live/"+tc.stream+"/*")
			src := withToken(st.Media[tc.site]+"/hls/live/"+tc.stream+"/index.m3u8", tok)
			resp, pl := get(t, c, src, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("playlist: %d %s", resp.StatusCode, pl)
			}
			if n := len(keyTagRE.FindAllString(string(pl), -1)); !tc.keyTags(n) {
				t.Errorf("%d EXT-X-KEY lines in the proxied playlist:\n%s", n, pl)
			}
			if frames := decodeLive(t, ffmpeg, src, seconds); frames < seconds*25*9/10 {
				t.Errorf("decoded %d video frames in %d s of 25 fps", frames, seconds)
			}
		})
	}
	if n := st.rotations(); n < 3 {
		t.Errorf("the at-rest key rotated %d times during the test, want a few", n-1)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, body := get(t, c, st.Media[liveS3]+resolveLive(firstSeg), nil)
		if resp.StatusCode == http.StatusNotFound {
			break
		}
		if resp.StatusCode != 200 || time.Now().After(deadline) {
			t.Fatalf("segment %s after it slid out: %d %s, want 404", redact(firstSeg), resp.StatusCode, body)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// resolveLive resolves a segment URI of /hls/live/clear/index.m3u8.
func resolveLive(u string) string {
	if strings.HasPrefix(u, "/") {
		return u
	}
	return "/hls/live/clear/" + u
}

// The LL-HLS stand-in behind bin/caddy with edgeauth: the blocking reload's
// directives reach the origin and the token does not; the answer waits for
// the part; an S3 origin's playlist keeps CAN-BLOCK-RELOAD (the proxy
// holds: blocking_reload auto) and CAN-SKIP-UNTIL (the proxy builds the
// delta updates).
func TestLiveLLHLSDirectivesReachTheOriginWithoutTheTokenAndBlock(t *testing.T) {
	st := startLiveStack(t)
	c := insecureClient()
	tok := mintToken(t, st.Key, 5*time.Minute, "/hls/live/*")
	next := st.LL.LastMSN() + 1
	go func() { time.Sleep(700 * time.Millisecond); st.LL.Publish() }()
	start := time.Now()
	resp, pl := get(t, c, fmt.Sprintf("%s/hls/live/index.m3u8?__token__=%s&_HLS_msn=%d&_HLS_part=0", st.Media[liveLL], tok, next), nil)
	held := time.Since(start)
	if resp.StatusCode != 200 {
		t.Fatalf("blocking reload: %d %s", resp.StatusCode, pl)
	}
	if held < 600*time.Millisecond {
		t.Errorf("answered after %v, before the part was published", held)
	}
	want := fmt.Sprintf(`URI="part%d.0.ts?__token__=`, next)
	if !strings.Contains(string(pl), want) || !strings.Contains(string(pl), "CAN-BLOCK-RELOAD=YES") {
		t.Errorf("want the new part with its token (%s) and CAN-BLOCK-RELOAD:\n%s", want, redact(string(pl)))
	}
	qs := st.LL.Queries()
	if got, want := qs[len(qs)-1], fmt.Sprintf("_HLS_msn=%d&_HLS_part=0", next); got != want {
		t.Errorf("the origin saw %q, want exactly %q", redact(got), want)
	}
	if resp, body := get(t, c, withToken(st.Media[liveLL]+"/hls/live/"+fmt.Sprintf("part%d.0.ts", next), tok), nil); resp.StatusCode != 200 {
		t.Errorf("part: %d %s", resp.StatusCode, body)
	}

	// The same playlist stored in the bucket: S3 cannot block, the proxy does.
	dir := filepath.Join(st.BucketDir, "live", "ll")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, stored := get(t, c, st.LL.URL+"/live/index.m3u8", nil)
	if err := os.WriteFile(filepath.Join(dir, "index.m3u8"), stored, 0o644); err != nil {
		t.Fatal(err)
	}
	resp, pl = get(t, c, withToken(st.Media[liveS3]+"/hls/live/ll/index.m3u8", tok), nil)
	if resp.StatusCode != 200 || !strings.Contains(string(pl), "CAN-BLOCK-RELOAD=YES") || !strings.Contains(string(pl), "CAN-SKIP-UNTIL") {
		t.Errorf("from S3: %d, want CAN-BLOCK-RELOAD (the proxy holds) and CAN-SKIP-UNTIL (it builds deltas):\n%s", resp.StatusCode, redact(string(pl)))
	}
}
