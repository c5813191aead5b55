package aescbc

import (
	"crypto/aes"
	"crypto/cipher"
	"math/rand/v2"
	"testing"
)

// impl is one way this package can run: the crypto/cipher fallback, the
// AES-NI assembly, or AES-NI with VAES decryption, forced through the
// useAsm and useVAES hooks.
type impl struct {
	name      string
	asm, vaes bool
}

// impls lists the implementations this machine can run: always the
// fallback, the AES-NI assembly when the CPU has it, and its VAES variant
// when the CPU has that too.
func impls(t testing.TB) []impl {
	out := []impl{{name: "fallback"}}
	if hasAESNI {
		out = append(out, impl{name: "aesni", asm: true})
	} else {
		t.Logf("no AES-NI in this build or CPU: only the fallback is tested")
	}
	if hasVAES {
		out = append(out, impl{name: "vaes", asm: true, vaes: true})
	} else {
		t.Logf("no VAES in this build or CPU: the VAES decryption is not tested")
	}
	return out
}

// newBlock expands key for one implementation and checks it got that one.
func newBlock(t testing.TB, im impl, key []byte) *Block {
	t.Helper()
	savedAsm, savedVAES := useAsm, useVAES
	useAsm, useVAES = im.asm, im.vaes
	b, err := NewCipher(key)
	useAsm, useVAES = savedAsm, savedVAES
	if err != nil {
		t.Fatal(err)
	}
	if (b.std == nil) != im.asm || b.wide != im.vaes {
		t.Fatalf("%s: Block has std=%v wide=%v", im.name, b.std != nil, b.wide)
	}
	return b
}

// reference returns crypto/cipher's CBC modes for key and iv.
func reference(t testing.TB, key, iv []byte) (enc, dec cipher.BlockMode) {
	t.Helper()
	blk, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	return cipher.NewCBCEncrypter(blk, iv), cipher.NewCBCDecrypter(blk, iv)
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func newRand(t testing.TB) *rand.Rand {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
