package e2e

import (
	"net/http"
	"path"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// segment is one media segment of a delivered playlist, with the key that applies to it, as
// testutil's independent HLS reader sees it (Seq, Method "" or "NONE" = clear or "AES-128",
// IV nil for the sequence-number IV), its URIs made absolute.
type segment struct {
	testutil.Segment
	url    string // absolute, as the player would request it
	name   string // last path element, e.g. v0_1.ts (names the clear source file)
	keyURL string
}

// fetchMediaPlaylist GETs a media playlist with the token and lists its segments. It follows
// only what a player follows: EXT-X-MEDIA-SEQUENCE, EXT-X-KEY, segment URIs (resolved against
// the playlist URL, so a rewritten URI must carry its own token and context).
func fetchMediaPlaylist(t *testing.T, c *http.Client, playlistURL, tok string) []segment {
	t.Helper()
	u := withToken(playlistURL, tok)
	resp, body := get(t, c, u, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %q", redact(u), resp.StatusCode, body)
	}
	all, err := testutil.MediaSegments(body)
	if err != nil {
		t.Fatal(err)
	}
	var segs []segment
	for _, s := range all {
		if s.InitMap {
			continue
		}
		ref, err := testutil.ResolveURI(u, s.URI)
		if err != nil {
			t.Fatalf("line %d: segment URI %q: %v", s.Line, s.URI, err)
		}
		sg := segment{Segment: s, url: ref.String(), name: path.Base(ref.Path)}
		if s.KeyURI != "" {
			key, err := testutil.ResolveURI(u, s.KeyURI)
			if err != nil {
				t.Fatalf("segment on line %d: key URI %q: %v", s.Line, s.KeyURI, err)
			}
			sg.keyURL = key.String()
		}
		segs = append(segs, sg)
	}
	return segs
}

// fetchSegment GETs a segment and, when it is AES-128 encrypted, fetches its key and decrypts it.
func fetchSegment(t *testing.T, c *http.Client, s segment) []byte {
	t.Helper()
	resp, body := get(t, c, s.url, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET segment %s: status %d: %q", s.name, resp.StatusCode, body)
	}
	if s.Method == "" || s.Method == "NONE" {
		return body
	}
	if s.Method != "AES-128" {
		t.Fatalf("segment %s: unexpected METHOD=%s", s.name, s.Method)
	}
	kresp, key := get(t, c, s.keyURL, nil)
	if kresp.StatusCode != http.StatusOK || len(key) != 16 {
		t.Fatalf("GET key %s: status %d, %d bytes", redact(s.keyURL), kresp.StatusCode, len(key))
	}
	clear, err := testutil.DecryptAES128(key, s.DecryptIV(), body)
	if err != nil {
		t.Fatalf("segment %s: %v", s.name, err)
	}
	return clear
}
