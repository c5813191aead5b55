package fleet

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// player is what an HLS player does, in Go: it keeps cookies, resolves
// URIs against the playlist, fetches keys and segments, and retries a
// request that failed in transport, came back truncated or answered 5xx
// (hls.js retries fragment loads the same way). It records which instance
// (X-Fleet-Instance) served each request.
type player struct {
	t       testing.TB
	client  *http.Client
	hits    []hit
	retries int // requests repeated after a failure
	// beforeSegment, when set, runs before the player fetches its n-th
	// segment of a view (n from 0): where a test breaks something mid-view.
	beforeSegment func(n int)
	segments      int
}

type hit struct {
	url, instance string
	status        int
}

func newPlayer(t testing.TB) *player {
	jar, _ := cookiejar.New(nil)
	return &player{t: t, client: &http.Client{
		Timeout:   20 * time.Second,
		Jar:       jar,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // test certificate
	}}
}

// errTruncated marks a body shorter than its Content-Length.
var errTruncated = errors.New("body truncated")

// once does one GET and reads the body whole; a short body is an error,
// never a shorter success.
func (p *player) once(u string) (int, []byte, string, error) {
	resp, err := p.client.Get(u)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, token included
		}
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	inst := resp.Header.Get("X-Fleet-Instance")
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		err = fmt.Errorf("%w: %d of %d bytes", errTruncated, len(body), resp.ContentLength)
	}
	if err != nil {
		return resp.StatusCode, nil, inst, fmt.Errorf("%w (%v)", errTruncated, err)
	}
	return resp.StatusCode, body, inst, nil
}

// get fetches u like a player: up to 4 attempts while the answer is a
// transport error, a truncated body or a 5xx. 4xx answers are final.
func (p *player) get(u string) (int, []byte, string) {
	p.t.Helper()
	var lastErr error
	for attempt := range 4 {
		if attempt > 0 {
			p.retries++
			time.Sleep(100 * time.Millisecond)
		}
		status, body, inst, err := p.once(u)
		if err == nil {
			p.hits = append(p.hits, hit{u, inst, status})
		}
		if err == nil && status < 500 {
			return status, body, inst
		}
		lastErr = fmt.Errorf("status %d from %q: %v", status, inst, err)
	}
	p.t.Fatalf("GET %s: no answer after 4 attempts: %v", redact(u), lastErr)
	return 0, nil, ""
}

// mustGet is get that wants a 200.
func (p *player) mustGet(u string) ([]byte, string) {
	p.t.Helper()
	status, body, inst := p.get(u)
	if status != http.StatusOK {
		p.t.Fatalf("GET %s from %s: status %d: %.200s", redact(u), inst, status, body)
	}
	return body, inst
}

func redact(u string) string {
	if i := strings.Index(u, "__token__="); i >= 0 {
		return u[:i] + "__token__=REDACTED"
	}
	return u
}

// mediaSegments reads what the decoding needs from a media playlist with
// testutil's independent HLS reader: the segments and the init sections of
// EXT-X-MAP, each with the key in force for it.
func mediaSegments(t testing.TB, pl []byte) []testutil.Segment {
	t.Helper()
	segs, err := testutil.MediaSegments(pl)
	if err != nil {
		t.Fatalf("media playlist: %v", err)
	}
	return segs
}

// decode returns the plaintext of every segment of a media playlist;
// fetch reads a URI of the playlist, key fetches a key URI.
func decode(t testing.TB, text string, fetch, key func(uri string) []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for _, s := range mediaSegments(t, []byte(text)) {
		data := fetch(s.URI)
		if s.Method == "AES-128" {
			data = decryptCBC(t, key(s.KeyURI), s.DecryptIV(), data)
		}
		out = append(out, data)
	}
	return out
}

func decryptCBC(t testing.TB, key, iv, ct []byte) []byte {
	t.Helper()
	out, err := testutil.DecryptAES128(key, iv, ct)
	if err != nil {
		t.Fatalf("cannot decrypt the segment with the key and IV the player got: %v", err)
	}
	return out
}

// sourcePlain is the plaintext of every segment of a sample stream, read
// from testdata with its at-rest keys: what any view must decode to.
func sourcePlain(t testing.TB, stream string) [][]byte {
	t.Helper()
	dir := filepath.Join(testutil.RepoRoot(t), "testdata", "sample", stream)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var out [][]byte
	for _, v := range testutil.URILines(read("master.m3u8")) {
		out = append(out, decode(t, string(read(v)), read, read)...)
	}
	return out
}

// view is one played session: the decoded segments and who served what.
type view struct {
	plain            [][]byte
	masterInstance   string            // the instance that minted the session cookie
	playlistInstance map[string]string // variant -> instance that rewrote and sealed it
	segInstances     map[string][]string
	keyInstances     map[string][]string // key URI -> instances that served the same key
}

// play plays stream from base (a HAProxy frontend) with an entry token:
// the multivariant playlist (the token mints the cookie), then for each
// variant its playlist, its keys from every instance (n fetches, which
// round-robin spreads over n instances; all must be equal) and segments.
func (p *player) play(base, stream, token string, n int) view {
	p.t.Helper()
	v := view{playlistInstance: map[string]string{}, segInstances: map[string][]string{}, keyInstances: map[string][]string{}}
	masterURL := base + "/hls/" + stream + "/master.m3u8"
	master, inst := p.mustGet(masterURL + "?__token__=" + token)
	v.masterInstance = inst
	for _, vu := range testutil.URILines(master) {
		plURL := resolve(p.t, masterURL, vu)
		pl, inst := p.mustGet(plURL)
		v.playlistInstance[vu] = inst
		keys := map[string][]byte{}
		key := func(uri string) []byte {
			if k, ok := keys[uri]; ok {
				return k
			}
			for range n {
				k, inst := p.mustGet(resolve(p.t, plURL, uri))
				if prev, ok := keys[uri]; ok && !bytes.Equal(prev, k) {
					p.t.Fatalf("key %s: instance %s serves another key than %v", uri, inst, v.keyInstances[uri])
				}
				keys[uri] = k
				v.keyInstances[uri] = append(v.keyInstances[uri], inst)
			}
			return keys[uri]
		}
		fetch := func(uri string) []byte {
			if p.beforeSegment != nil {
				p.beforeSegment(p.segments)
			}
			p.segments++
			b, inst := p.mustGet(resolve(p.t, plURL, uri))
			v.segInstances[vu] = append(v.segInstances[vu], inst)
			return b
		}
		v.plain = append(v.plain, decode(p.t, string(pl), fetch, key)...)
	}
	return v
}

// resolve resolves a URI of a playlist against the playlist's URL.
func resolve(t testing.TB, base, ref string) string {
	r, err := testutil.ResolveURI(base, ref)
	if err != nil {
		t.Fatal(err)
	}
	return r.String()
}

// sameSegments says whether a view decoded to the source, segment by segment.
func sameSegments(got, want [][]byte) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d segments, the source has %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			return fmt.Errorf("segment %d: %d bytes differ from the source's %d", i, len(got[i]), len(want[i]))
		}
	}
	return nil
}

// distinct lists the distinct non-empty names, sorted.
func distinct(names ...string) []string {
	set := map[string]bool{}
	for _, n := range names {
		if n != "" {
			set[n] = true
		}
	}
	var out []string
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
