package playlist

import (
	"strings"

	"github.com/mediagate/caddy-mediagate/internal/httpx"
)

// IsPlaylist reports whether an object is an HLS playlist judging by its name
// (extension .m3u8 or .m3u, any case; a query or fragment is ignored) or its
// Content-Type (parameters and case ignored). The judgement is httpx.Judge's,
// the one every hls_proxy answer is typed by.
func IsPlaylist(name, contentType string) bool {
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		name = name[:i]
	}
	return httpx.Judge(name, contentType).Class == httpx.Playlist
}
