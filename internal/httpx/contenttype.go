package httpx

import (
	"mime"
	"net/http"
	"path"
	"strings"
)

// The media host serves media. Every object hls_proxy answers is judged
// here, once, from its name and its origin's Content-Type, and the type
// judged is the type sent: a playlist (rewritten, never served as
// stored), media a browser may show inline (an allow list: nothing that
// runs script in the media host's origin), or a download (attachment, in a
// sandbox). Every answer also carries X-Content-Type-Options: nosniff, so
// no browser second-guesses the type.

// Class is what the media host does with an object.
type Class uint8

const (
	// Playlist: an HLS playlist, by name (.m3u8, .m3u) or by content type.
	// It goes through the playlist path (entry rule, rewrite), whole,
	// whatever the request's Range or conditional headers.
	Playlist Class = iota + 1
	// Inline: media types players and pages load (segments, init sections,
	// audio, subtitles, images that are not SVG, keys).
	Inline
	// Download: anything else. Served with Content-Disposition: attachment
	// and Content-Security-Policy: sandbox, so it never renders as a page
	// of the media host.
	Download
)

func (c Class) String() string {
	switch c {
	case Playlist:
		return "playlist"
	case Inline:
		return "inline"
	case Download:
		return "download"
	}
	return "unknown"
}

// PlaylistType is the Content-Type of every playlist hls_proxy sends.
const PlaylistType = "application/vnd.apple.mpegurl"

// Nosniff and Sandbox are the header values of every answer and of a download.
const (
	Nosniff = "nosniff"
	Sandbox = "sandbox"
)

// playlistTypes are the media types RFC 8216 §4 and players use for playlists.
var playlistTypes = map[string]bool{
	"application/vnd.apple.mpegurl": true,
	"application/x-mpegurl":         true,
	"audio/mpegurl":                 true,
	"audio/x-mpegurl":               true,
}

// mediaTypes are the types players expect, by extension; object stores
// often answer text/plain or application/octet-stream for them. A media
// extension decides the type whatever the origin says (an origin type
// that disagrees — text/html on a .jpg — is not sent).
var mediaTypes = map[string]string{
	".ts":     "video/mp2t",
	".m4s":    "video/iso.segment",
	".mp4":    "video/mp4",
	".m4v":    "video/mp4",
	".m4a":    "audio/mp4",
	".cmfv":   "video/mp4",
	".cmfa":   "audio/mp4",
	".aac":    "audio/aac",
	".ac3":    "audio/ac3",
	".ec3":    "audio/eac3",
	".mp3":    "audio/mpeg",
	".vtt":    "text/vtt; charset=utf-8",
	".webvtt": "text/vtt; charset=utf-8",
	".key":    "application/octet-stream",
	".mov":    "video/quicktime",
	".jpg":    "image/jpeg",
	".jpeg":   "image/jpeg",
	".png":    "image/png",
	".gif":    "image/gif",
	".webp":   "image/webp",
	".avif":   "image/avif",
}

// inlineTypes are the types served inline (the allow list). Everything
// else — HTML, SVG, XML (application/*+xml renders as XHTML), JavaScript,
// PDF, DASH manifests, text — is a download.
var inlineTypes = map[string]bool{
	"video/mp2t": true, "video/mp4": true, "audio/mp4": true, "application/mp4": true,
	"video/iso.segment": true, "audio/iso.segment": true, "video/quicktime": true,
	"audio/aac": true, "audio/ac3": true, "audio/eac3": true, "audio/mpeg": true, "audio/mp2t": true,
	"text/vtt": true, "application/octet-stream": true,
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "image/avif": true,
	"image/apng": true, "image/bmp": true,
}

// genericTypes say nothing about the object; the extension decides.
var genericTypes = map[string]bool{
	"":                                  true,
	"text/plain":                        true,
	"application/octet-stream":          true,
	"binary/octet-stream":               true,
	"application/x-www-form-urlencoded": true,
}

// Type is the judgement of one object: the Content-Type to send and what
// the media host does with it.
type Type struct {
	Type  string
	Class Class
}

// Judge decides the Content-Type and the class of an object named name
// (its object key) whose origin
// answered originType (case, parameters and junk ignored):
//
//  1. a playlist extension (.m3u8, .m3u) or an HLS origin type: Playlist;
//  2. a media extension: its type, whatever the origin says;
//  3. else the origin's type when it says something, else the system's
//     type for the extension, else application/octet-stream;
//
// and the type of 2 and 3 is Inline when the allow list has it, else a
// Download. A type that does not parse is application/octet-stream.
func Judge(name, originType string) Type {
	ext := strings.ToLower(path.Ext(name))
	base, params := parseType(originType)
	if ext == ".m3u8" || ext == ".m3u" || playlistTypes[base] {
		return Type{Type: PlaylistType, Class: Playlist}
	}
	if t, ok := mediaTypes[ext]; ok {
		return Type{Type: t, Class: Inline}
	}
	if genericTypes[base] {
		if sys := mime.TypeByExtension(ext); sys != "" {
			base, params = parseType(sys)
		}
	}
	if base == "" {
		base, params = "application/octet-stream", nil
	}
	class := Download
	if inlineTypes[base] {
		class = Inline
	}
	return Type{Type: formatType(base, params), Class: class}
}

// ContentType is the Content-Type Judge sends for an object.
func ContentType(name, originType string) string { return Judge(name, originType).Type }

// IsPlaylistType reports whether a Content-Type is an HLS playlist type.
func IsPlaylistType(contentType string) bool {
	base, _ := parseType(contentType)
	return playlistTypes[base]
}

// parseType returns the lower-case media type and its charset parameter;
// "" for a type that does not parse as type/subtype.
func parseType(v string) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		// A broken parameter list ("text/html;;") still names its type;
		// the type alone is judged, without its parameters.
		mt, _, _ = strings.Cut(v, ";")
		mt, params = strings.ToLower(strings.TrimSpace(mt)), nil
		if _, _, err := mime.ParseMediaType(mt); err != nil {
			return "", nil
		}
	}
	if !strings.Contains(mt, "/") {
		return "", nil
	}
	if cs, ok := params["charset"]; ok {
		return mt, map[string]string{"charset": cs}
	}
	return mt, nil
}

func formatType(base string, params map[string]string) string {
	if v := mime.FormatMediaType(base, params); v != "" {
		return v
	}
	if v := mime.FormatMediaType(base, nil); v != "" {
		return v
	}
	return "application/octet-stream"
}

// Set writes the judgement's headers: Content-Type and, for a download,
// Content-Disposition: attachment (the file name is name's last element,
// through SafeFilename) and Content-Security-Policy: sandbox. (The caller
// sends X-Content-Type-Options: nosniff on every answer.)
func (t Type) Set(hdr http.Header, name string) {
	hdr.Set("Content-Type", t.Type)
	if t.Class == Download {
		hdr.Set("Content-Disposition", Attachment(SafeFilename(path.Base(name), "download")))
		hdr.Set("Content-Security-Policy", Sandbox)
	}
}
