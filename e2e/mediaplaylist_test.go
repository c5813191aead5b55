package e2e

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"testing"
)

// segment is one media segment of a delivered playlist, with the key that applies to it.
type segment struct {
	url    string // absolute, as the player would request it
	name   string // last path element, e.g. v0_1.ts (names the clear source file)
	seq    int64  // media sequence number
	method string // "" or "NONE" = clear, "AES-128"
	keyURL string
	iv     []byte // explicit IV, or nil for the sequence-number IV
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
	base, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	var (
		segs   []segment
		seq    int64
		method string
		keyURL string
		iv     []byte
	)
	for i, line := range strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"):
			seq, err = strconv.ParseInt(strings.TrimPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"), 10, 64)
			if err != nil {
				t.Fatalf("line %d: %q: %v", i+1, line, err)
			}
		case strings.HasPrefix(line, "#EXT-X-KEY:"):
			attrs := parseAttrs(strings.TrimPrefix(line, "#EXT-X-KEY:"))
			method, keyURL, iv = attrs["METHOD"], "", nil
			if uri := attrs["URI"]; uri != "" {
				ref, err := base.Parse(uri)
				if err != nil {
					t.Fatalf("line %d: key URI %q: %v", i+1, uri, err)
				}
				keyURL = ref.String()
			}
			if v := attrs["IV"]; v != "" {
				iv, err = hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(v, "0x"), "0X"))
				if err != nil || len(iv) != 16 {
					t.Fatalf("line %d: bad IV %q", i+1, v)
				}
			}
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			ref, err := base.Parse(line)
			if err != nil {
				t.Fatalf("line %d: segment URI %q: %v", i+1, line, err)
			}
			segs = append(segs, segment{url: ref.String(), name: path.Base(ref.Path), seq: seq,
				method: method, keyURL: keyURL, iv: iv})
			seq++
		}
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
	if s.method == "" || s.method == "NONE" {
		return body
	}
	if s.method != "AES-128" {
		t.Fatalf("segment %s: unexpected METHOD=%s", s.name, s.method)
	}
	kresp, key := get(t, c, s.keyURL, nil)
	if kresp.StatusCode != http.StatusOK || len(key) != 16 {
		t.Fatalf("GET key %s: status %d, %d bytes", redact(s.keyURL), kresp.StatusCode, len(key))
	}
	iv := s.iv
	if iv == nil {
		iv = make([]byte, 16)
		binary.BigEndian.PutUint64(iv[8:], uint64(s.seq))
	}
	clear, err := decryptCBC(key, iv, body)
	if err != nil {
		t.Fatalf("segment %s: %v", s.name, err)
	}
	return clear
}

// decryptCBC is AES-128-CBC with PKCS#7 padding, as HLS uses it.
func decryptCBC(key, iv, data []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("ciphertext of %d bytes is not a whole number of blocks", len(data))
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	n := int(out[len(out)-1])
	if n == 0 || n > aes.BlockSize || !bytes.Equal(out[len(out)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, fmt.Errorf("bad PKCS#7 padding (wrong key or IV)")
	}
	return out[:len(out)-n], nil
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
