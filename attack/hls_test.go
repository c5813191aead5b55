package attack

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// segment is one media segment of a delivered playlist with the key that applies.
type segment struct {
	Target string // request-target, resolved against the playlist's
	Name   string // last path element (names the clear source)
	Seq    int64
	Method string // "", "NONE" or "AES-128"
	Key    string // key request-target
	IV     []byte // explicit IV, nil for the sequence-number IV
}

// resolve resolves a playlist URI against the playlist's request-target and
// returns a request-target (path?query) on the same site.
func resolve(base, uri string) (string, error) {
	b, err := url.Parse("https://localhost" + base)
	if err != nil {
		return "", err
	}
	r, err := b.Parse(uri)
	if err != nil {
		return "", err
	}
	if r.Host != "" && r.Host != b.Host && !strings.HasPrefix(r.Host, "localhost") {
		return "", fmt.Errorf("URI %q leaves the site", uri)
	}
	return r.RequestURI(), nil
}

// uris returns every URI of a playlist, resolved: variant and segment lines
// and URI="…" attributes.
func uris(base string, body []byte) ([]string, error) {
	var out []string
	for line := range strings.SplitSeq(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		var raw []string
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			_, attrs, _ := strings.Cut(line, ":")
			if u := parseAttrs(attrs)["URI"]; u != "" {
				raw = append(raw, u)
			}
		default:
			raw = append(raw, line)
		}
		for _, u := range raw {
			r, err := resolve(base, u)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// mediaSegments lists the segments of a media playlist with their keys.
func mediaSegments(base string, body []byte) ([]segment, error) {
	var (
		segs   []segment
		seq    int64
		method string
		key    string
		iv     []byte
	)
	for i, line := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"):
			n, err := strconv.ParseInt(strings.TrimPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %q: %v", i+1, line, err)
			}
			seq = n
		case strings.HasPrefix(line, "#EXT-X-KEY:"):
			attrs := parseAttrs(strings.TrimPrefix(line, "#EXT-X-KEY:"))
			method, key, iv = attrs["METHOD"], "", nil
			if u := attrs["URI"]; u != "" {
				r, err := resolve(base, u)
				if err != nil {
					return nil, err
				}
				key = r
			}
			if v := attrs["IV"]; v != "" {
				b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(v, "0x"), "0X"))
				if err != nil || len(b) != 16 {
					return nil, fmt.Errorf("line %d: bad IV %q", i+1, v)
				}
				iv = b
			}
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			r, err := resolve(base, line)
			if err != nil {
				return nil, err
			}
			p, _, _ := strings.Cut(r, "?")
			segs = append(segs, segment{Target: r, Name: path.Base(p), Seq: seq, Method: method, Key: key, IV: iv})
			seq++
		}
	}
	return segs, nil
}

// parseAttrs splits an HLS attribute list (KEY=VALUE,KEY="quoted, value").
func parseAttrs(s string) map[string]string {
	out := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		k := strings.TrimSpace(s[:eq])
		s = s[eq+1:]
		var v string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				v, s = s[1:], ""
			} else {
				v, s = s[1:end+1], s[end+2:]
			}
		} else if comma := strings.IndexByte(s, ','); comma >= 0 {
			v, s = s[:comma], s[comma:]
		} else {
			v, s = s, ""
		}
		out[k] = v
		s = strings.TrimPrefix(s, ",")
	}
	return out
}
