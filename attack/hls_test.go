package attack

import (
	"fmt"
	"path"
	"strings"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// segment is one media segment of a delivered playlist with the key that
// applies, as testutil's independent HLS reader sees it, its URIs resolved to
// request-targets on the same site.
type segment struct {
	testutil.Segment        // Seq, Method ("", "NONE" or "AES-128"), IV (nil for the sequence-number IV)
	Target           string // request-target, resolved against the playlist's
	Name             string // last path element (names the clear source)
	Key              string // key request-target
}

// resolve resolves a playlist URI against the playlist's request-target and
// returns a request-target (path?query) on the same site.
func resolve(base, uri string) (string, error) {
	r, err := testutil.ResolveURI("https://localhost"+base, uri)
	if err != nil {
		return "", err
	}
	if r.Host != "" && !strings.HasPrefix(r.Host, "localhost") {
		return "", fmt.Errorf("URI %q leaves the site", uri)
	}
	return r.RequestURI(), nil
}

// uris returns every URI of a playlist, resolved: variant and segment lines
// and URI="…" attributes.
func uris(base string, body []byte) ([]string, error) {
	var out []string
	for _, u := range testutil.PlaylistURIs(body) {
		r, err := resolve(base, u)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// mediaSegments lists the segments of a media playlist with their keys
// (init sections of EXT-X-MAP are not segments here).
func mediaSegments(base string, body []byte) ([]segment, error) {
	all, err := testutil.MediaSegments(body)
	if err != nil {
		return nil, err
	}
	var segs []segment
	for _, s := range all {
		if s.InitMap {
			continue
		}
		sg := segment{Segment: s}
		if sg.Target, err = resolve(base, s.URI); err != nil {
			return nil, err
		}
		if s.KeyURI != "" {
			if sg.Key, err = resolve(base, s.KeyURI); err != nil {
				return nil, err
			}
		}
		p, _, _ := strings.Cut(sg.Target, "?")
		sg.Name = path.Base(p)
		segs = append(segs, sg)
	}
	return segs, nil
}
