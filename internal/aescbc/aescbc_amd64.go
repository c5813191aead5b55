//go:build amd64 && !purego

package aescbc

import "golang.org/x/sys/cpu"

// hasAESNI: AESENC/AESDEC/AESKEYGENASSIST/AESIMC (the rest is SSE2, always
// present on amd64).
var hasAESNI = cpu.X86.HasAES

// hasVAES: 256-bit VAESDEC for decryption, sixteen blocks in flight. x/sys/cpu
// reports VAES only on AVX-512 CPUs (Ice Lake and later, Zen 4 and later);
// the instructions used are VEX-encoded AVX2 + VAES.
var hasVAES = hasAESNI && cpu.X86.HasAVX2 && cpu.X86.HasAVX512VAES

// decryptCBC decrypts whole blocks, src to dst (equal or disjoint, len(src)
// > 0), chaining from and updating *iv: with VAES sixteen blocks at a time
// when b.wide, then (or else) with AES-NI.
func decryptCBC(b *Block, iv *[BlockSize]byte, dst, src []byte) {
	n := len(src) / BlockSize
	if w := n &^ 15; b.wide && w > 0 {
		decryptBlocksVAES(&b.dec, iv, &dst[0], &src[0], w)
		if w == n {
			return
		}
		dst, src, n = dst[w*BlockSize:], src[w*BlockSize:], n-w
	}
	decryptBlocks(&b.dec, iv, &dst[0], &src[0], n)
}

// expandKey writes the 11 encryption round keys of a 16-byte key to enc and
// the 11 decryption round keys (reversed, AESIMC applied to 1..9) to dec.
func expandKey(key []byte, enc, dec *[schedSize]byte) { expandKeyAsm(&key[0], enc, dec) }

//go:noescape
func expandKeyAsm(key *byte, enc, dec *[schedSize]byte)

// encryptBlocks CBC-encrypts n >= 1 blocks from src to dst (equal or
// disjoint) chaining from *iv, and leaves the last ciphertext block in *iv.
//
//go:noescape
func encryptBlocks(xk *[schedSize]byte, iv *[BlockSize]byte, dst, src *byte, n int)

// decryptBlocks CBC-decrypts n >= 1 blocks from src to dst (equal or
// disjoint) with the decryption schedule xk, chaining from *iv, and leaves
// the last ciphertext block in *iv.
//
//go:noescape
func decryptBlocks(xk *[schedSize]byte, iv *[BlockSize]byte, dst, src *byte, n int)

// decryptBlocksVAES is decryptBlocks for n a positive multiple of 16, with
// VAES.
//
//go:noescape
func decryptBlocksVAES(xk *[schedSize]byte, iv *[BlockSize]byte, dst, src *byte, n int)
