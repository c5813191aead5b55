package httpx

import (
	"mime"
	"path"
	"strings"
)

// mediaTypes are the types players expect; object stores often answer
// text/plain or application/octet-stream for them.
var mediaTypes = map[string]string{
	".m3u8":   "application/vnd.apple.mpegurl",
	".m3u":    "application/vnd.apple.mpegurl",
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
	".mpd":    "application/dash+xml",
	".mov":    "video/quicktime",
	".pdf":    "application/pdf",
}

// genericTypes say nothing about the object; a known extension wins over them.
var genericTypes = map[string]bool{
	"":                                  true,
	"text/plain":                        true,
	"application/octet-stream":          true,
	"binary/octet-stream":               true,
	"application/x-www-form-urlencoded": true,
}

// ContentType chooses the Content-Type of an object: the type its extension
// calls for when the extension is a media or HLS one, else the origin's type
// when it says something, else the system's type for the extension, else
// application/octet-stream.
func ContentType(name, originType string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := mediaTypes[ext]; ok {
		return t
	}
	base, _, _ := mime.ParseMediaType(originType)
	if !genericTypes[strings.ToLower(base)] {
		return originType
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	if originType != "" {
		return originType
	}
	return "application/octet-stream"
}
