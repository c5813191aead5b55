package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// tokenValue is a token in a query (any parameter name the tests and the examples use) or in
// an EdgeAuth token's own syntax, up to the next delimiter of a URL, a header or JSON.
var tokenValue = regexp.MustCompile(`((?:__token__|RequestToken|hdnts)=)[^&\s"'\\]+|exp=\d+~[^&\s"'\\]*hmac=[0-9a-f]+`)

// redact hides every token in a message (URLs, ffprobe's stderr, a player's report).
func redact(s string) string {
	return tokenValue.ReplaceAllStringFunc(s, func(m string) string {
		if name, _, ok := strings.Cut(m, "="); ok && !strings.HasPrefix(m, "exp=") {
			return name + "=REDACTED"
		}
		return "REDACTED"
	})
}

func TestRedactHidesEveryTokenOfAMessage(t *testing.T) {
	tok := "exp=1796163982~acl=/hls/aes/*!/keys/aes/*~hmac=47e4c5e0e0e7dc69"
	msg := "ffprobe https://m.example.com/hls/a/master.m3u8?__token__=" + tok + ": Unable to open key file " +
		"https://m.example.com/keys/a/key.bin?RequestToken=" + tok + "&x=1 (cookie " + tok + `) {"src":"?hdnts=` + tok + `"}`
	got := redact(msg)
	if strings.Contains(got, "hmac=") || strings.Contains(got, "exp=") {
		t.Fatalf("redact left a token: %s", got)
	}
	for _, want := range []string{"master.m3u8?__token__=REDACTED Unable", "key.bin?RequestToken=REDACTED&x=1", "(cookie REDACTED)", `?hdnts=REDACTED"`} {
		if !strings.Contains(got, want) {
			t.Errorf("redact(%q) = %q, want it to keep %q", msg, got, want)
		}
	}
}
