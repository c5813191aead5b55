package perimeter

import (
	"slices"
	"strings"
	"testing"
)

func mustRoutes(t *testing.T, rules ...[2][]string) *Routes {
	t.Helper()
	var rs []Rule
	for _, r := range rules {
		rule, err := NewRule(r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, rule)
	}
	rt, err := NewRoutes(rs...)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestRoutesAllows(t *testing.T) {
	rt := mustRoutes(t,
		[2][]string{{"GET", "HEAD"}, {"/hls/*", "/keys/*"}},
		[2][]string{nil, {"/public/*"}}, // defaults to GET HEAD
		[2][]string{{"POST"}, {"/api/upload"}},
	)
	tests := []struct {
		method, path string
		want         bool
	}{
		{"GET", "/hls/a.ts", true},
		{"HEAD", "/keys/k1", true},
		{"POST", "/hls/a.ts", false},
		{"OPTIONS", "/hls/a.ts", false},
		{"GET", "/public/x", true},
		{"HEAD", "/public/x", true},
		{"DELETE", "/public/x", false},
		{"POST", "/api/upload", true},
		{"GET", "/api/upload", false},
		{"GET", "/secret", false},
		{"GET", "/hls", false},
		{"get", "/hls/a.ts", false}, // methods are case-sensitive
	}
	for _, tc := range tests {
		if got := rt.Allows(tc.method, tc.path); got != tc.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestRoutesMethodsForUnionsMatchingRules(t *testing.T) {
	rt := mustRoutes(t,
		[2][]string{{"GET", "HEAD"}, {"/hls/*"}},
		[2][]string{{"POST", "GET"}, {"*.m3u8"}},
	)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/hls/a.ts", []string{"GET", "HEAD"}},
		{"/hls/a.m3u8", []string{"GET", "HEAD", "POST"}},
		{"/other.m3u8", []string{"POST", "GET"}},
		{"/other.ts", nil},
	} {
		if got := rt.MethodsFor(tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("MethodsFor(%s) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestNewRuleErrors(t *testing.T) {
	for _, tc := range []struct {
		name              string
		methods, patterns []string
		want              string
	}{
		{"no patterns", []string{"GET"}, nil, "at least one path pattern"},
		{"lower-case method", []string{"get"}, []string{"/a"}, "invalid method"},
		{"method with digit", []string{"GET2"}, []string{"/a"}, "invalid method"},
		{"bad pattern", []string{"GET"}, []string{"a"}, "must start with"},
	} {
		_, err := NewRule(tc.methods, tc.patterns)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := NewRoutes(); err == nil {
		t.Error("NewRoutes() with no rule: want error")
	}
}

func TestNewRuleDeduplicatesMethods(t *testing.T) {
	r, err := NewRule([]string{"GET", "GET", "HEAD"}, []string{"/a"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Methods, []string{"GET", "HEAD"}) {
		t.Errorf("Methods = %v", r.Methods)
	}
}

func TestRoutesKeepEmptySegmentsOnlyForDoubleSlashPatterns(t *testing.T) {
	rt := mustRoutes(t,
		[2][]string{nil, {"/a//b"}},
		[2][]string{nil, {"/c/*"}},
	)
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/a//b", true},
		{"/a/b", false},
		{"//c//x", true}, // merged for patterns without //
	} {
		if got := rt.Allows("GET", tc.path); got != tc.want {
			t.Errorf("Allows(GET, %s) = %v, want %v", tc.path, got, tc.want)
		}
	}
}
