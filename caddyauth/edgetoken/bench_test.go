package edgetoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

const benchToken = "st=1700000000~exp=1700000300~acl=/hls/stream1/*~hmac=5c513c32dc703fd7a532d25f936490d24ee42ebcd4d29392fc7eac13914c47b4"

// BenchmarkVerifyACLSHA256 is the full check of an ACL token: parse,
// path normalisation, HMAC, time, acl.
func BenchmarkVerifyACLSHA256(b *testing.B) {
	v := &Verifier{Keys: [][]byte{mustKey(b, testKeyHex)}}
	req := Request{Path: "/hls/stream1/seg-00042.ts", Now: time.Unix(1700000100, 0)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(benchToken, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareHMACSHA256 is the floor: the straightforward HMAC-SHA256
// of the same signed bytes and a constant-time compare, nothing else.
func BenchmarkBareHMACSHA256(b *testing.B) {
	key := mustKey(b, testKeyHex)
	signed, macHex, _ := strings.Cut(benchToken, "~hmac=")
	want, _ := hex.DecodeString(macHex)
	msg := []byte(signed)
	b.ReportAllocs()
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write(msg)
		if !hmac.Equal(m.Sum(nil), want) {
			b.Fatal("mismatch")
		}
	}
}

// BenchmarkBareHMACSHA256Reused reuses one HMAC (Reset), the fastest
// possible single-goroutine floor.
func BenchmarkBareHMACSHA256Reused(b *testing.B) {
	key := mustKey(b, testKeyHex)
	signed, macHex, _ := strings.Cut(benchToken, "~hmac=")
	want, _ := hex.DecodeString(macHex)
	msg := []byte(signed)
	m := hmac.New(sha256.New, key)
	var sum [32]byte
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		m.Write(msg)
		if !hmac.Equal(m.Sum(sum[:0]), want) {
			b.Fatal("mismatch")
		}
	}
}
