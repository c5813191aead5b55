package perimeter

import (
	"errors"
	"testing"
)

func TestParseOriginCanonicalForm(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://www.example.com", "https://www.example.com"},
		{"HTTPS://WWW.Example.COM", "https://www.example.com"},
		{"https://www.example.com:443", "https://www.example.com"},
		{"http://example.com:80", "http://example.com"},
		{"https://example.com:8443", "https://example.com:8443"},
		{"http://localhost:3000", "http://localhost:3000"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"https://[::1]", "https://[::1]"},
		{"https://[0:0::1]:8443", "https://[::1]:8443"},
		{"https://[2001:DB8::1]", "https://[2001:db8::1]"},
		{"https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
	} {
		got, err := ParseOrigin(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseOriginRefuses(t *testing.T) {
	for _, in := range []string{
		"", "*", "null", "https://*.example.com", "www.example.com", "ftp://example.com",
		"https://", "https://example.com/", "https://example.com/player", "https://example.com?x",
		"https://example.com#f", "https://user@example.com", "https://example.com:0",
		"https://example.com:65536", "https://example.com:", "https://example.com:08443",
		"https://example.com:+443", "https://exa_mple.com", "https://exa mple.com",
		"https://.example.com", "https://example..com", "https://::1", "https://[1.2.3.4]",
		"https://[fe80::1%25eth0]", "https://[::1", "https://example.com:1:2",
	} {
		if o, err := ParseOrigin(in); !errors.Is(err, ErrBadOrigin) {
			t.Errorf("ParseOrigin(%q) = %q, %v; want ErrBadOrigin", in, o, err)
		}
	}
}

func TestOriginSetContains(t *testing.T) {
	set, err := NewOriginSet([]string{"https://www.example.com", "http://localhost:3000"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"https://www.example.com", true},
		{"https://WWW.EXAMPLE.COM", true},
		{"https://www.example.com:443", true},
		{"http://www.example.com", false},       // scheme differs
		{"https://www.example.com:8443", false}, // port differs
		{"https://example.com", false},          // host differs
		{"https://www.example.com.evil.net", false},
		{"https://evil.net", false},
		{"https://www.example.com/", false},
		{"null", false},
		{"", false},
		{"http://localhost:3000", true},
		{"http://localhost", false},
	} {
		if got := set.Contains(tc.header); got != tc.want {
			t.Errorf("Contains(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestNewOriginSetErrors(t *testing.T) {
	if _, err := NewOriginSet(nil); err == nil {
		t.Error("empty set: want error")
	}
	if _, err := NewOriginSet([]string{"https://a.example", "https://A.example:443"}); err == nil {
		t.Error("duplicate origin: want error")
	}
	if _, err := NewOriginSet([]string{"https://a.example", "*"}); !errors.Is(err, ErrBadOrigin) {
		t.Errorf("wildcard: err = %v, want ErrBadOrigin", err)
	}
}
