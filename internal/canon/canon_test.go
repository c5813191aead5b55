package canon

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestParseKeepsCanonicalPathsAndEscapesTheRestOnce(t *testing.T) {
	tests := []struct{ in, dec, esc string }{
		{"/", "/", "/"},
		{"/hls/a/index.m3u8", "/hls/a/index.m3u8", "/hls/a/index.m3u8"},
		{"/hls/a/", "/hls/a/", "/hls/a/"},
		{"/hls/a/...", "/hls/a/...", "/hls/a/..."},
		{"/hls/my%20video/x.ts", "/hls/my video/x.ts", "/hls/my%20video/x.ts"},
		{"/hls/%61/x.ts", "/hls/a/x.ts", "/hls/a/x.ts"},
		{"/hls/caf%c3%a9", "/hls/café", "/hls/caf%C3%A9"},
		{"/hls/100%25.ts", "/hls/100%.ts", "/hls/100%25.ts"},
		{"/a%2Bb", "/a+b", "/a+b"},
		{"/a%3Fb", "/a?b", "/a%3Fb"},
		{"/a!b/*", "/a!b/*", "/a!b/*"},
		{"/a%21b", "/a!b", "/a!b"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err != nil || p.Decoded != tt.dec || p.Escaped != tt.esc {
			t.Errorf("Parse(%q) = %+v, %v; want %q %q", tt.in, p, err, tt.dec, tt.esc)
			continue
		}
		again, err := Parse(p.Escaped)
		if err != nil || again != p {
			t.Errorf("Parse not idempotent on %q: %+v, %v", p.Escaped, again, err)
		}
	}
}

func TestParseRefusesEveryAmbiguousSpelling(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrNotOriginForm},
		{"*", ErrNotOriginForm},
		{"hls/a", ErrNotOriginForm},
		{"/..", ErrDotSegment},
		{"/hls/../keys/k", ErrDotSegment},
		{"/hls/./a", ErrDotSegment},
		{"/hls/a/.", ErrDotSegment},
		{"/hls/%2e%2e/x", ErrDotSegment},
		{"/hls/%2E/x", ErrDotSegment},
		{"/hls/.%2e/x", ErrDotSegment},
		{"//hls/a", ErrEmptySegment},
		{"/hls//a", ErrEmptySegment},
		{"/hls/a%2fb", ErrEncodedSeparator},
		{"/hls/a%2Fb", ErrEncodedSeparator},
		{"/hls/a%5cb", ErrEncodedSeparator},
		{"/hls/a\\b", ErrEncodedSeparator},
		{"/hls/a%00b", ErrControl},
		{"/hls/a%0d%0ab", ErrControl},
		{"/hls/a%7fb", ErrControl},
		{"/hls/a\x01b", ErrControl},
		{"/hls/%ff", ErrBadUTF8},
		{"/hls/%c3", ErrBadUTF8},
		{"/hls/%252e%252e", ErrDoubleEncoded},
		{"/hls/%252f", ErrDoubleEncoded},
		{"/hls/a%zz", ErrBadEscape},
		{"/hls/a%2", ErrBadEscape},
		{"/" + strings.Repeat("a", MaxLen), ErrTooLong},
		{"/" + strings.Repeat("?", MaxLen/3+1), ErrTooLong}, // short as received, too long once canonical
	}
	for _, tt := range tests {
		if _, err := Parse(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) err = %v, want %v", tt.in, err, tt.want)
		}
		if Status(tt.want) != map[bool]int{true: 404, false: 400}[tt.want == ErrNotOriginForm] {
			t.Errorf("Status(%v) = %d", tt.want, Status(tt.want))
		}
	}
}

func TestPathDirAndSegments(t *testing.T) {
	p, _ := Parse("/hls/my%20video/index.m3u8")
	if p.Dir() != "/hls/my%20video/" || p.DecodedDir() != "/hls/my video/" {
		t.Errorf("Dir %q DecodedDir %q", p.Dir(), p.DecodedDir())
	}
	if s := p.Segments(); len(s) != 3 || s[1] != "my video" {
		t.Errorf("Segments %q", s)
	}
}

// FuzzParse: a path that parses has one meaning. Its escaped form parses to
// itself, decodes (as Go's URL parser does) to its decoded form, and holds no
// dot or empty segment, no separator or control byte inside a segment.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"/hls/a/x.ts", "/a%20b", "/a/../b", "/%2e", "//", "/a%2fb", "/caf%C3%A9/", "/a!b*c?d~e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := Parse(in)
		if err != nil {
			return
		}
		again, err := Parse(p.Escaped)
		if err != nil || again != p {
			t.Fatalf("Parse(%q) = %+v; Parse(Escaped) = %+v, %v", in, p, again, err)
		}
		if u, err := url.PathUnescape(p.Escaped); err != nil || u != p.Decoded {
			t.Fatalf("%q: PathUnescape(%q) = %q, %v; Decoded %q", in, p.Escaped, u, err, p.Decoded)
		}
		segs := p.Segments()
		for i, s := range segs {
			if s == "." || s == ".." || s == "" && i < len(segs)-1 || strings.ContainsAny(s, "\\\x00\r\n") {
				t.Fatalf("%q: segment %q of %q", in, s, p.Decoded)
			}
		}
	})
}
