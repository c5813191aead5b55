// Package grafovref is github.com/grafov/m3u8 as mediagate's tests and
// benchmarks use it: the independent reference reader that every
// conformance playlist hlsproxy/playlist accepts is cross-checked against
// (type, segment and variant counts, media sequence), and the baseline the
// playlist benchmarks report their ratios against. No production package
// imports it, so grafov is not in the built Caddy: hls_proxy rewrites
// playlists with hlsproxy/playlist's lossless scanner, because grafov's
// encoder loses tags (see that package's documentation).
package grafovref

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/grafov/m3u8"
)

// ErrPanicked wraps a panic of grafov's decoder.
var ErrPanicked = errors.New("grafov/m3u8 panicked")

// Decode returns grafov/m3u8's model of a playlist. Callers pass bytes that
// hlsproxy/playlist.Analyze accepted. The bytes grafov sees have the BOM and
// blank lines removed, because grafov v0.12.1 panics on a blank line after an
// EXT-X-KEY or EXT-X-MAP that precedes the first segment; a panic that
// remains is ErrPanicked.
func Decode(src []byte) (pl m3u8.Playlist, lt m3u8.ListType, err error) {
	var b bytes.Buffer
	b.Grow(len(src))
	s := strings.TrimPrefix(string(src), "\ufeff")
	for s != "" {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		if strings.TrimSpace(line) != "" {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return DecodeRaw(b.Bytes())
}

// DecodeRaw runs grafov's decoder on src as it is (no blank-line removal),
// turning its panics into ErrPanicked.
func DecodeRaw(src []byte) (pl m3u8.Playlist, lt m3u8.ListType, err error) {
	defer func() {
		if r := recover(); r != nil {
			pl, lt, err = nil, 0, fmt.Errorf("%w: %v", ErrPanicked, r)
		}
	}()
	pl, lt, err = m3u8.DecodeFrom(bytes.NewReader(src), false)
	if err != nil {
		return nil, 0, fmt.Errorf("grafov/m3u8: %w", err)
	}
	return pl, lt, nil
}
