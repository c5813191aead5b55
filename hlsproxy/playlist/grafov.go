package playlist

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/grafov/m3u8"
)

// Decode returns grafov/m3u8's model of a playlist that Analyze accepts,
// for reading (never re-encode it: see the package documentation). The
// bytes grafov sees have the BOM and blank lines removed, because grafov
// v0.12.1 panics on a blank line after an EXT-X-KEY or EXT-X-MAP that
// precedes the first segment; a panic that remains becomes ErrMalformed.
func Decode(src []byte) (pl m3u8.Playlist, lt m3u8.ListType, err error) {
	if _, err := Analyze(src); err != nil {
		return nil, 0, err
	}
	var b bytes.Buffer
	b.Grow(len(src))
	s := strings.TrimPrefix(string(src), bom)
	for s != "" {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		if strings.TrimSpace(line) != "" {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	defer func() {
		if r := recover(); r != nil {
			pl, lt, err = nil, 0, fmt.Errorf("%w: grafov/m3u8 panicked: %v", ErrMalformed, r)
		}
	}()
	pl, lt, err = m3u8.DecodeFrom(&b, false)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: grafov/m3u8: %v", ErrMalformed, err)
	}
	return pl, lt, nil
}
