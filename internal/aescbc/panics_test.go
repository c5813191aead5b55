package aescbc

import (
	"crypto/cipher"
	"fmt"
	"testing"
)

// panics runs f and reports whether it panicked.
func panics(f func()) (did bool) {
	defer func() { did = recover() != nil }()
	f()
	return false
}

// CryptBlocks refuses exactly what crypto/cipher refuses: partial blocks, a
// short dst, and a dst that overlaps src other than exactly.
func TestCryptBlocksPanicsLikeCryptoCipher(t *testing.T) {
	buf := make([]byte, 256)
	cases := []struct {
		name     string
		dst, src []byte
		want     bool
	}{
		{"empty", buf[:0], buf[:0], false},
		{"one block", buf[:16], buf[32:48], false},
		{"in place", buf[:64], buf[:64], false},
		{"longer dst", buf[:80], buf[128:192], false},
		{"partial block", buf[:20], buf[32:52], true},
		{"15 bytes", buf[:15], buf[32:47], true},
		{"short dst", buf[:16], buf[32:64], true},
		{"dst shifted by one block", buf[16:80], buf[:64], true},
		{"dst shifted by one byte", buf[1:65], buf[:64], true},
		{"src inside dst", buf[:128], buf[16:48], true},
	}
	for _, im := range impls(t) {
		key, iv := make([]byte, 16), make([]byte, 16)
		b := newBlock(t, im, key)
		refEnc, refDec := reference(t, key, iv)
		for _, c := range cases {
			modes := []struct {
				name      string
				ours, ref cipher.BlockMode
			}{
				{"encrypt", NewCBCEncrypter(b, iv), refEnc},
				{"decrypt", NewCBCDecrypter(b, iv), refDec},
			}
			for _, m := range modes {
				ref := panics(func() { m.ref.CryptBlocks(c.dst, c.src) })
				got := panics(func() { m.ours.CryptBlocks(c.dst, c.src) })
				if ref != c.want {
					t.Fatalf("test case %q is wrong: crypto/cipher panics = %v", c.name, ref)
				}
				if got != ref {
					t.Errorf("%s %s, %s: panics = %v, crypto/cipher panics = %v", im.name, m.name, c.name, got, ref)
				}
			}
		}
	}
}

func TestBadKeyOrIVLengthIsRefused(t *testing.T) {
	for _, n := range []int{0, 15, 17, 24, 32} {
		if _, err := NewCipher(make([]byte, n)); err == nil {
			t.Errorf("NewCipher accepted a %d-byte key", n)
		}
	}
	for _, im := range impls(t) {
		b := newBlock(t, im, make([]byte, 16))
		for _, n := range []int{0, 8, 15, 17} {
			iv := make([]byte, n)
			for name, f := range map[string]func(){
				"NewCBCEncrypter": func() { NewCBCEncrypter(b, iv) },
				"NewCBCDecrypter": func() { NewCBCDecrypter(b, iv) },
				"Encrypter.SetIV": func() { NewCBCEncrypter(b, make([]byte, 16)).SetIV(iv) },
				"Decrypter.SetIV": func() { NewCBCDecrypter(b, make([]byte, 16)).SetIV(iv) },
			} {
				if !panics(f) {
					t.Errorf("%s: %s accepted a %s", im.name, name, fmt.Sprintf("%d-byte IV", n))
				}
			}
		}
	}
}
