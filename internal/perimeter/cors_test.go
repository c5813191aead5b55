package perimeter

import (
	"slices"
	"testing"
)

func TestGrantHeadersFiltersByAllowList(t *testing.T) {
	c, err := NewCORS([]string{"https://www.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		requested string
		want      []string
	}{
		{"range", []string{"range"}},
		{"range,x-edge-token", []string{"range", "x-edge-token"}},
		{"Range, X-Custom, Authorization", []string{"Range", "Authorization"}},
		{"x-custom", nil},
		{"", nil},
		{"range, RANGE", []string{"range"}},
		{"bad header, range", []string{"range"}},
	} {
		if got := c.GrantHeaders(tc.requested); !slices.Equal(got, tc.want) {
			t.Errorf("GrantHeaders(%q) = %q, want %q", tc.requested, got, tc.want)
		}
	}
	c.AllowHeaders = []string{"X-Custom"}
	if got := c.GrantHeaders("range, x-custom"); !slices.Equal(got, []string{"x-custom"}) {
		t.Errorf("configured list: GrantHeaders = %q", got)
	}
}

func TestCORSValidate(t *testing.T) {
	base := func() *CORS {
		c, err := NewCORS([]string{"https://www.example.com"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mutate := range map[string]func(*CORS){
		"bad allow header":  func(c *CORS) { c.AllowHeaders = []string{"X Bad"} },
		"wildcard header":   func(c *CORS) { c.ExposeHeaders = []string{"*"} },
		"negative max age":  func(c *CORS) { c.MaxAge = -1 },
		"no origins at all": func(c *CORS) { c.Origins = nil },
	} {
		c := base()
		mutate(c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil, want error", name)
		}
	}
}

func TestIsPreflight(t *testing.T) {
	for _, tc := range []struct {
		method, origin, acrm string
		want                 bool
	}{
		{"OPTIONS", "https://a.example", "GET", true},
		{"OPTIONS", "", "GET", false},
		{"OPTIONS", "https://a.example", "", false},
		{"GET", "https://a.example", "GET", false},
	} {
		if got := IsPreflight(tc.method, tc.origin, tc.acrm); got != tc.want {
			t.Errorf("IsPreflight(%q, %q, %q) = %v", tc.method, tc.origin, tc.acrm, got)
		}
	}
}
