package segcrypt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Key is an AES-128 key. Its String method is redacted so that a key never
// reaches a log by accident; use k[:] for the bytes.
type Key [16]byte

// IV is an AES-CBC initialisation vector.
type IV [16]byte

// Labels that domain-separate the derivations; part of the v1 wire contract.
const (
	keyLabel = "mediagate-hls-aes128-key/v1\x00"
	ivLabel  = "mediagate-hls-aes128-iv/v1\x00"
)

// String returns a fixed placeholder, never the key bytes.
func (Key) String() string { return "segcrypt.Key(redacted)" }

// GoString returns the same placeholder as String, so %#v is redacted too.
func (k Key) GoString() string { return k.String() }

// KeyFromBytes copies b into a Key. It fails unless len(b) is exactly 16
// (RFC 8216: the key file is a 16-octet binary key).
func KeyFromBytes(b []byte) (Key, error) {
	var k Key
	if len(b) != len(k) {
		return k, fmt.Errorf("%w: got %d bytes, want 16", ErrInvalidKey, len(b))
	}
	copy(k[:], b)
	return k, nil
}

// ParseIV parses an EXT-X-KEY IV attribute: "0x" or "0X" followed by
// hexadecimal digits (either case). RFC 8216 specifies 128 bits, i.e. 32
// digits; shorter values (1..31 digits) are accepted and left-padded with
// zeros, as players do. Anything else — no prefix, no digits, more than 32
// digits, a non-hex character, surrounding spaces — is ErrInvalidIV.
func ParseIV(s string) (IV, error) {
	var iv IV
	if len(s) < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return iv, fmt.Errorf("%w: %q lacks the 0x prefix", ErrInvalidIV, s)
	}
	digits := s[2:]
	if len(digits) == 0 || len(digits) > 2*len(iv) {
		return iv, fmt.Errorf("%w: %q has %d hex digits, want 1 to 32", ErrInvalidIV, s, len(digits))
	}
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	b, err := hex.DecodeString(digits)
	if err != nil {
		return iv, fmt.Errorf("%w: %q is not hexadecimal", ErrInvalidIV, s)
	}
	copy(iv[len(iv)-len(b):], b)
	return iv, nil
}

// IVFromSequence returns the RFC 8216 default IV of a segment: its media
// sequence number as a big-endian 128-bit integer (the high 8 bytes zero).
func IVFromSequence(seq uint64) IV {
	var iv IV
	binary.BigEndian.PutUint64(iv[8:], seq)
	return iv
}

// String formats the IV as an EXT-X-KEY attribute value: "0x" followed by 32
// lowercase hex digits. ParseIV(iv.String()) == iv.
func (iv IV) String() string {
	return "0x" + hex.EncodeToString(iv[:])
}

// DeriveKey derives the AES-128 key the proxy uses for asset:
//
//	key = HMAC-SHA256(secret, "mediagate-hls-aes128-key/v1" || 0x00 || asset)[0:16]
//
// where asset is taken as its raw bytes (UTF-8, no normalisation) and the label
// is ASCII followed by one zero byte. Any implementation of HMAC-SHA256 can
// reproduce it; see the package tests for vectors checked against openssl.
// secret should be at least 16 random bytes; it is not checked here.
func DeriveKey(secret []byte, asset string) Key {
	var k Key
	copy(k[:], derive(secret, keyLabel, asset))
	return k
}

// DeriveIV derives the IV the proxy uses for asset when it encrypts:
//
//	iv = HMAC-SHA256(secret, "mediagate-hls-aes128-iv/v1" || 0x00 || asset)[0:16]
//
// with the same conventions as DeriveKey.
func DeriveIV(secret []byte, asset string) IV {
	var iv IV
	copy(iv[:], derive(secret, ivLabel, asset))
	return iv
}

func derive(secret []byte, label, asset string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	m.Write([]byte(asset))
	return m.Sum(nil)
}

// SegmentIV returns the IV of a segment under RFC 8216: the parsed IV
// attribute attr when it is not empty, else IVFromSequence(seq).
func SegmentIV(attr string, seq uint64) (IV, error) {
	if attr == "" {
		return IVFromSequence(seq), nil
	}
	return ParseIV(attr)
}
