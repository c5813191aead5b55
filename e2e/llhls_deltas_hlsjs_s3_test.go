package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// hls.js in low-latency mode consumes the Playlist Delta Updates hls_proxy
// builds itself for S3 (hlsproxy/playlist.Delta, served by the held-reload
// path): the packager lists twelve 2 s segments under CAN-SKIP-UNTIL=12, so
// a delta skips the oldest six; hls.js asks _HLS_skip on every blocking
// reload once its playlist is younger than half the boundary, merges each
// delta into what it holds and plays on. The site tokenizes and mints no
// cookie, so a delta URI without the viewer's token would be a 403 of a
// part or segment the player needs.

// llDeltas is what e2e/llplayer.mjs and the page saw of delta updates.
type llDeltas struct {
	SkipRequests          int            `json:"skipRequests"`
	SkipValues            map[string]int `json:"skipValues"`
	Deltas                int            `json:"deltas"`
	SkippedMax            int            `json:"skippedMax"`
	DeltaUntokenized      int            `json:"deltaUntokenized"`
	DeltaDateRangeSkips   int            `json:"deltaDateRangeSkips"`
	DeltaDateRangeTagsMax int            `json:"deltaDateRangeTagsMax"`
	MediaAfterDelta       int            `json:"mediaAfterDelta"`
	MediaAfterDeltaNot200 int            `json:"mediaAfterDeltaNot200"`
	Levels                *struct {
		Updated           int `json:"updated"`
		Deltas            int `json:"deltas"`
		SkippedMax        int `json:"skippedMax"`
		DeltaUpdateFailed int `json:"deltaUpdateFailed"`
		Merged            []struct {
			First      int      `json:"first"`
			Last       int      `json:"last"`
			DateRanges []string `json:"dateRanges"`
		} `json:"merged"`
	} `json:"levels"`
	Errors []string `json:"errors"`
}

// llDeltaWindow is the packager's Window: twelve 2 s segments, so with
// CAN-SKIP-UNTIL=12 a delta skips the six that end 12 s or more before the end.
const llDeltaWindow = 12

func TestHLSJSLowLatencyPlaysTheProxysDeltaUpdatesFromS3(t *testing.T) {
	for _, c := range []struct {
		name       string
		dateRanges bool
		skip       string
	}{
		{"YES", false, "YES"},
		{"v2 with date ranges", true, "v2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			requireBrowser(t)
			page := startLLStack(t, llStack{
				Prepublished: 4 * llDeltaWindow, // a full window before the player starts
				MediaSeconds: 2*llDeltaWindow + llPlaySeconds + 12,
				Window:       llDeltaWindow, DateRanges: c.dateRanges,
				Site: mediaSite{Name: "lldelta", Encryption: "passthrough", Tokenize: true}})
			res := runLLPlayer(t, page, 35*time.Second)
			checkDeltaPlayback(t, res, c.skip)
			if c.dateRanges {
				checkMergedDateRanges(t, res)
			}
		})
	}
}

// checkDeltaPlayback asserts that hls.js asked for deltas with skip, was
// answered with real skips, merged every one, and played through them.
func checkDeltaPlayback(t *testing.T, res llResult, skip string) {
	t.Helper()
	if !res.OK || !res.LowLatencyMode {
		t.Fatalf("hls.js (lowLatencyMode %v) played %.1f s, want %d s:\n%s", res.LowLatencyMode, res.Played, llPlaySeconds, res)
	}
	hlsMean, hlsMax, pdtMean, pdtMax, target, n := res.steady()
	lv := res.Levels
	if lv == nil {
		t.Fatalf("the page recorded no level updates:\n%s", res)
	}
	t.Logf("hls.js %s played %.1f s; live latency (target %.2f s) over %d samples: hls.latency mean %.2f s max %.2f s, "+
		"program-date-time latency mean %.2f s max %.2f s; longest stall %.0f ms; %d playlist requests, %d with _HLS_skip %v, "+
		"%d answered with a delta (up to %d segments skipped); hls.js merged %d deltas of %d level updates (%d failed); "+
		"%d media requests after the first delta, %d not 200",
		res.Version, res.Played, target, n, hlsMean, hlsMax, pdtMean, pdtMax, res.MaxStallMs, res.Playlists,
		res.SkipRequests, res.SkipValues, res.Deltas, res.SkippedMax, lv.Deltas, lv.Updated, lv.DeltaUpdateFailed,
		res.MediaAfterDelta, res.MediaAfterDeltaNot200)
	if res.SkipRequests < llPlaySeconds || res.SkipValues[skip] != res.SkipRequests {
		t.Errorf("hls.js sent %d playlist requests with _HLS_skip (%v), want about one a part, all %s:\n%s",
			res.SkipRequests, res.SkipValues, skip, res)
	}
	// Deltas arrive for v2 only once the poller has followed the date ranges for CAN-SKIP-UNTIL
	// (12 s of the 20 s played: about 16 of 41 reloads measured), for YES from the first reload.
	least := res.SkipRequests * 2 / 3
	if skip == "v2" {
		least = res.SkipRequests / 5
	}
	if res.Deltas < least || res.SkippedMax != llDeltaWindow/2 {
		t.Errorf("%d of %d _HLS_skip requests were answered with a delta skipping up to %d segments, want most, skipping %d:\n%s",
			res.Deltas, res.SkipRequests, res.SkippedMax, llDeltaWindow/2, res)
	}
	if lv.Deltas < res.Deltas*9/10 || lv.SkippedMax != res.SkippedMax || lv.DeltaUpdateFailed > 0 {
		t.Errorf("hls.js merged %d of the %d deltas it was answered with (skippedSegments up to %d), %d merges failed:\n%s",
			lv.Deltas, res.Deltas, lv.SkippedMax, lv.DeltaUpdateFailed, res)
	}
	// A part or segment a reload: about as many media requests after the first delta as deltas.
	if res.DeltaUntokenized > 0 || res.MediaAfterDelta < res.Deltas*3/4 || res.MediaAfterDeltaNot200 > 0 {
		t.Errorf("after the first delta hls.js fetched %d parts and segments, %d not answered 200; %d delta URIs without the token:\n%s",
			res.MediaAfterDelta, res.MediaAfterDeltaNot200, res.DeltaUntokenized, res)
	}
	for _, e := range res.Errors {
		if strings.Contains(strings.ToLower(e), "level") || strings.Contains(strings.ToLower(e), "pars") {
			t.Errorf("hls.js reported a playlist error %q:\n%s", e, res)
		}
	}
	if len(res.Refused) > 0 {
		t.Errorf("the proxy refused %d of hls.js's requests:\n%s", len(res.Refused), res)
	}
	if n < 20 {
		t.Errorf("only %d latency samples with a program date:\n%s", n, res)
	}
	const ceiling = 3*llPartTarget + llPartHoldBack
	if pdtMax > ceiling || hlsMax > ceiling {
		t.Errorf("live latency up to %.2f s (program date) and %.2f s (hls.latency), want ≤ %.1f s", pdtMax, hlsMax, ceiling)
	}
	if res.MaxStallMs >= 1000 {
		t.Errorf("playback stalled %.0f ms once playing:\n%s", res.MaxStallMs, res)
	}
}

// checkMergedDateRanges asserts that the v2 deltas skipped old date ranges
// and that after merging each one hls.js holds exactly the date ranges of
// the full playlist: the packager's "s<N>" of every segment it lists, and
// of the segment in progress (none lost to a RECENTLY-REMOVED-DATERANGES
// listing a present ID, none kept that the origin removed).
func checkMergedDateRanges(t *testing.T, res llResult) {
	t.Helper()
	t.Logf("%d of %d v2 deltas skipped date ranges (RECENTLY-REMOVED-DATERANGES), holding at most %d EXT-X-DATERANGE of the window's %d",
		res.DeltaDateRangeSkips, res.Deltas, res.DeltaDateRangeTagsMax, llDeltaWindow+1)
	if res.DeltaDateRangeSkips < res.Deltas*9/10 || res.DeltaDateRangeTagsMax == 0 || res.DeltaDateRangeTagsMax > llDeltaWindow/2+1 {
		t.Errorf("%d of %d v2 deltas skipped date ranges, holding up to %d EXT-X-DATERANGE tags:\n%s",
			res.DeltaDateRangeSkips, res.Deltas, res.DeltaDateRangeTagsMax, res)
	}
	for _, m := range res.Levels.Merged {
		got := map[string]bool{}
		for _, id := range m.DateRanges {
			got[id] = true
		}
		missing := 0
		for sn := m.First; sn <= m.Last; sn++ {
			if !got["s"+strconv.Itoa(sn)] {
				missing++
			}
			delete(got, "s"+strconv.Itoa(sn))
		}
		delete(got, "s"+strconv.Itoa(m.Last+1)) // the segment in progress
		if missing > 0 || len(got) > 0 {
			t.Errorf("after merging a delta for segments %d..%d hls.js holds date ranges %v: %d missing, %d not in the playlist",
				m.First, m.Last, m.DateRanges, missing, len(got))
		}
	}
}
