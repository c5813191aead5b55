package page

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mediagate/caddy-mediagate/internal/canon"
)

// AssetPlaceholder is what Mapping.Entry's {asset} is replaced with.
const AssetPlaceholder = "{asset}"

// DefaultEntry is the stream an embed path plays by default.
const DefaultEntry = "/hls/{asset}/master.m3u8"

// AssetsDir is the path element under the prefix where the player's static
// files are served (so no asset may be named that).
const AssetsDir = "_player"

// ErrNoAsset means an embed path names no playable asset.
var ErrNoAsset = errors.New("the embed path names no asset")

// Mapping maps embed paths (Prefix/<asset>) to entry playlists.
type Mapping struct {
	Prefix string // e.g. /embed: starts with /, no trailing /
	Entry  string // e.g. /hls/{asset}/master.m3u8
}

// Check validates the prefix and the entry template.
func (m Mapping) Check() error {
	if !strings.HasPrefix(m.Prefix, "/") || strings.HasSuffix(m.Prefix, "/") || strings.ContainsAny(m.Prefix, "*?{} \t") {
		return fmt.Errorf("prefix %q: want a path such as /embed (no trailing slash, no wildcard)", m.Prefix)
	}
	if strings.Count(m.Entry, AssetPlaceholder) != 1 || !strings.HasPrefix(m.Entry, "/") || strings.ContainsAny(m.Entry, "?#* \t") {
		return fmt.Errorf("entry %q: want a path with {asset} once, such as %s", m.Entry, DefaultEntry)
	}
	if strings.HasPrefix(m.Entry, m.Prefix+"/") {
		return fmt.Errorf("entry %q must not be under the embed prefix %s", m.Entry, m.Prefix)
	}
	return nil
}

// Resolve maps a request's decoded path to its asset and the canonical
// escaped path of the entry playlist (package canon: the form edgeauth
// matches ACLs against). Assets are one or more path segments, none empty,
// "." or "..", without control characters, and not the assets directory.
func (m Mapping) Resolve(path string) (asset, entry string, err error) {
	rest, ok := strings.CutPrefix(path, m.Prefix+"/")
	if !ok || rest == "" || len(rest) > 512 || !utf8.ValidString(rest) {
		return "", "", ErrNoAsset
	}
	segs := strings.Split(rest, "/")
	if segs[0] == AssetsDir {
		return "", "", ErrNoAsset
	}
	for i, s := range segs {
		if s == "" || s == "." || s == ".." || strings.ContainsFunc(s, isControl) || strings.ContainsRune(s, '\\') {
			return "", "", ErrNoAsset
		}
		segs[i] = canon.EscapeSegment(s)
	}
	entry = strings.Replace(m.Entry, AssetPlaceholder, strings.Join(segs, "/"), 1)
	if p, err := canon.Parse(entry); err != nil || p.Escaped != entry {
		return "", "", ErrNoAsset // e.g. an asset spelling an escape ("%41")
	}
	return rest, entry, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
