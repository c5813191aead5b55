package testutil

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// The tests' HLS playlist reader: it reads a delivered playlist the way a
// player does (hls.js, ffmpeg), following only EXT-X-MEDIA-SEQUENCE,
// EXT-X-KEY, EXT-X-MAP, URI lines and URI="…" attributes. It is written by
// hand on purpose and shares no code with the readers it checks: hls_proxy
// reads and rewrites playlists with hlsproxy/playlist's own scanner, and the
// conformance tests cross-check that scanner with grafov/m3u8; a test client
// built on either would agree with its bugs instead of catching them.
//
// URIs are returned as written; each caller resolves them with ResolveURI
// against the playlist's URL and applies its own rule (same-site request
// targets, absolute URLs, paths in testdata).

// Segment is one media segment of a media playlist, or the media
// initialization section of an EXT-X-MAP (InitMap), with the EXT-X-KEY in
// force for it.
type Segment struct {
	URI     string // as written in the playlist
	Line    int    // 1-based line of the URI (of the EXT-X-MAP tag for an init map)
	Seq     uint64 // media sequence number; 0 for an init map, as hls.js uses
	Method  string // METHOD of the EXT-X-KEY in force: "" (none), "NONE", "AES-128", …
	KeyURI  string // URI of that EXT-X-KEY as written, "" without one
	IV      []byte // its explicit IV (16 bytes), nil for the sequence-number IV
	InitMap bool   // an EXT-X-MAP init section, not a media segment
}

// DecryptIV is the IV to decrypt the segment with: the EXT-X-KEY's IV, else
// the media sequence number (RFC 8216 §5.2).
func (s Segment) DecryptIV() []byte {
	if s.IV != nil {
		return s.IV
	}
	return SequenceIV(s.Seq)
}

// MediaSegments lists the segments of a media playlist in order, init
// sections included. A malformed EXT-X-MEDIA-SEQUENCE or IV is an error
// naming its line.
func MediaSegments(body []byte) ([]Segment, error) {
	var (
		segs []Segment
		seq  uint64
		key  Segment // the EXT-X-KEY in force: Method, KeyURI, IV
	)
	for i, line := range playlistLines(body) {
		tag, attrs, _ := strings.Cut(line, ":")
		switch {
		case tag == "#EXT-X-MEDIA-SEQUENCE":
			n, err := strconv.ParseUint(attrs, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %q: %v", i+1, line, err)
			}
			seq = n
		case tag == "#EXT-X-KEY":
			k, err := keyAttrs(ParseAttrs(attrs))
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", i+1, err)
			}
			key = k
		case tag == "#EXT-X-MAP":
			segs = append(segs, Segment{URI: ParseAttrs(attrs)["URI"], Line: i + 1,
				Method: key.Method, KeyURI: key.KeyURI, IV: key.IV, InitMap: true})
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			segs = append(segs, Segment{URI: line, Line: i + 1, Seq: seq,
				Method: key.Method, KeyURI: key.KeyURI, IV: key.IV})
			seq++
		}
	}
	return segs, nil
}

// keyAttrs reads METHOD, URI and IV (0x or 0X, 32 hex digits) of an EXT-X-KEY.
func keyAttrs(attrs map[string]string) (Segment, error) {
	k := Segment{Method: attrs["METHOD"], KeyURI: attrs["URI"]}
	if v := attrs["IV"]; v != "" {
		hexIV, ok := strings.CutPrefix(v, "0x")
		if !ok {
			hexIV, _ = strings.CutPrefix(v, "0X")
		}
		b, err := hex.DecodeString(hexIV)
		if err != nil || len(b) != 16 {
			return Segment{}, fmt.Errorf("bad IV %q", v)
		}
		k.IV = b
	}
	return k, nil
}

// URILines lists the URI lines of a playlist: the variant streams of a
// multivariant playlist, the segments of a media playlist.
func URILines(body []byte) []string {
	var out []string
	for _, line := range playlistLines(body) {
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// PlaylistURIs lists every URI of a playlist in order: URI lines and the
// URI="…" attributes of tags (keys, init maps, renditions, I-frame streams).
func PlaylistURIs(body []byte) []string {
	var out []string
	for _, line := range playlistLines(body) {
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			_, attrs, _ := strings.Cut(line, ":")
			if u := ParseAttrs(attrs)["URI"]; u != "" {
				out = append(out, u)
			}
		default:
			out = append(out, line)
		}
	}
	return out
}

// ParseAttrs splits an HLS attribute list (KEY=VALUE,KEY="quoted, value")
// into its attributes; quotes are removed and commas inside them kept.
func ParseAttrs(s string) map[string]string {
	out := map[string]string{}
	for s != "" {
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			break
		}
		var v string
		if q, ok := strings.CutPrefix(rest, `"`); ok {
			v, s, _ = strings.Cut(q, `"`)
			_, s, _ = strings.Cut(s, ",") // to the next attribute
		} else {
			v, s, _ = strings.Cut(rest, ",")
		}
		out[strings.TrimSpace(k)] = v
	}
	return out
}

// ResolveURI resolves a URI of a playlist against the playlist's URL.
func ResolveURI(base, ref string) (*url.URL, error) {
	b, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	return b.Parse(ref)
}

// playlistLines splits a playlist into lines (LF or CRLF), each trimmed.
func playlistLines(body []byte) []string {
	lines := strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return lines
}
