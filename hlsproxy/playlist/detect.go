package playlist

import (
	"mime"
	"path"
	"strings"
)

// playlistTypes are the media types RFC 8216 §4 and players use for playlists.
var playlistTypes = map[string]bool{
	"application/vnd.apple.mpegurl": true,
	"application/x-mpegurl":         true,
	"audio/mpegurl":                 true,
	"audio/x-mpegurl":               true,
}

// IsPlaylist reports whether an object is an HLS playlist judging by its name
// (extension .m3u8 or .m3u, any case; a query or fragment is ignored) or its
// Content-Type (parameters and case ignored).
func IsPlaylist(name, contentType string) bool {
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		name = name[:i]
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".m3u8", ".m3u":
		return true
	}
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.TrimSpace(mt)
	}
	return playlistTypes[strings.ToLower(mt)]
}
