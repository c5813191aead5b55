package attack

import (
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// The suite's own judges: a checker that let an escalated ACL through would
// make every escalation row pass vacuously.
func TestLiteralDirAcceptsOnlyLiteralDirectoryPrefixes(t *testing.T) {
	for part, want := range map[string]bool{
		"/hls/a/*": true, "/keys/a/*": true, "/hls/a/sub/*": true, "/hls/my%20show/*": true, "/hls/my show/*": true,
		"/*": false, "/hls/a/x!/*": false, "/hls/a/x%21/*": false, "/hls/*/*": false, "/hls/%2A/*": false,
		"/hls/a/?/*": false, "/hls/a/%3F/*": false, "/hls/a/~/*": false, "/hls/a/%7E/*": false, "/hls/a/%25/*": false,
		"/hls/a/%2541/*": false, "/hls/a/": false, "/hls/a/x": false, "/hls/a/x*": false, "/hls/a/../b/*": false,
		"/hls/a/%2e%2e/b/*": false, "/hls//a/*": false, "/hls/a%2fb/*": false, "/hls/a%5cb/*": false, `/hls/a\b/*`: false,
		"hls/a/*": false, "": false, "/hls/a/%zz/*": false, "/hls/a/./*": false,
	} {
		if got := literalPrefixACL(part); got != want {
			t.Errorf("literalPrefixACL(%q) = %v, want %v", part, got, want)
		}
	}
	if within([]string{"/hls/a/*", "/keys/a/*"}, "/hls/a/", "/keys/a/") != true ||
		within([]string{"/hls/a/*", "/*"}, "/hls/a/", "/keys/a/") ||
		within([]string{"/hls/ab/*"}, "/hls/a/") || within(nil, "/hls/a/") {
		t.Error("within misjudges an ACL")
	}
}

func TestParseSetCookieSplitsTheACLAtTheDelimiter(t *testing.T) {
	v, acl, ok := parseSetCookie(`__token__=exp=1~acl=/hls/a/x!/*~hmac=00; Path=/; HttpOnly`)
	if !ok || v != "exp=1~acl=/hls/a/x!/*~hmac=00" || strings.Join(acl, "|") != "/hls/a/x|/*" {
		t.Errorf("parseSetCookie = %q %q %v", v, acl, ok)
	}
	v, acl, ok = parseSetCookie(`__token__="exp=1~acl=/hls/my show/*~hmac=00"; Path=/`)
	if !ok || v != `"exp=1~acl=/hls/my show/*~hmac=00"` || strings.Join(acl, "|") != "/hls/my show/*" {
		t.Errorf("parseSetCookie of a quoted value = %q %q %v", v, acl, ok)
	}
	if _, _, ok := parseSetCookie("other=1; Path=/"); ok {
		t.Error("another cookie parsed as the session cookie")
	}
}

func TestWindowsRecogniseTheirSource(t *testing.T) {
	b := testutil.RandomBytes(t, 4096)
	ps := windows("x", b)
	if len(ps) != 3 {
		t.Fatalf("%d windows", len(ps))
	}
	for _, p := range ps {
		if !strings.Contains(string(b), string(p.B)) || len(p.B) != 48 {
			t.Errorf("window %s is not a 48-byte part of its source", p.What)
		}
	}
	if len(windows("zeros", make([]byte, 4096))) != 0 {
		t.Error("a run of zeros yields windows (they would match any stuffing)")
	}
}
