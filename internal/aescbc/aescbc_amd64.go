//go:build amd64 && !purego

package aescbc

import "golang.org/x/sys/cpu"

// hasAESNI: AESENC/AESDEC/AESKEYGENASSIST/AESIMC (the rest is SSE2, always
// present on amd64).
var hasAESNI = cpu.X86.HasAES

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
