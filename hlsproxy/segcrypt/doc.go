// Package segcrypt implements the HLS "METHOD=AES-128" segment cryptography of
// RFC 8216 section 5.2 for the mediagate proxy, with the standard library only.
//
// A segment encrypted with AES-128 is the whole segment encrypted with
// AES-128-CBC and PKCS#7 padding (so the ciphertext is always a positive
// multiple of 16 bytes, 1..16 bytes longer than the plaintext). The IV is the
// playlist's IV attribute ("0x" + hex) or, when absent, the segment's media
// sequence number as a big-endian 128-bit integer. A key is exactly 16 bytes.
//
// The package offers:
//
//   - Key and IV values, parsing (ParseIV), RFC 8216 sequence IVs
//     (IVFromSequence) and per-asset derivation from a secret (DeriveKey,
//     DeriveIV);
//   - streaming transforms with constant memory: NewDecrypter (validates and
//     strips the padding) and NewEncrypter (adds it);
//   - byte-range support: PlainWindow + NewRangeDecrypter fetch and decrypt
//     only the ciphertext blocks a plaintext range needs, PlainLen recovers the
//     plaintext length from the last two blocks, and NewRangeEncrypter cuts a
//     range out of an on-the-fly encryption;
//   - Seal/Open: a compact, signed, URL-safe segment context so a segment
//     request can carry what is needed to transform it without server state.
//
// How the four hls_proxy encryption modes map onto the package (C = origin
// ciphertext length, P = plaintext length):
//
//   - passthrough: nothing here; segments and keys are proxied as they are.
//   - decrypt (at rest -> clear): NewDecrypter(body, originKey, SegmentIV(attr, seq)).
//     Content-Length is P = PlainLen(C, tail, ...) with tail = the bytes
//     TailWindow(C) names; a Range uses PlainWindow + NewRangeDecrypter on
//     just the window's ciphertext bytes (clamp the range to P first).
//   - encrypt (clear -> AES-128): NewEncrypter(body, DeriveKey(s, asset), iv);
//     Content-Length is EncryptedLen(P); a Range [a,b] uses NewRangeEncrypter
//     on the first RangeEncryptPrefix(P, b) origin bytes (b < EncryptedLen(P)).
//   - reencrypt: NewEncrypter(NewDecrypter(body, originKey, originIV), newKey, newIV);
//     the length is unchanged (EncryptedLen(P) == C for any valid C).
//
// The IV the proxy publishes for a segment it encrypts is its choice; using
// IVFromSequence(seq) (no IV attribute) or DeriveIV(secret, asset) (written as
// IV=iv.String()) are both valid. Seal/Open carry the per-segment inputs
// (asset, origin key URI, origin IV attribute, sequence number) from the
// playlist request to the segment request.
//
// Error values are sentinels to be tested with errors.Is. Keys are never
// printed: Key's String method is redacted.
package segcrypt

import "errors"

// BlockSize is the AES block size in bytes; every AES-128 segment is a
// positive multiple of it.
const BlockSize = 16

// chunkSize is how many bytes the streaming transforms process per
// CryptBlocks call (their buffers hold chunkSize+BlockSize bytes).
const chunkSize = 32 << 10

var (
	// ErrNotBlockAligned reports a ciphertext whose length is not a positive
	// multiple of BlockSize (this includes an empty ciphertext, which cannot
	// carry the mandatory padding block).
	ErrNotBlockAligned = errors.New("segcrypt: ciphertext length is not a positive multiple of 16")
	// ErrBadPadding reports a final block whose PKCS#7 padding is invalid:
	// almost always a wrong key or IV, or a corrupted segment.
	ErrBadPadding = errors.New("segcrypt: invalid PKCS#7 padding (wrong key or IV, or corrupt segment)")
	// ErrRangeNotSatisfiable reports a byte range outside the data (HTTP 416).
	ErrRangeNotSatisfiable = errors.New("segcrypt: range not satisfiable")
	// ErrInvalidIV reports an IV attribute that is not "0x" followed by
	// 1 to 32 hexadecimal digits.
	ErrInvalidIV = errors.New("segcrypt: invalid IV")
	// ErrInvalidKey reports key material that is not exactly 16 bytes.
	ErrInvalidKey = errors.New("segcrypt: invalid AES-128 key")
)
