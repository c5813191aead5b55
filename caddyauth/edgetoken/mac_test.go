package edgetoken

import (
	"bytes"
	"crypto/hmac"
	"strings"
	"testing"
)

// The pooled HMAC must agree with a fresh crypto/hmac for every
// algorithm, key length (incl. keys longer than the block size) and
// input, also when pooled states are reused across keys.
func TestPooledMACMatchesFreshHMAC(t *testing.T) {
	keys := [][]byte{{1}, testKey, bytes.Repeat([]byte{0xab}, 64), bytes.Repeat([]byte{0xcd}, 200)}
	inputs := []macInput{
		{signed: "exp=1~acl=/*"},
		{signed: "exp=1", url: "/a/b", hasURL: true},
		{signed: "exp=1~acl=/*", salt: "s"},
		{signed: strings.Repeat("x", 5000), url: "/u", hasURL: true, salt: "pepper"},
	}
	for round := 0; round < 3; round++ {
		for _, alg := range []Algorithm{SHA256, SHA1, MD5} {
			for _, k := range keys {
				for _, in := range inputs {
					m := hmac.New(alg.newHash(), k)
					m.Write(in.appendTo(nil))
					want := m.Sum(nil)
					if !macMatches(alg, k, &in, want) {
						t.Fatalf("%s key %d bytes input %q: pooled HMAC differs", alg, len(k), in.signed[:min(20, len(in.signed))])
					}
					bad := bytes.Clone(want)
					bad[0] ^= 1
					if macMatches(alg, k, &in, bad) {
						t.Fatalf("%s: a flipped bit still matches", alg)
					}
				}
			}
		}
	}
}
