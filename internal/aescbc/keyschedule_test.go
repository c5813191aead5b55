package aescbc

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"sync"
	"testing"
)

// The key expansion of FIPS-197 Appendix A.1 (words w0..w3, w4..w7 and w40..w43).
func TestKeyScheduleMatchesFIPS197AppendixA1(t *testing.T) {
	if !hasAESNI {
		t.Skip("no AES-NI: the fallback keeps crypto/aes's own schedule")
	}
	key := mustHex(t, "2b7e151628aed2a6abf7158809cf4f3c")
	b := newBlock(t, impl{name: "aesni", asm: true}, key)
	for _, c := range []struct {
		round int
		want  string
	}{
		{0, "2b7e151628aed2a6abf7158809cf4f3c"},
		{1, "a0fafe1788542cb123a339392a6c7605"},
		{10, "d014f9a8c9ee2589e13f0cc8b6630ca6"},
	} {
		if got := hex.EncodeToString(b.enc[16*c.round : 16*c.round+16]); got != c.want {
			t.Errorf("round key %d = %s, want %s", c.round, got, c.want)
		}
	}
}

// Every round key, both directions, against a byte-wise implementation of
// the FIPS-197 expansion and InvMixColumns, for many keys.
func TestKeyScheduleMatchesSpecReference(t *testing.T) {
	if !hasAESNI {
		t.Skip("no AES-NI: the fallback keeps crypto/aes's own schedule")
	}
	r := newRand(t)
	for i := range 500 {
		key := randBytes(r, 16)
		if i == 0 {
			key = make([]byte, 16)
		}
		b := newBlock(t, impl{name: "aesni", asm: true}, key)
		enc := refExpand(key)
		if !bytes.Equal(b.enc[:], enc[:]) {
			t.Fatalf("key %x: encryption schedule\n got %x\nwant %x", key, b.enc, enc)
		}
		var dec [schedSize]byte
		for k := 0; k <= 10; k++ {
			rk := [16]byte(enc[16*(10-k) : 16*(10-k)+16])
			if k != 0 && k != 10 {
				rk = refInvMixColumns(rk)
			}
			copy(dec[16*k:], rk[:])
		}
		if !bytes.Equal(b.dec[:], dec[:]) {
			t.Fatalf("key %x: decryption schedule\n got %x\nwant %x", key, b.dec, dec)
		}
	}
}

// One block with a zero IV is plain AES: FIPS-197 Appendix C.1, and crypto/aes
// for random keys, both directions.
func TestSingleBlockIsAESFromCryptoAES(t *testing.T) {
	r := newRand(t)
	zero := make([]byte, 16)
	for _, im := range impls(t) {
		key := mustHex(t, "000102030405060708090a0b0c0d0e0f")
		plain := mustHex(t, "00112233445566778899aabbccddeeff")
		got := make([]byte, 16)
		NewCBCEncrypter(newBlock(t, im, key), zero).CryptBlocks(got, plain)
		if want := "69c4e0d86a7b0430d8cdb78070b4c55a"; hex.EncodeToString(got) != want {
			t.Fatalf("%s: FIPS-197 C.1 = %x, want %s", im.name, got, want)
		}
		for range 200 {
			key, p := randBytes(r, 16), randBytes(r, 16)
			ref, err := aes.NewCipher(key)
			if err != nil {
				t.Fatal(err)
			}
			b := newBlock(t, im, key)
			want := make([]byte, 16)
			ref.Encrypt(want, p)
			NewCBCEncrypter(b, zero).CryptBlocks(got, p)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: key %x: encrypt %x, crypto/aes %x", im.name, key, got, want)
			}
			ref.Decrypt(want, p)
			NewCBCDecrypter(b, zero).CryptBlocks(got, p)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: key %x: decrypt %x, crypto/aes %x", im.name, key, got, want)
			}
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ---- FIPS-197 reference, byte by byte (test only; speed and timing do not matter)

func gmul(a, b byte) byte {
	var p byte
	for range 8 {
		if b&1 != 0 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1b
		}
		b >>= 1
	}
	return p
}

func sbox(x byte) byte { return sboxTable()[x] }

var sboxTable = sync.OnceValue(func() (t [256]byte) {
	for x := range 256 {
		t[x] = sboxOf(byte(x))
	}
	return t
})

// sboxOf is FIPS-197 §5.1.1: the multiplicative inverse, then the affine map.
func sboxOf(x byte) byte {
	inv := byte(0)
	for y := 1; y < 256; y++ {
		if gmul(x, byte(y)) == 1 {
			inv = byte(y)
		}
	}
	s := inv
	for i := 1; i <= 4; i++ {
		s ^= inv<<i | inv>>(8-i)
	}
	return s ^ 0x63
}

func refExpand(key []byte) [schedSize]byte {
	var w [schedSize]byte
	copy(w[:], key)
	rcon := byte(1)
	for i := 16; i < schedSize; i += 4 {
		t := [4]byte(w[i-4 : i])
		if i%16 == 0 {
			t = [4]byte{sbox(t[1]) ^ rcon, sbox(t[2]), sbox(t[3]), sbox(t[0])}
			rcon = gmul(rcon, 2)
		}
		for j := range 4 {
			w[i+j] = w[i-16+j] ^ t[j]
		}
	}
	return w
}

func refInvMixColumns(s [16]byte) [16]byte {
	var o [16]byte
	for c := 0; c < 16; c += 4 {
		a0, a1, a2, a3 := s[c], s[c+1], s[c+2], s[c+3]
		o[c] = gmul(a0, 14) ^ gmul(a1, 11) ^ gmul(a2, 13) ^ gmul(a3, 9)
		o[c+1] = gmul(a0, 9) ^ gmul(a1, 14) ^ gmul(a2, 11) ^ gmul(a3, 13)
		o[c+2] = gmul(a0, 13) ^ gmul(a1, 9) ^ gmul(a2, 14) ^ gmul(a3, 11)
		o[c+3] = gmul(a0, 11) ^ gmul(a1, 13) ^ gmul(a2, 9) ^ gmul(a3, 14)
	}
	return o
}
