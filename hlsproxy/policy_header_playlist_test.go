package hlsproxy_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The asset policy's one-value rule holds for playlists too: a playlist
// whose origin sends its metadata header twice ("false" then "true") is the
// default (protected) for a stranger, on the first view (the shared read)
// and on the next (the playlist cache) — the playlist keeps every value of
// the header it read, not the first.
func TestPlaylistWhoseMetadataHeaderIsSentTwiceIsTheDefaultForAStranger(t *testing.T) {
	o := newSlowPlaylistOrigin(t, 0)
	o.answer = func(w http.ResponseWriter) {
		w.Header().Add("X-Tokenize", "false")
		w.Header().Add("X-Tokenize", "true")
		fmt.Fprint(w, flightPlaylist)
	}
	flightSite(t, o, true)
	for _, attempt := range []string{"first view (origin read)", "second view (playlist cache)"} {
		v := concurrentViews(t, []string{"/hls/dup/index.m3u8"})[0]
		if v.status != http.StatusForbidden || strings.Contains(v.body, "seg0.ts") {
			t.Errorf("%s: a stranger got %d with %d playlist bytes, want 403 and none (the header sent twice is the default, protected):\n%s",
				attempt, v.status, len(v.body), v.body)
		}
	}
	tok, _ := viewerToken(t, 0)
	if v := concurrentViews(t, []string{"/hls/dup/index.m3u8?__token__=" + tok})[0]; v.status != http.StatusOK || !strings.Contains(v.body, "seg0.ts") {
		t.Errorf("a token holder got %d, want the playlist:\n%s", v.status, v.body)
	}
}
