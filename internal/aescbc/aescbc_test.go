package aescbc

import (
	"bytes"
	"testing"
)

// checkBoth encrypts plain with im and with crypto/cipher, then decrypts the
// ciphertext with both, and fails on any difference. dst and src are
// allocated with offset spare bytes in front, so off != 0 makes them
// unaligned.
func checkBoth(t *testing.T, im impl, key, iv, plain []byte, off int) {
	t.Helper()
	b := newBlock(t, im, key)
	refEnc, refDec := reference(t, key, iv)

	want := make([]byte, len(plain))
	refEnc.CryptBlocks(want, plain)
	src := make([]byte, off+len(plain))[off:]
	copy(src, plain)
	got := make([]byte, off+len(plain))[off:]
	NewCBCEncrypter(b, iv).CryptBlocks(got, src)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: encrypt of %d bytes (offset %d) differs from crypto/cipher at byte %d", im.name, len(plain), off, firstDiff(got, want))
	}
	if !bytes.Equal(src, plain) {
		t.Fatalf("%s: encrypt wrote to its source", im.name)
	}

	back := make([]byte, off+len(plain))[off:]
	NewCBCDecrypter(b, iv).CryptBlocks(back, got)
	refBack := make([]byte, len(plain))
	refDec.CryptBlocks(refBack, want)
	if !bytes.Equal(back, refBack) || !bytes.Equal(back, plain) {
		t.Fatalf("%s: decrypt of %d bytes (offset %d) differs from the plaintext at byte %d", im.name, len(plain), off, firstDiff(back, plain))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestEveryLengthUpTo4096MatchesCryptoCipher(t *testing.T) {
	r := newRand(t)
	for _, im := range impls(t) {
		for n := 0; n <= 4096; n += BlockSize {
			checkBoth(t, im, randBytes(r, 16), randBytes(r, 16), randBytes(r, n), 0)
		}
	}
}

func TestRandomLargeLengthsMatchCryptoCipher(t *testing.T) {
	r := newRand(t)
	for _, im := range impls(t) {
		for range 20 {
			n := (r.IntN(3<<20)/BlockSize + 1) * BlockSize
			checkBoth(t, im, randBytes(r, 16), randBytes(r, 16), randBytes(r, n), 0)
		}
	}
}

func TestUnalignedBuffersMatchCryptoCipher(t *testing.T) {
	r := newRand(t)
	for _, im := range impls(t) {
		for off := 1; off < 16; off++ {
			for _, blocks := range []int{1, 3, 4, 7, 8, 9, 12, 15, 16, 17, 32, 33, 100} {
				checkBoth(t, im, randBytes(r, 16), randBytes(r, 16), randBytes(r, blocks*BlockSize), off)
			}
		}
	}
}

// In place (dst and src the same slice) is what segcrypt does on every call.
func TestInPlaceMatchesCryptoCipher(t *testing.T) {
	r := newRand(t)
	for _, im := range impls(t) {
		for _, blocks := range []int{1, 2, 4, 5, 8, 11, 12, 13, 15, 16, 17, 31, 32, 33, 47, 48, 49, 2047, 2048} {
			for _, off := range []int{0, 3} {
				key, iv := randBytes(r, 16), randBytes(r, 16)
				plain := randBytes(r, blocks*BlockSize)
				refEnc, _ := reference(t, key, iv)
				want := make([]byte, len(plain))
				refEnc.CryptBlocks(want, plain)

				b := newBlock(t, im, key)
				buf := make([]byte, off+len(plain))[off:]
				copy(buf, plain)
				NewCBCEncrypter(b, iv).CryptBlocks(buf, buf)
				if !bytes.Equal(buf, want) {
					t.Fatalf("%s: in-place encrypt of %d blocks differs at byte %d", im.name, blocks, firstDiff(buf, want))
				}
				NewCBCDecrypter(b, iv).CryptBlocks(buf, buf)
				if !bytes.Equal(buf, plain) {
					t.Fatalf("%s: in-place decrypt of %d blocks differs at byte %d", im.name, blocks, firstDiff(buf, plain))
				}
			}
		}
	}
}

// A dst longer than src is allowed; only len(src) bytes of it are written.
func TestLongerDstWritesOnlyLenSrc(t *testing.T) {
	r := newRand(t)
	for _, im := range impls(t) {
		key, iv := randBytes(r, 16), randBytes(r, 16)
		b := newBlock(t, im, key)
		src := randBytes(r, 9*BlockSize)
		for _, mode := range []interface{ CryptBlocks(dst, src []byte) }{NewCBCEncrypter(b, iv), NewCBCDecrypter(b, iv)} {
			dst := bytes.Repeat([]byte{0xa5}, len(src)+BlockSize)
			mode.CryptBlocks(dst, src)
			if !bytes.Equal(dst[len(src):], bytes.Repeat([]byte{0xa5}, BlockSize)) {
				t.Fatalf("%s: %T wrote past len(src)", im.name, mode)
			}
		}
	}
}

// Successive CryptBlocks calls continue one chain, whatever the split, and
// SetIV restarts it.
func TestChainCarriesAcrossCallsAndSetIVRestarts(t *testing.T) {
	r := newRand(t)
	for _, im := range impls(t) {
		key, iv := randBytes(r, 16), randBytes(r, 16)
		plain := randBytes(r, 300*BlockSize)
		refEnc, _ := reference(t, key, iv)
		want := make([]byte, len(plain))
		refEnc.CryptBlocks(want, plain)

		b := newBlock(t, im, key)
		enc, dec := NewCBCEncrypter(b, iv), NewCBCDecrypter(b, iv)
		ct := make([]byte, len(plain))
		pt := make([]byte, len(plain))
		for i := 0; i < len(plain); {
			n := min(len(plain)-i, r.IntN(40)*BlockSize) // zero-length calls included
			enc.CryptBlocks(ct[i:i+n], plain[i:i+n])
			dec.CryptBlocks(pt[i:i+n], want[i:i+n])
			i += n
		}
		if !bytes.Equal(ct, want) {
			t.Fatalf("%s: split encrypt differs at byte %d", im.name, firstDiff(ct, want))
		}
		if !bytes.Equal(pt, plain) {
			t.Fatalf("%s: split decrypt differs at byte %d", im.name, firstDiff(pt, plain))
		}

		enc.SetIV(iv)
		dec.SetIV(iv)
		enc.CryptBlocks(ct, plain)
		dec.CryptBlocks(pt, want)
		if !bytes.Equal(ct, want) || !bytes.Equal(pt, plain) {
			t.Fatalf("%s: after SetIV the chain did not restart", im.name)
		}
		// A decrypter can start mid-segment: the IV of block k is ciphertext block k-1.
		k := 37
		dec.SetIV(want[(k-1)*BlockSize : k*BlockSize])
		dec.CryptBlocks(pt[:BlockSize*10], want[k*BlockSize:(k+10)*BlockSize])
		if !bytes.Equal(pt[:BlockSize*10], plain[k*BlockSize:(k+10)*BlockSize]) {
			t.Fatalf("%s: decrypt from a mid-stream IV differs", im.name)
		}
	}
}

// The caller's IV slice is copied, not kept: changing it later changes nothing.
func TestIVIsCopied(t *testing.T) {
	r := newRand(t)
	for _, im := range impls(t) {
		key, iv := randBytes(r, 16), randBytes(r, 16)
		plain := randBytes(r, 4*BlockSize)
		refEnc, _ := reference(t, key, iv)
		want := make([]byte, len(plain))
		refEnc.CryptBlocks(want, plain)

		b := newBlock(t, im, key)
		ivc := bytes.Clone(iv)
		enc := NewCBCEncrypter(b, ivc)
		clear(ivc)
		got := make([]byte, len(plain))
		enc.CryptBlocks(got, plain)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: the mode followed a change to the caller's IV slice", im.name)
		}
	}
}

func TestBlockSizeIs16(t *testing.T) {
	for _, im := range impls(t) {
		b := newBlock(t, im, make([]byte, 16))
		if NewCBCEncrypter(b, make([]byte, 16)).BlockSize() != 16 || NewCBCDecrypter(b, make([]byte, 16)).BlockSize() != 16 {
			t.Fatalf("%s: BlockSize is not 16", im.name)
		}
	}
}

// On an amd64 CPU with AES-NI (and VAES) the assembly (and VAES decryption)
// must be what NewCipher picks by default.
func TestAsmIsTheDefaultWhenTheCPUHasAESNI(t *testing.T) {
	b, err := NewCipher(make([]byte, 16))
	if err != nil {
		t.Fatal(err)
	}
	if got := b.std == nil; got != hasAESNI {
		t.Fatalf("assembly in use = %v, AES-NI available = %v", got, hasAESNI)
	}
	if b.wide != hasVAES {
		t.Fatalf("VAES decryption in use = %v, VAES available = %v", b.wide, hasVAES)
	}
}
