package perimeter

import "testing"

func TestHSTSValue(t *testing.T) {
	for _, tc := range []struct {
		h    HSTS
		want string
	}{
		{HSTS{MaxAge: 31536000}, "max-age=31536000"},
		{HSTS{MaxAge: 600, IncludeSubdomains: true}, "max-age=600; includeSubDomains"},
		{HSTS{MaxAge: 63072000, IncludeSubdomains: true, Preload: true}, "max-age=63072000; includeSubDomains; preload"},
		{HSTS{}, "max-age=0"},
	} {
		if got := tc.h.Value(); got != tc.want {
			t.Errorf("%+v.Value() = %q, want %q", tc.h, got, tc.want)
		}
	}
}

func TestHSTSValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    HSTS
		ok   bool
	}{
		{"plain", HSTS{MaxAge: 300}, true},
		{"preload complete", HSTS{MaxAge: PreloadMinMaxAge, IncludeSubdomains: true, Preload: true}, true},
		{"negative", HSTS{MaxAge: -1}, false},
		{"preload without subdomains", HSTS{MaxAge: PreloadMinMaxAge, Preload: true}, false},
		{"preload too short", HSTS{MaxAge: PreloadMinMaxAge - 1, IncludeSubdomains: true, Preload: true}, false},
	} {
		if err := tc.h.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
