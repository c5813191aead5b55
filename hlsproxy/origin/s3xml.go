package origin

import (
	"encoding/xml"
	"io"
)

// s3ErrorCode extracts <Code> from an S3 XML error body read from r (already limited by
// the caller). The body itself is discarded; the code is kept only if it looks like an
// S3 error code (letters, digits, '.', at most 64 bytes), so nothing else leaks into logs.
func s3ErrorCode(r io.Reader) string {
	d := xml.NewDecoder(r)
	inCode := false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inCode = t.Name.Local == "Code"
		case xml.EndElement:
			inCode = false
		case xml.CharData:
			if inCode {
				return cleanCode(string(t))
			}
		}
	}
}

func cleanCode(s string) string {
	if s == "" || len(s) > 64 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.') {
			return ""
		}
	}
	return s
}
