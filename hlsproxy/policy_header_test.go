package hlsproxy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A metadata header decides only when it holds exactly one value: sent
// twice (whatever the order) or not at all, the asset gets the default, so
// an origin that answers both "false" and "true" never makes it public.
func TestAssetPolicyHeaderSentTwiceIsTheDefault(t *testing.T) {
	for _, def := range []string{"protected", "public"} {
		p := &AssetPolicy{Header: "X-Tokenize", Default: def}
		if err := p.provision(); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			vals []string
			want bool
		}{
			{nil, def != "public"},
			{[]string{"true"}, true},
			{[]string{" FALSE "}, false},
			{[]string{"false", "true"}, def != "public"},
			{[]string{"true", "false"}, def != "public"},
			{[]string{"false", "false"}, def != "public"},
			{[]string{"false, true"}, def != "public"},
		}
		for _, c := range cases {
			h := http.Header{}
			for _, v := range c.vals {
				h.Add("X-Tokenize", v)
			}
			if got := p.protected(h); got != c.want {
				t.Errorf("default %s, X-Tokenize %q: protected=%v, want %v", def, c.vals, got, c.want)
			}
		}
	}
}

// The held-reload poller keeps every value of the metadata header it read,
// so a playlist served from its snapshot is decided by the same one-value
// rule: sent twice, it is the default.
func TestPolledPlaylistKeepsEveryValueOfTheMetadataHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("X-Tokenize", "false")
		w.Header().Add("X-Tokenize", "true")
		fmt.Fprint(w, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n")
	}))
	t.Cleanup(srv.Close)
	h := provisionedLive(t, &Handler{Origins: []OriginConfig{{URL: srv.URL}}, BlockingReload: reloadProxy,
		AssetPolicy: &AssetPolicy{Header: "X-Tokenize", Default: "protected"}})
	s, err := h.pollPlaylist(context.Background(), "live/index.m3u8", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Metadata) != 2 || !h.AssetPolicy.protected(http.Header{"X-Tokenize": s.Metadata}) {
		t.Errorf("the poller kept X-Tokenize %q: want both values, and the asset protected (the default)", s.Metadata)
	}
}
