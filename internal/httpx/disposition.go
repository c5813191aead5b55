package httpx

import (
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxFilenameRunes bounds the file name offered in Content-Disposition.
const maxFilenameRunes = 180

// SafeFilename turns a requested download name into a bare file name: no
// directory part, no path separators, no control characters (CR, LF, NUL…), no
// quotes, bounded length. It returns fallback (sanitised the same way) when
// nothing usable is left.
func SafeFilename(name, fallback string) string {
	if s := sanitizeFilename(name); s != "" {
		return s
	}
	if s := sanitizeFilename(fallback); s != "" {
		return s
	}
	return "download"
}

func sanitizeFilename(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	// Keep only the last path element, whichever separator the client used.
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base("/" + name)
	if name == "/" {
		return ""
	}
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n >= maxFilenameRunes {
			break
		}
		switch {
		case r == '"' || r == '/' || r == '\\' || r == ';' || r == '%':
			r = '_'
		case unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Cf, r):
			continue
		}
		b.WriteRune(r)
		n++
	}
	s := strings.TrimSpace(b.String())
	s = strings.Trim(s, ".")
	if s == "" {
		return ""
	}
	return s
}

// Attachment is the Content-Disposition value that offers name for download:
// an ASCII filename fallback and, for non-ASCII names, RFC 5987 filename*
// (RFC 6266 §4.3). name should come from SafeFilename.
func Attachment(name string) string {
	ascii := asciiFallback(name)
	value := mime.FormatMediaType("attachment", map[string]string{"filename": ascii})
	if value == "" {
		value = `attachment; filename="download"`
	}
	if ascii == name {
		return value
	}
	ext := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if rest, ok := strings.CutPrefix(ext, "attachment;"); ok && strings.Contains(rest, "filename*=") {
		return value + ";" + rest
	}
	return value
}

func asciiFallback(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}
